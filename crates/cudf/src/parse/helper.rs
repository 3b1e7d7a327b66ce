//! The second thread that reads a large document with the first.
//!
//! A large document is cut into chunks at stanza boundaries. The reading thread (the caller's)
//! takes chunks from the front, one after the other, into one part; the helper takes chunks
//! from the back, each into a part of its own. Neither waits for the other to start: a thread
//! that is started late, or runs slowly (on a shared machine, the two CPUs seldom run at the
//! same speed), simply takes fewer chunks. Before that, while the reading thread checks that
//! the text is UTF-8, the helper brings the pages of the text's second half into memory (from
//! the end); after it, the helper interns the names while the reading thread joins the parts.
//!
//! The threads wait for each other by spinning (yielding the CPU), never by sleeping: a
//! sleeping virtual CPU can take milliseconds to wake, which is as long as the work handed
//! over. Every wait is for a thread that is working, or ends when the other gives up.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use super::assemble::{sweep_order, Interned, NameHelper, NameJob, SweepOrder};
use super::{Decls, PartParser, Stage};

/// The parts the helper read, in document order, and the [`sweep_order`] of their names
/// (numbered from the first part's first).
pub(super) type HelperParts<'a> = (Vec<PartParser<'a>>, SweepOrder);

/// A value handed from one thread to the other.
struct Handoff<T>(Mutex<Option<T>>);

impl<T> Handoff<T> {
    fn new() -> Self {
        Handoff(Mutex::new(None))
    }

    fn put(&self, value: T) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
    }

    fn take(&self) -> Option<T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// What the helper needs to read chunks: the text, the preamble's declarations, and where the
/// chunks start (chunk `c` is `bounds[c]..bounds[c + 1]`).
pub(super) struct Setup<'a> {
    pub(super) text: &'a str,
    pub(super) decls: Decls,
    pub(super) bounds: Vec<usize>,
}

/// The state the reading thread and its helper share.
pub(super) struct Helper<'a> {
    /// Set when the reading thread needs no more help: the helper stops.
    stop: AtomicBool,
    /// Cleared when the helper ends (a panic too): the reading thread stops waiting for it.
    alive: AtomicBool,
    /// Whether the helper brings the pages of the text's second half into memory, from the
    /// end, while the reading thread checks the text from the start (UTF-8).
    touch: bool,
    setup: Handoff<Setup<'a>>,
    /// The chunks not taken yet: `front..back`, packed as `back << 32 | front`.
    chunks: AtomicU64,
    /// The helper's parts, in document order, and the sweep order of their names; `None` if
    /// one of its chunks failed.
    parts: Handoff<Option<HelperParts<'a>>>,
    names_job: Handoff<NameJob>,
    names_done: Handoff<(NameJob, Interned)>,
}

/// Clears `alive` when the helper ends, however it ends.
struct Alive<'h, 'a>(&'h Helper<'a>);

impl Drop for Alive<'_, '_> {
    fn drop(&mut self) {
        self.0.alive.store(false, Ordering::Release);
    }
}

/// The bytes between two touches while bringing pages into memory: one per page.
const PAGE: usize = 4096;

impl<'a> Helper<'a> {
    /// The shared state; `touch`: whether the reading thread checks the text first (UTF-8),
    /// and the helper brings the pages of the second half into memory meanwhile.
    pub(super) fn new(touch: bool) -> Self {
        Helper {
            stop: AtomicBool::new(false),
            alive: AtomicBool::new(true),
            touch,
            setup: Handoff::new(),
            chunks: AtomicU64::new(0),
            parts: Handoff::new(),
            names_job: Handoff::new(),
            names_done: Handoff::new(),
        }
    }

    /// Notes that the helper thread could not be started.
    pub(super) fn absent(&self) {
        self.alive.store(false, Ordering::Release);
    }

    /// Whether the helper may still help: it was started, and not released.
    pub(super) fn useful(&self) -> bool {
        self.alive.load(Ordering::Acquire) && !self.stopped()
    }

