//! Empty network namespaces, reused from one isolated run to the next (root harness only).
//!
//! Creating a network namespace and destroying it (in a kernel worker, after the run) is the
//! most expensive part of a run's namespaces: about a millisecond of CPU per run here, several
//! times the cost of the user, mount, PID, IPC and UTS namespaces together. A root harness
//! therefore keeps the empty network namespaces it made and gives each to one shim at a time:
//! the thread that clones a shim enters a free namespace with `setns`, clones the shim without
//! `CLONE_NEWNET` (the shim inherits the thread's network namespace) and returns to its own.
//! The namespace goes back to the free list only when its shim has been reaped, so no process
//! of an earlier run is alive in it; concurrent runs always have different namespaces.
//!
//! What a run finds there is what a fresh namespace holds: only a loopback interface, down. The
//! namespace belongs to the harness's user namespace, in which a solver has no capability, so
//! it can neither bring an interface up nor change a setting of the namespace (with a fresh
//! `CLONE_NEWNET` in the shim's own user namespace, the shim's user namespace would own it).
//! An unprivileged harness cannot enter a namespace it does not own from a new user namespace,
//! so its shims keep making their own ([`take`] returns `None`).

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Mutex, OnceLock};

use nix::sched::{setns, unshare, CloneFlags};

struct Pool {
    /// The harness's own network namespace, to return to after a clone.
    home: OwnedFd,
    free: Mutex<Vec<OwnedFd>>,
}

fn pool() -> Option<&'static Pool> {
    static POOL: OnceLock<Option<Pool>> = OnceLock::new();
    POOL.get_or_init(|| {
        if !nix::unistd::geteuid().is_root() {
            return None;
        }
        match open_current() {
            Ok(home) => Some(Pool {
                home,
                free: Mutex::new(Vec::new()),
            }),
            Err(e) => {
                tracing::debug!("cannot open this thread's network namespace: {e}");
                None
            }
        }
    })
    .as_ref()
}

fn open_current() -> io::Result<OwnedFd> {
    Ok(std::fs::File::open("/proc/thread-self/ns/net")?.into())
}

/// A network namespace lent to one shim; it goes back to the free list when dropped (drop it
/// only once the shim has been reaped).
#[derive(Debug)]
pub(crate) struct NetNs {
    fd: Option<OwnedFd>,
}

impl Drop for NetNs {
    fn drop(&mut self) {
        if let (Some(fd), Some(pool)) = (self.fd.take(), pool()) {
            if let Ok(mut free) = pool.free.lock() {
                free.push(fd);
            }
        }
    }
}

/// A free empty network namespace (a new one if none is free), or `None` where namespaces
/// cannot be shared (not root, or creating one failed: the shim then makes its own).
pub(crate) fn take() -> Option<NetNs> {
    let pool = pool()?;
    if let Some(fd) = pool.free.lock().ok()?.pop() {
        return Some(NetNs { fd: Some(fd) });
    }
    // A new one: enter it on this thread, keep a handle, come back.
    let made = unshare(CloneFlags::CLONE_NEWNET)
        .map_err(io::Error::from)
        .and_then(|()| open_current());
    if let Err(e) = setns(pool.home.as_fd(), CloneFlags::CLONE_NEWNET) {
        // Cannot happen to root holding its own namespace; if it did, this thread would stay
        // in an empty namespace, which only shims are made from.
        tracing::error!("cannot return to the harness's network namespace: {e}");
    }
    match made {
        Ok(fd) => Some(NetNs { fd: Some(fd) }),
        Err(e) => {
            tracing::debug!("cannot make a network namespace to share: {e}");
            None
        }
    }
}

/// Runs `f` (a clone of a shim) in `ns`'s network namespace, on this thread only, and returns
/// to the harness's namespace afterwards. Fails without calling `f` if `ns` cannot be entered.
pub(crate) fn within<T>(ns: &NetNs, f: impl FnOnce() -> T) -> io::Result<T> {
    let (Some(fd), Some(pool)) = (ns.fd.as_ref(), pool()) else {
        return Err(io::Error::other("no shared network namespace"));
    };
    setns(fd.as_fd(), CloneFlags::CLONE_NEWNET)?;
    let r = f();
    setns(pool.home.as_fd(), CloneFlags::CLONE_NEWNET)?;
    Ok(r)
}