    /// Tells the helper that no more help is needed.
    pub(super) fn release(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// The helper thread's work: `bytes` is the document.
    pub(super) fn run(&self, bytes: &[u8]) {
        let _alive = Alive(self);
        // The pages of the text's second half, from the end, until the reading thread offers
        // chunks (it has checked the text: the pages are in memory).
        if self.touch {
            let mut at = bytes.len();
            while at > bytes.len() / 2 + PAGE
                && self.chunks.load(Ordering::Relaxed) == 0
                && !self.stopped()
            {
                at -= PAGE;
                std::hint::black_box(bytes.get(at).copied());
            }
        }
        let Some(setup) = self.wait(&self.setup, false) else {
            return;
        };
        let mut parts = Vec::new();
        while let Some(c) = self.take_back() {
            if self.stopped() {
                return;
            }
            let read = match (setup.bounds.get(c), setup.bounds.get(c + 1)) {
                (Some(&start), Some(&end)) => {
                    let mut part =
                        PartParser::new(setup.text, start..end, setup.decls.clone(), false);
                    part.stage = Stage::Packages;
                    part.run().ok().map(|()| part)
                }
                _ => None,
            };
            let Some(part) = read else {
                // The reading thread then reads the document again, alone.
                self.parts.put(None);
                return;
            };
            parts.push(part);
        }
        parts.reverse();
        let sorted = sweep_order(
            parts
                .iter()
                .flat_map(|p| p.part.names.iter().map(|&(_, hash)| hash)),
        );
        let helped = !parts.is_empty();
        self.parts.put(Some((parts, sorted)));
        if !helped {
            // The reading thread read every chunk: it interns the names itself.
            return;
        }
        let Some(job) = self.wait(&self.names_job, false) else {
            return;
        };
        let interned = job.run(setup.text);
        self.names_done.put((job, interned));
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Waits for `slot` to be filled: by the reading thread (`from_helper` false: `None` once
    /// it stops) or by the helper (`None` once it ends without filling it).
    fn wait<T>(&self, slot: &Handoff<T>, from_helper: bool) -> Option<T> {
        loop {
            if let Some(value) = slot.take() {
                return Some(value);
            }
            if from_helper && !self.alive.load(Ordering::Acquire) {
                return slot.take();
            }
            if !from_helper && self.stopped() {
                return None;
            }
            std::thread::yield_now();
        }
    }

    /// Offers chunks `0..count` of `setup`: the helper may now take them from the back.
    pub(super) fn offer(&self, setup: Setup<'a>, count: usize) {
        self.chunks.store((count as u64) << 32, Ordering::Release);
        self.setup.put(setup);
    }

    /// Takes the first chunk not taken yet, for the reading thread.
    pub(super) fn take_front(&self) -> Option<usize> {
        self.take(|front, back| (front < back).then(|| (front, front + 1, back)))
    }

    /// Takes the last chunk not taken yet, for the helper.
    fn take_back(&self) -> Option<usize> {
        self.take(|front, back| (front < back).then(|| (back - 1, front, back - 1)))
    }

    /// Takes a chunk: `pick(front, back)` says which, and the new `front` and `back`.
    fn take(&self, pick: impl Fn(u64, u64) -> Option<(u64, u64, u64)>) -> Option<usize> {
        let mut now = self.chunks.load(Ordering::Acquire);
        loop {
            let (front, back) = (now & 0xffff_ffff, now >> 32);
            let (chunk, front, back) = pick(front, back)?;
            match self.chunks.compare_exchange_weak(
                now,
                back << 32 | front,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(chunk as usize),
                Err(seen) => now = seen,
            }
        }
    }

    /// The helper's parts and the sweep order of their names, once it has read its last
    /// chunk; `None` if it failed.
    pub(super) fn parts(&self) -> Option<HelperParts<'a>> {
        self.wait(&self.parts, true).flatten()
    }
}

impl NameHelper for Helper<'_> {
    fn start(&self, job: NameJob) -> Result<(), NameJob> {
        if !self.alive.load(Ordering::Acquire) {
            return Err(job);
        }
        self.names_job.put(job);
        Ok(())
    }

    fn finish(&self) -> Option<(NameJob, Interned)> {
        self.wait(&self.names_done, true)
    }
}
