//! Starting a run: pre-warmed shims, and the code between `fork` and `exec`.
//!
//! A *shim* is a process forked from the harness, either by the thread that asks for a run or,
//! when pre-warming is on, ahead of time by one long-lived forker thread (`PR_SET_PDEATHSIG` is
//! tied to the forking thread, so shims are only forked by threads that outlive them).
//! Right after the fork it joins the run cgroup (if any), starts a new session, becomes a child
//! subreaper, closes every descriptor it does not need and blocks on a control pipe. Joining a
//! cgroup v1 waits for an RCU grace period (several milliseconds), so shims are prepared ahead of
//! time, off the critical path, and kept in a small pool.
//!
//! To start a run, the harness writes the solver's path, argv, envp, working directory, rlimits,
//! CPU and namespace settings into a shared memory region that the shim inherited (same
//! addresses in both processes), and writes one byte to the control pipe. The shim starts the
//! solver with `clone(CLONE_VM | CLONE_VFORK)` on a stack of its own (see [`spawn_solver`]),
//! which applies the settings and execs; the shim reports the solver's pid and later its
//! wait status over the status pipe (or the errno of a failed setup step), reaps every process
//! reparented to it, and exits when it has no children left. The end of the status pipe is
//! therefore the end of the run.
//!
//! Everything after `fork` uses only raw system calls on memory prepared before: no allocation,
//! no locks. nix is used wherever its wrapper allocates nothing and adds no C library state
//! (`fork`, `open`, `dup2`, `setrlimit`, `mount`, `prctl`, `sendfile`...). What stays raw, and
//! why: `clone` without a new stack and `setgroups`/`setresuid`/`setresgid` (the C library's
//! wrappers run fork handlers or signal the harness's threads, which do not exist in the child,
//! and wait for them forever; nix calls those wrappers), `execve` (nix's builds its argument
//! arrays in allocated memory), `waitpid` (the shim forwards the raw status, which nix only
//! hands out parsed), `wait4` (nix 0.29 has no call returning the resource usage),
//! `close_range`, `mount_setattr` and `open_tree` (no nix wrapper), and `_exit` (nix has none;
//! `std::process::exit` would run the parent's exit handlers).

use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicI32, Ordering as AtomicOrdering};

use nix::sched::{sched_setaffinity, CpuSet};
use nix::sys::prctl;
use nix::sys::resource::Resource;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::Pid;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Mutex, OnceLock};

use crate::cgroup::{CgroupVersion, RunCgroup};
use crate::netns;

/// Messages on the status pipe: 8 bytes each, a tag and a value.
pub(crate) const MSG_PID: i32 = 1;
pub(crate) const MSG_STATUS: i32 = 2;
/// The solver could not be started; the value is `step << 16 | errno`.
pub(crate) const MSG_EXEC_ERR: i32 = 3;
/// The run's sandbox (an isolated run's tmpfs) had no free block left when the run ended.
pub(crate) const MSG_SANDBOX_FULL: i32 = 4;
/// Copying the output file out of the sandbox failed; the value is the errno.
pub(crate) const MSG_COPY_ERR: i32 = 5;

/// The setup step that failed, for `MSG_EXEC_ERR`.
pub(crate) const STEP_NAMES: [&str; 16] = [
    "exec",
    "stdio",
    "process group",
    "cpu affinity",
    "unshare",
    "mount",
    "rlimit",
    "chdir",
    "death signal",
    "user ids",
    "no_new_privs",
    "mounting /proc",
    "read-only remount",
    "opening a folder to keep visible",
    "binding a folder to keep visible",
    "mounting the sandbox's tmpfs",
];
const STEP_EXEC: i32 = 0;
const STEP_STDIO: i32 = 1;
const STEP_PGRP: i32 = 2;
const STEP_AFFINITY: i32 = 3;
const STEP_UNSHARE: i32 = 4;
const STEP_MOUNT: i32 = 5;
const STEP_RLIMIT: i32 = 6;
const STEP_CHDIR: i32 = 7;
const STEP_PDEATH: i32 = 8;
const STEP_IDS: i32 = 9;
const STEP_NO_NEW_PRIVS: i32 = 10;
const STEP_PROC: i32 = 11;
const STEP_READONLY: i32 = 12;
const STEP_KEEP: i32 = 13;
const STEP_BIND: i32 = 14;
const STEP_SANDBOX: i32 = 15;

/// Size of the shared parameter region; argv and envp of a run must fit.
const REGION: usize = 512 * 1024;
const MAX_RLIMITS: usize = 8;

#[repr(C)]
#[derive(Clone, Copy)]
struct RawRlimit {
    resource: Resource,
    soft: u64,
    hard: u64,
}

/// The parameters at the start of the shared region. Pointers point into the region.
#[repr(C)]
struct Params {
    path: *const libc::c_char,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
    cwd: *const libc::c_char,
    /// Null-terminated array of directories to bind read-only.
    readonly: *const *const libc::c_char,
    /// Null-terminated arrays of directories hidden behind an empty read-only tmpfs, and behind
    /// an empty writable private tmpfs (namespaces only).
    hidden: *const *const libc::c_char,
    private: *const *const libc::c_char,
    /// The sandbox root, where a size-limited tmpfs owned by the solver is mounted (namespaces
    /// only; may be null), and the folders made in it.
    sandbox: *const libc::c_char,
    sandbox_dirs: *const *const libc::c_char,
    /// Mount options of the private tmpfs and of the sandbox's tmpfs.
    private_opts: *const libc::c_char,
    sandbox_opts: *const libc::c_char,
    /// The host folder the output file is copied to after the run, and the file's name (null
    /// when there is none to copy). The solver writes it at the same path in its tmpfs.
    output_dir: *const libc::c_char,
    output_name: *const libc::c_char,
    rlimits: [RawRlimit; MAX_RLIMITS],
    nrlimits: usize,
    /// CPU to pin to, or -1.
    cpu: i64,
    new_net: i32,
    /// The shim is in new namespaces and sets up the mounts.
    namespaces: i32,
    /// The ids the solver takes (`u32::MAX`: keep), and whether it drops supplementary groups.
    uid: u32,
    gid: u32,
    drop_groups: i32,
}

/// The namespace part of a launch: what the shim mounts and whom the solver runs as.
#[derive(Debug, Clone, Default)]
pub(crate) struct NsLaunch {
    pub hidden: Vec<PathBuf>,
    pub private: Vec<PathBuf>,
    pub sandbox: Option<PathBuf>,
    /// Folders made in the sandbox's tmpfs (names).
    pub sandbox_dirs: Vec<PathBuf>,
    pub private_opts: String,
    pub sandbox_opts: String,
    /// The output file (inside the sandbox), copied to the host after the run.
    pub output: Option<PathBuf>,
    pub ids: IdMap,
}

/// What a solver is started with (already resolved by the harness).
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub path: PathBuf,
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    pub cwd: PathBuf,
    pub readonly: Vec<PathBuf>,
    pub rlimits: Vec<(Resource, u64, u64)>,
    pub cpu: Option<usize>,
    pub new_net: bool,
    /// Set for a run in new namespaces (the shim must have been made with them).
    pub ns: Option<NsLaunch>,
}

/// The user and group a namespaced solver runs as, and how the namespace maps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct IdMap {
    /// The host uid and gid, mapped to themselves inside the namespace.
    pub uid: u32,
    pub gid: u32,
    /// The harness is root: the maps are written with its privilege, the solver switches to
    /// `uid`/`gid` and drops supplementary groups. Otherwise the harness maps its own ids and
    /// `setgroups` is denied.
    pub privileged: bool,
}

/// The unprivileged uid and gid a root harness runs namespaced solvers as (`nobody`, `nogroup`).
pub(crate) const SOLVER_ID: u32 = 65534;

impl IdMap {
    /// The mapping for this harness: `nobody` when root, the harness's own ids otherwise.
    pub fn current() -> IdMap {
        let euid = nix::unistd::geteuid().as_raw();
        if euid == 0 {
            IdMap {
                uid: SOLVER_ID,
                gid: SOLVER_ID,
                privileged: true,
            }
        } else {
            IdMap {
                uid: euid,
                gid: nix::unistd::getegid().as_raw(),
                privileged: false,
            }
        }
    }

    /// Writes the namespace maps of `pid` (a shim just made with a new user namespace).
    fn write(&self, pid: i32) -> io::Result<()> {
        let proc = PathBuf::from(format!("/proc/{pid}"));
        if !self.privileged {
            std::fs::write(proc.join("setgroups"), "deny")?;
        }
        std::fs::write(proc.join("uid_map"), format!("{0} {0} 1\n", self.uid))?;
        std::fs::write(proc.join("gid_map"), format!("{0} {0} 1\n", self.gid))?;
        Ok(())
    }
}

/// The shared memory region, mapped in the harness (and, inherited, in the shim).
#[derive(Debug)]
struct Region {
    base: *mut u8,
}

// SAFETY: the region is plain memory owned by this handle; access is not shared between threads.
unsafe impl Send for Region {}

impl Region {
    fn new() -> io::Result<Region> {
        use nix::sys::mman::{mmap_anonymous, MapFlags, ProtFlags};
        let len = std::num::NonZeroUsize::new(REGION).ok_or_else(too_big)?;
        // SAFETY: a fresh anonymous mapping aliases no Rust object.
        let p = unsafe {
            mmap_anonymous(
                None,
                len,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
            )
        }
        .map_err(io::Error::from)?;
        Ok(Region {
            base: p.as_ptr().cast(),
        })
    }

    /// Lays out `launch` in the region. Fails if it does not fit.
    fn write(&mut self, launch: &Launch) -> io::Result<()> {
        let mut w = Writer {
            base: self.base,
            off: std::mem::size_of::<Params>(),
        };
        let path = w.cstr(launch.path.as_os_str().as_bytes())?;
        let argv: Vec<_> = launch
            .argv
            .iter()
            .map(|a| w.cstr(a))
            .collect::<io::Result<_>>()?;
        let envp: Vec<_> = launch
            .envp
            .iter()
            .map(|a| w.cstr(a))
            .collect::<io::Result<_>>()?;
        let cwd = w.cstr(launch.cwd.as_os_str().as_bytes())?;
        let ro: Vec<_> = launch
            .readonly
            .iter()
            .map(|p| w.cstr(p.as_os_str().as_bytes()))
            .collect::<io::Result<_>>()?;
        let argv = w.ptrs(&argv)?;
        let envp = w.ptrs(&envp)?;
        let readonly = w.ptrs(&ro)?;
        let empty = NsLaunch::default();
        let ns = launch.ns.as_ref().unwrap_or(&empty);
        let mut list = |dirs: &[PathBuf]| -> io::Result<*const *const libc::c_char> {
            let v: Vec<_> = dirs
                .iter()
                .map(|p| w.cstr(p.as_os_str().as_bytes()))
                .collect::<io::Result<_>>()?;
            w.ptrs(&v)
        };
        let hidden = list(&ns.hidden)?;
        let private = list(&ns.private)?;
        let sandbox_dirs = list(&ns.sandbox_dirs)?;
        let sandbox = match &ns.sandbox {
            Some(p) => w.cstr(p.as_os_str().as_bytes())?,
            None => std::ptr::null(),
        };
        let private_opts = w.cstr(ns.private_opts.as_bytes())?;
        let sandbox_opts = w.cstr(ns.sandbox_opts.as_bytes())?;
        let (output_dir, output_name) = match ns
            .output
            .as_deref()
            .and_then(|o| Some((o.parent()?, o.file_name()?)))
        {
            Some((dir, name)) => (
                w.cstr(dir.as_os_str().as_bytes())?,
                w.cstr(name.as_bytes())?,
            ),
            None => (std::ptr::null(), std::ptr::null()),
        };
        let mut rlimits = [RawRlimit {
            resource: Resource::RLIMIT_CORE,
            soft: 0,
            hard: 0,
        }; MAX_RLIMITS];
        for (slot, &(resource, soft, hard)) in rlimits.iter_mut().zip(&launch.rlimits) {
            *slot = RawRlimit {
                resource,
                soft,
                hard,
            };
        }
        let params = Params {
            path,
            argv,
            envp,
            cwd,
            readonly,
            hidden,
            private,
            sandbox,
            sandbox_dirs,
            private_opts,
            sandbox_opts,
            output_dir,
            output_name,
            rlimits,
            nrlimits: launch.rlimits.len().min(MAX_RLIMITS),
            cpu: launch.cpu.map_or(-1, |c| c as i64),
            new_net: i32::from(launch.new_net),
            namespaces: i32::from(launch.ns.is_some()),
            uid: match &launch.ns {
                Some(ns) if ns.ids.privileged => ns.ids.uid,
                _ => u32::MAX,
            },
            gid: match &launch.ns {
                Some(ns) if ns.ids.privileged => ns.ids.gid,
                _ => u32::MAX,
            },
            drop_groups: i32::from(launch.ns.as_ref().is_some_and(|ns| ns.ids.privileged)),
        };
        // SAFETY: the region starts page-aligned and is larger than Params.
        unsafe { std::ptr::write(self.base.cast::<Params>(), params) };
        Ok(())
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if let Some(base) = std::ptr::NonNull::new(self.base.cast()) {
            // SAFETY: unmaps exactly the mapping created in `new`, which nothing uses any more.
            let _ = unsafe { nix::sys::mman::munmap(base, REGION) };
        }
    }
}

struct Writer {
    base: *mut u8,
    off: usize,
}

fn too_big() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "arguments and environment are too large",
    )
}

impl Writer {
    fn cstr(&mut self, bytes: &[u8]) -> io::Result<*const libc::c_char> {
        if bytes.contains(&0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an argument contains a NUL byte",
            ));
        }
        let end = self.off + bytes.len() + 1;
        if end > REGION {
            return Err(too_big());
        }
        // SAFETY: [off, end) lies inside the region.
        unsafe {
            let dst = self.base.add(self.off);
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len());
            *dst.add(bytes.len()) = 0;
            self.off = end;
            Ok(dst.cast_const().cast())
        }
    }

    /// A null-terminated pointer array.
    fn ptrs(&mut self, ptrs: &[*const libc::c_char]) -> io::Result<*const *const libc::c_char> {
        let align = std::mem::align_of::<*const libc::c_char>();
        let start = self.off.div_ceil(align) * align;
        let size = (ptrs.len() + 1) * std::mem::size_of::<*const libc::c_char>();
        if start + size > REGION {
            return Err(too_big());
        }
        // SAFETY: [start, start + size) lies inside the region and is aligned.
        unsafe {
            let dst = self.base.add(start).cast::<*const libc::c_char>();
            for (i, p) in ptrs.iter().enumerate() {
                *dst.add(i) = *p;
            }
            *dst.add(ptrs.len()) = std::ptr::null();
            self.off = start + size;
            Ok(dst.cast_const())
        }
    }
}

/// A shim waiting for its solver, with the harness's ends of its pipes.
#[derive(Debug)]
pub(crate) struct Shim {
    pub pid: i32,
    pub cgroup: Option<RunCgroup>,
    status: Option<OwnedFd>,
    stdout: Option<OwnedFd>,
    stderr: Option<OwnedFd>,
    ctl: Option<OwnedFd>,
    region: Region,
    /// Set once the shim has been reaped.
    reaped: bool,
    /// The shared network namespace the shim lives in, if any: freed after the shim (fields
    /// drop after `Drop::drop`, which reaps it).
    _net: Option<netns::NetNs>,
}

impl Shim {
    /// Hands the solver's parameters to the shim and lets it start the solver.
    pub fn go(&mut self, launch: &Launch) -> io::Result<()> {
        self.region.write(launch)?;
        let ctl = self
            .ctl
            .take()
            .ok_or_else(|| io::Error::other("shim already started"))?;
        nix::unistd::write(&ctl, b"g").map_err(io::Error::from)?;
        Ok(())
    }

    /// The harness's end of the status pipe.
    pub fn take_status(&mut self) -> io::Result<OwnedFd> {
        self.status
            .take()
            .ok_or_else(|| io::Error::other("status pipe taken"))
    }

    /// The harness's end of the solver's stdout.
    pub fn take_stdout(&mut self) -> io::Result<OwnedFd> {
        self.stdout
            .take()
            .ok_or_else(|| io::Error::other("stdout taken"))
    }

    /// The harness's end of the solver's stderr.
    pub fn take_stderr(&mut self) -> io::Result<OwnedFd> {
        self.stderr
            .take()
            .ok_or_else(|| io::Error::other("stderr taken"))
    }

    /// Marks the shim as reaped by the caller.
    pub fn set_reaped(&mut self) {
        self.reaped = true;
    }
}

impl Drop for Shim {
    fn drop(&mut self) {
        // An unused shim exits when its control pipe closes; a used one has been reaped.
        self.ctl = None;
        if !self.reaped {
            let pid = Pid::from_raw(self.pid);
            let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(pid, Some(nix::sys::wait::WaitPidFlag::__WALL));
        }
    }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(io::Error::from)
}

/// The namespaces of an isolated shim: it is PID 1 of the new PID namespace.
const NS_FLAGS: libc::c_int = libc::CLONE_NEWUSER
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS;

/// Forks a shim that joins `cgroup` and then either starts `launch` at once or, without one,
/// waits for [`Shim::go`]. With `ns`, the shim is made in new namespaces (see [`NS_FLAGS`]),
/// the harness writes its user namespace's maps, and the shim always waits for the go byte
/// (sent here at once when `launch` is given).
fn fork_shim(
    cgroup: Option<RunCgroup>,
    launch: Option<&Launch>,
    ns: Option<IdMap>,
) -> io::Result<Shim> {
    let procs = match &cgroup {
        Some(c) => c.procs_files()?,
        None => Vec::new(),
    };
    let mut region = Region::new()?;
    if let Some(l) = launch {
        region.write(l)?;
    }
    let immediate = launch.is_some();
    let (status_r, status_w) = pipe()?;
    let (ctl_r, ctl_w) = pipe()?;
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    let devnull = c"/dev/null";
    let fds = ChildFds {
        status: status_w.as_raw_fd(),
        ctl: ctl_r.as_raw_fd(),
        out: out_w.as_raw_fd(),
        err: err_w.as_raw_fd(),
    };
    let harness = nix::unistd::getpid().as_raw();
    // Forks (or clones with `flags`) the shim; the child never returns from here.
    let spawn = |flags: Option<libc::c_int>| -> libc::pid_t {
        // SAFETY: the child runs only async-signal-safe code on memory prepared before the fork
        // (a `clone` without a new stack behaves like `fork`).
        let pid = unsafe {
            match flags {
                Some(f) => raw_clone(f),
                None => fork_raw(),
            }
        };
        if pid == 0 {
            // SAFETY: we are the freshly forked child.
            unsafe {
                shim_main(
                    harness,
                    &procs,
                    fds,
                    region.base,
                    devnull.as_ptr(),
                    immediate,
                    ns.is_some(),
                )
            }
        }
        pid
    };
    // A root harness lends the shim an empty network namespace made earlier (see `netns`).
    let net = ns.and_then(|_| netns::take());
    let pid = match (&net, ns) {
        (Some(n), Some(_)) => netns::within(n, || spawn(Some(NS_FLAGS & !libc::CLONE_NEWNET)))?,
        (None, Some(_)) => spawn(Some(NS_FLAGS)),
        _ => spawn(None),
    };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    drop((status_w, ctl_r, out_w, err_w));
    let mut shim = Shim {
        pid,
        cgroup,
        status: Some(status_r),
        stdout: Some(out_r),
        stderr: Some(err_r),
        ctl: Some(ctl_w),
        region,
        reaped: false,
        _net: net,
    };
    if let Some(ids) = ns {
        // The shim is stopped on its control pipe until its maps are written (dropping it on
        // error kills and reaps it).
        ids.write(pid)?;
    }
    if immediate {
        if let Some(ctl) = shim.ctl.take() {
            if ns.is_some() {
                nix::unistd::write(&ctl, b"g").map_err(io::Error::from)?;
            }
        }
    }
    Ok(shim)
}

/// `fork` through nix, as a raw pid: 0 in the child, -1 (errno set) on failure.
///
/// # Safety
///
/// As [`nix::unistd::fork`]: in a multi-threaded process the child may only run
/// async-signal-safe code.
unsafe fn fork_raw() -> libc::pid_t {
    // SAFETY: the caller upholds fork's rules.
    match unsafe { nix::unistd::fork() } {
        Ok(nix::unistd::ForkResult::Child) => 0,
        Ok(nix::unistd::ForkResult::Parent { child }) => child.as_raw(),
        Err(_) => -1,
    }
}

/// `clone(flags | SIGCHLD)` as a raw system call: a `fork` (with new namespaces for `flags`)
/// that runs none of the C library's fork handlers and takes none of its locks.
///
/// # Safety
///
/// As `fork`: in a multi-threaded process the child may only run async-signal-safe code, and
/// it must not call the C library's `fork` or set*id wrappers (their state is a copy).
unsafe fn raw_clone(flags: libc::c_int) -> libc::pid_t {
    // SAFETY: the caller upholds fork's rules; no stack or TLS arguments are passed.
    unsafe {
        libc::syscall(
            libc::SYS_clone,
            (flags | libc::SIGCHLD) as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        ) as libc::pid_t
    }
}

#[derive(Clone, Copy)]
struct ChildFds {
    status: RawFd,
    ctl: RawFd,
    out: RawFd,
    err: RawFd,
}

fn errno() -> i32 {
    nix::errno::Errno::last_raw()
}

/// Writes one status message.
///
/// # Safety
///
/// `fd` must be a descriptor this process owns (the status pipe); async-signal-safe.
unsafe fn write_msg(fd: RawFd, tag: i32, value: i32) {
    let mut buf = [0u8; 8];
    buf[..4].copy_from_slice(&tag.to_ne_bytes());
    buf[4..].copy_from_slice(&value.to_ne_bytes());
    // SAFETY: the caller guarantees that `fd` is open for the duration of the call.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    while let Err(nix::errno::Errno::EINTR) = nix::unistd::write(fd, &buf) {}
}

/// Closes every descriptor not in `keep` (sorted ascending).
///
/// # Safety
///
/// Only for a freshly forked child: descriptors owned by Rust objects of the parent are closed
/// behind their backs.
unsafe fn close_all_but(keep: &[RawFd]) {
    let mut from: libc::c_uint = 0;
    for &k in keep {
        let k = k as libc::c_uint;
        if k > from {
            // SAFETY: close_range takes no pointers; closing the parent's descriptors is what
            // the caller (a freshly forked child) asked for.
            unsafe { libc::syscall(libc::SYS_close_range, from, k - 1, 0) };
        }
        from = k + 1;
    }
    // SAFETY: as above.
    unsafe { libc::syscall(libc::SYS_close_range, from, libc::c_uint::MAX, 0) };
}

/// The solver's pid (in the shim's PID namespace), for forwarding signals.
static SOLVER_PID: AtomicI32 = AtomicI32::new(0);

/// The signal handler of an isolated shim (PID 1 of its namespace, which the harness can signal
/// only through a handler): SIGTERM goes to every process of the namespace, any other signal
/// (the warning, SIGUSR1) to the solver.
extern "C" fn forward(sig: libc::c_int) {
    let pid = SOLVER_PID.load(AtomicOrdering::Relaxed);
    let Ok(sig) = Signal::try_from(sig) else {
        return;
    };
    if pid > 0 {
        let target = if sig == Signal::SIGTERM { -1 } else { pid };
        let _ = nix::sys::signal::kill(Pid::from_raw(target), sig);
    }
}

/// The shim. Never returns.
///
/// # Safety
///
/// Only for a freshly forked child of the harness, with `fds` open, `region` the inherited
/// shared region and `devnull` a valid C string: it closes every other descriptor and never
/// returns to Rust code of the parent.
unsafe fn shim_main(
    harness: libc::pid_t,
    procs: &[CString],
    fds: ChildFds,
    region: *mut u8,
    devnull: *const libc::c_char,
    immediate: bool,
    isolated: bool,
) -> ! {
    // Die with the harness; if it is already gone, do nothing. (In a new PID namespace the
    // parent is invisible; an isolated shim waits for its go byte, which never comes then.)
    let _ = prctl::set_pdeathsig(Signal::SIGKILL);
    if !isolated && nix::unistd::getppid().as_raw() != harness {
        // SAFETY: _exit runs no destructors or atexit handlers of the parent's state.
        unsafe { libc::_exit(125) };
    }
    let mut keep = [fds.status, fds.ctl, fds.out, fds.err];
    keep.sort_unstable();
    // SAFETY: this is a freshly forked child (the caller's contract); `keep` is sorted.
    unsafe { close_all_but(&keep) };
    // The harness's signal handlers mean nothing here, and the signals the harness sends to the
    // solver's processes must not kill the shim. An isolated shim forwards them instead.
    let action = if isolated {
        SigAction::new(
            SigHandler::Handler(forward),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        )
    } else {
        SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty())
    };
    for sig in Signal::iterator() {
        if !matches!(
            sig,
            Signal::SIGKILL | Signal::SIGSTOP | Signal::SIGCHLD | Signal::SIGSEGV | Signal::SIGBUS
        ) {
            // SAFETY: `forward` is async-signal-safe (an atomic load and kill(2)); ignoring is
            // always sound.
            let _ = unsafe { sigaction(sig, &action) };
        }
    }
    let dfl = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: the default disposition installs no handler.
    let _ = unsafe { sigaction(Signal::SIGCHLD, &dfl) };
    let _ = SigSet::empty().thread_set_mask();
    for f in procs {
        let ok = nix::fcntl::open(
            f.as_c_str(),
            nix::fcntl::OFlag::O_WRONLY | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .is_ok_and(|fd| {
            // SAFETY: `fd` was just opened here and is owned by nothing else.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            nix::unistd::write(&fd, b"0") == Ok(1)
        });
        if !ok {
            // SAFETY: as above, _exit touches none of the parent's state.
            unsafe { libc::_exit(124) };
        }
    }
    let _ = nix::unistd::setsid();
    let _ = prctl::set_child_subreaper(true);
    // Wait for the go byte; end of file means the harness discarded this shim.
    if !immediate || isolated {
        let mut b = [0u8; 1];
        loop {
            match nix::unistd::read(fds.ctl, &mut b) {
                Ok(1) => break,
                Err(nix::errno::Errno::EINTR) => continue,
                // SAFETY: as above.
                _ => unsafe { libc::_exit(0) },
            }
        }
    }
    let _ = nix::unistd::close(fds.ctl);
    // SAFETY: `region` is the inherited shared region, where the harness laid out a `Params`
    // (the caller's contract); it stays mapped until this process exits.
    let p = unsafe { &*region.cast::<Params>() };
    // The host folder the output is copied to (isolated runs with a sandbox).
    let mut output_dir = None;
    if isolated {
        // Nothing of the solver may read this process's memory or descriptors.
        let _ = prctl::set_dumpable(false);
        // SAFETY: `p` is the harness's `Params`; this shim is in its new namespaces, after its
        // fork.
        match unsafe { setup_namespace(p) } {
            Ok(dir) => output_dir = dir,
            Err((step, e)) => {
                // SAFETY: the status pipe is one of `fds`, kept open; _exit as above.
                unsafe {
                    write_msg(fds.status, MSG_EXEC_ERR, (step << 16) | (e as i32 & 0xffff));
                    libc::_exit(0);
                }
            }
        }
    }
    let shim = nix::unistd::getpid().as_raw();
    let args = SolverArgs {
        shim,
        fds,
        p,
        devnull,
    };
    // SAFETY: this is the shim, single-threaded, after its fork; `fds` are open, `p` is the
    // harness's `Params` and `devnull` a valid C string (the caller's contract).
    let solver = unsafe { spawn_solver(&args) };
    let _ = nix::unistd::close(fds.out);
    let _ = nix::unistd::close(fds.err);
    // SAFETY (the blocks below): the status pipe stays open in this process until _exit, which
    // touches none of the parent's state; waitpid writes only to the local `status`.
    if solver < 0 {
        unsafe {
            write_msg(
                fds.status,
                MSG_EXEC_ERR,
                (STEP_EXEC << 16) | (errno() & 0xffff),
            );
            libc::_exit(0);
        }
    }
    SOLVER_PID.store(solver, AtomicOrdering::Relaxed);
    unsafe { write_msg(fds.status, MSG_PID, solver) };
    loop {
        let mut status = 0;
        let r = unsafe { libc::waitpid(-1, &mut status, libc::__WALL) };
        if r < 0 {
            if errno() == libc::EINTR {
                continue;
            }
            break;
        }
        if r == solver {
            unsafe { write_msg(fds.status, MSG_STATUS, status) };
        }
    }
    // Every process of the run is gone: what the sandbox holds is final.
    if isolated && !p.sandbox.is_null() {
        // SAFETY: a C string of `p` (see above).
        let sandbox = unsafe { CStr::from_ptr(p.sandbox) };
        if nix::sys::statfs::statfs(sandbox).is_ok_and(|st| st.blocks_available() == 0) {
            unsafe { write_msg(fds.status, MSG_SANDBOX_FULL, 0) };
        }
        if let Some(dir) = output_dir {
            // SAFETY: `p`'s output fields are C strings (see above); `dir` is this process's.
            if let Err(e) = unsafe { copy_output(p, dir) } {
                unsafe { write_msg(fds.status, MSG_COPY_ERR, e as i32) };
            }
        }
    }
    unsafe { libc::_exit(0) }
}

/// Copies the output file the solver left in its sandbox's tmpfs (at the path it was given)
/// into the host's output folder `dir`. A missing file, a symbolic link or anything but a
/// regular file is no output: nothing is copied. No allocation.
///
/// # Safety
///
/// `p` must be a [`Params`] laid out by [`Region::write`] with a non-null `output_name`;
/// called by an isolated shim after its last child was reaped.
unsafe fn copy_output(p: &Params, dir: OwnedFd) -> Result<(), nix::errno::Errno> {
    use nix::errno::Errno;
    use nix::fcntl::OFlag;
    use nix::sys::stat::Mode;
    // SAFETY: C strings of `p` (the caller's contract).
    let (src_dir, name) = unsafe { (CStr::from_ptr(p.output_dir), CStr::from_ptr(p.output_name)) };
    let flags = OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
    let src_dir = match nix::fcntl::open(
        src_dir,
        OFlag::O_PATH | OFlag::O_DIRECTORY | flags,
        Mode::empty(),
    ) {
        // SAFETY: `open` just returned it.
        Ok(fd) => unsafe { OwnedFd::from_raw_fd(fd) },
        Err(_) => return Ok(()),
    };
    let src = match nix::fcntl::openat(
        Some(src_dir.as_raw_fd()),
        name,
        OFlag::O_RDONLY | OFlag::O_NONBLOCK | flags,
        Mode::empty(),
    ) {
        // SAFETY: `openat` just returned it.
        Ok(fd) => unsafe { OwnedFd::from_raw_fd(fd) },
        Err(_) => return Ok(()),
    };
    let st = nix::sys::stat::fstat(src.as_raw_fd())?;
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Ok(());
    }
    let dst = nix::fcntl::openat(
        Some(dir.as_raw_fd()),
        name,
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_TRUNC | flags,
        Mode::from_bits_truncate(0o644),
    )?;
    // SAFETY: `openat` just returned it.
    let dst = unsafe { OwnedFd::from_raw_fd(dst) };
    loop {
        match nix::sys::sendfile::sendfile(&dst, &src, None, 1 << 30) {
            Ok(0) => return Ok(()),
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
}

/// Most directories kept visible through the hidden ones (sandbox + read-only).
const MAX_KEEP: usize = 32;

/// Iterates a null-terminated array of C strings.
///
/// # Safety
///
/// `list` must point to a null-terminated array of valid C strings that outlive the iterator.
unsafe fn c_list<'a>(list: *const *const libc::c_char) -> impl Iterator<Item = &'a CStr> {
    let mut i = 0;
    std::iter::from_fn(move || {
        // SAFETY: guaranteed by the caller: the array is null-terminated.
        let item = unsafe { *list.add(i) };
        if item.is_null() {
            return None;
        }
        i += 1;
        // SAFETY: a valid C string, by the caller's guarantee.
        Some(unsafe { CStr::from_ptr(item) })
    })
}

/// `mkdir -p`, without allocating (paths up to `PATH_MAX`). Errors are left to the mount that
/// follows.
fn mkdir_p(path: &CStr) {
    let bytes = path.to_bytes();
    let mut buf = [0u8; 4096];
    if bytes.len() >= buf.len() {
        return;
    }
    buf[..bytes.len()].copy_from_slice(bytes);
    for i in 1..=bytes.len() {
        if i == bytes.len() || buf[i] == b'/' {
            let saved = buf[i];
            buf[i] = 0;
            if let Ok(dir) = CStr::from_bytes_until_nul(&buf[..=i]) {
                let _ = nix::unistd::mkdir(dir, nix::sys::stat::Mode::from_bits_truncate(0o755));
            }
            buf[i] = saved;
        }
    }
}

/// `open_tree(path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)`: a detached copy of the mount at
/// `path` (nix has no wrapper). Async-signal-safe.
///
/// # Safety
///
/// None beyond a valid C string; `unsafe` only because it is a raw system call.
unsafe fn open_tree_clone(path: &CStr) -> Result<OwnedFd, nix::errno::Errno> {
    const OPEN_TREE_CLONE: libc::c_uint = 1;
    // SAFETY: a valid path; the call takes no other pointer.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            path.as_ptr(),
            OPEN_TREE_CLONE | libc::O_CLOEXEC as libc::c_uint,
        )
    };
    if fd < 0 {
        return Err(nix::errno::Errno::last());
    }
    // SAFETY: the kernel just returned this descriptor, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `mount_setattr(2)` on `path`: sets or clears `MOUNT_ATTR_RDONLY`, recursively or not.
fn set_readonly(path: &CStr, readonly: bool, recursive: bool) -> Result<(), nix::errno::Errno> {
    #[repr(C)]
    struct MountAttr {
        attr_set: u64,
        attr_clr: u64,
        propagation: u64,
        userns_fd: u64,
    }
    const MOUNT_ATTR_RDONLY: u64 = 1;
    const AT_RECURSIVE: libc::c_uint = 0x8000;
    let attr = MountAttr {
        attr_set: if readonly { MOUNT_ATTR_RDONLY } else { 0 },
        attr_clr: if readonly { 0 } else { MOUNT_ATTR_RDONLY },
        propagation: 0,
        userns_fd: 0,
    };
    // SAFETY: a valid path and a valid, correctly sized attribute struct (nix has no wrapper).
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            path.as_ptr(),
            if recursive { AT_RECURSIVE } else { 0 },
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(nix::errno::Errno::last())
    }
}

/// Builds the solver's view of the machine in the shim's new mount namespace: the host
/// read-only, `/tmp`-like folders private and empty, hidden folders empty, the sandbox writable
/// with a private `work` and `tmp`, the read-only folders visible, a fresh `/proc`.
/// Returns the failed step and errno.
///
/// # Safety
///
/// `p` must be a [`Params`] laid out by [`Region::write`]; called by a shim in new user and
/// mount namespaces, after its fork (no allocation).
unsafe fn setup_namespace(p: &Params) -> Result<Option<OwnedFd>, (i32, nix::errno::Errno)> {
    use nix::errno::Errno;
    use nix::fcntl::OFlag;
    use nix::mount::{mount, MsFlags};
    let none: Option<&CStr> = None;
    let step = |s: i32| move |e: Errno| (s, e);
    // SAFETY (every `c_list` and `CStr::from_ptr` of `p`'s fields below): `p` was laid out by
    // `Region::write`, whose pointers are C strings and null-terminated arrays of C strings in
    // the shared region, mapped for this process's life (the caller's contract).
    // Keep our mounts from propagating back to the host.
    mount(
        none,
        c"/",
        none,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        none,
    )
    .map_err(step(STEP_MOUNT))?;
    // What stays visible: handles taken before anything is hidden, bound back afterwards.
    let mut keep: [(RawFd, *const libc::c_char); MAX_KEEP] = [(-1, std::ptr::null()); MAX_KEEP];
    let mut n = 0;
    let sandbox = (!p.sandbox.is_null()).then(|| unsafe { CStr::from_ptr(p.sandbox) });
    // The host folder the output goes to, before the sandbox's tmpfs hides it: a detached
    // copy of its mount, which the read-only remount of the tree below does not reach and no
    // path leads to.
    let output_dir = if p.output_dir.is_null() || sandbox.is_none() {
        None
    } else {
        let fd =
            unsafe { open_tree_clone(CStr::from_ptr(p.output_dir)) }.map_err(step(STEP_KEEP))?;
        Some(fd)
    };
    for dir in unsafe { c_list(p.readonly) } {
        if n == MAX_KEEP {
            return Err((STEP_MOUNT, Errno::E2BIG));
        }
        let fd = nix::fcntl::open(
            dir,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .map_err(step(STEP_KEEP))?;
        keep[n] = (fd, dir.as_ptr());
        n += 1;
    }
    // From here on, files are made as the solver's user (a root harness's uid is not mapped in
    // the namespace, and the kernel refuses to create files owned by an unmapped user).
    if p.gid != u32::MAX {
        nix::unistd::setfsgid(nix::unistd::Gid::from_raw(p.gid));
    }
    if p.uid != u32::MAX {
        nix::unistd::setfsuid(nix::unistd::Uid::from_raw(p.uid));
    }
    let tmpfs = Some(c"tmpfs");
    let hide_flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
    let private_opts = Some(unsafe { CStr::from_ptr(p.private_opts) });
    for dir in unsafe { c_list(p.private) } {
        match mount(tmpfs, dir, tmpfs, hide_flags, private_opts) {
            Ok(()) | Err(Errno::ENOENT | Errno::ENOTDIR) => {}
            Err(e) => return Err((STEP_MOUNT, e)),
        }
    }
    // Parents come before their descendants. The harness lists only folders that exist, so a
    // missing one lies in a tmpfs mounted above: it is made there (a private /tmp must not
    // give a writable round folder) and hidden all the same.
    let hidden_opts = Some(c"mode=0755,size=1m");
    for dir in unsafe { c_list(p.hidden) } {
        match mount(tmpfs, dir, tmpfs, hide_flags, hidden_opts) {
            Ok(()) => {}
            Err(Errno::ENOENT) => {
                mkdir_p(dir);
                mount(tmpfs, dir, tmpfs, hide_flags, hidden_opts).map_err(step(STEP_MOUNT))?;
            }
            Err(e) => return Err((STEP_MOUNT, e)),
        }
    }
    // The sandbox: one size-limited tmpfs, the solver's, with its folders (the input is bound
    // into it below, read-only).
    if let Some(sb) = sandbox {
        mkdir_p(sb);
        let opts = Some(unsafe { CStr::from_ptr(p.sandbox_opts) });
        mount(tmpfs, sb, tmpfs, hide_flags, opts).map_err(step(STEP_SANDBOX))?;
        let dir = nix::fcntl::open(
            sb,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
        .map_err(step(STEP_SANDBOX))?;
        // SAFETY: `open` just returned it.
        let dir = unsafe { OwnedFd::from_raw_fd(dir) };
        for name in unsafe { c_list(p.sandbox_dirs) } {
            nix::sys::stat::mkdirat(
                Some(dir.as_raw_fd()),
                name,
                nix::sys::stat::Mode::from_bits_truncate(0o755),
            )
            .map_err(step(STEP_SANDBOX))?;
        }
    }
    for &(fd, dir) in &keep[..n] {
        // SAFETY: `dir` came from one of `p`'s C strings above.
        let dir = unsafe { CStr::from_ptr(dir) };
        let mut src = [0u8; 32];
        let len = fd_path(fd, &mut src);
        let src =
            CStr::from_bytes_with_nul(&src[..=len]).map_err(|_| (STEP_MOUNT, Errno::EINVAL))?;
        mkdir_p(dir);
        mount(
            Some(src),
            dir,
            none,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            none,
        )
        .map_err(step(STEP_BIND))?;
        let _ = nix::unistd::close(fd);
    }
    mount(
        Some(c"proc"),
        c"/proc",
        Some(c"proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        none,
    )
    .map_err(step(STEP_PROC))?;
    // Everything read-only, then the few writable places.
    set_readonly(c"/", true, true).map_err(step(STEP_READONLY))?;
    if let Some(sb) = sandbox {
        set_readonly(sb, false, false).map_err(step(STEP_READONLY))?;
    }
    for dir in unsafe { c_list(p.private) } {
        match set_readonly(dir, false, false) {
            Ok(()) | Err(Errno::ENOENT | Errno::ENOTDIR) => {}
            Err(e) => return Err((STEP_READONLY, e)),
        }
    }
    Ok(output_dir)
}

/// Writes `/proc/self/fd/FD` into `buf` (NUL-terminated); returns its length.
fn fd_path(fd: RawFd, buf: &mut [u8; 32]) -> usize {
    let prefix = b"/proc/self/fd/";
    buf[..prefix.len()].copy_from_slice(prefix);
    let mut digits = [0u8; 10];
    let mut v = fd.max(0) as u32;
    let mut nd = 0;
    loop {
        digits[nd] = b'0' + (v % 10) as u8;
        nd += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for i in 0..nd {
        buf[prefix.len() + i] = digits[nd - 1 - i];
    }
    let len = prefix.len() + nd;
    buf[len] = 0;
    len
}

/// What the solver's first function needs (see [`spawn_solver`]).
struct SolverArgs<'a> {
    shim: libc::pid_t,
    fds: ChildFds,
    p: &'a Params,
    devnull: *const libc::c_char,
}

/// The stack the solver's process runs on until it execs (in the shim's memory: see
/// [`spawn_solver`]).
const SOLVER_STACK: usize = 256 * 1024;
struct SolverStack(std::cell::UnsafeCell<[u8; SOLVER_STACK]>);
// SAFETY: used only by the single-threaded shim's solver child, while the shim is suspended.
unsafe impl Sync for SolverStack {}
static SOLVER_STACK_MEM: SolverStack = SolverStack(std::cell::UnsafeCell::new([0; SOLVER_STACK]));

extern "C" fn solver_entry(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `spawn_solver` passes a `SolverArgs` that outlives this process's use of it (the
    // shim is suspended until this process execs or exits).
    let a = unsafe { &*(arg as *const SolverArgs) };
    // SAFETY: as `spawn_solver`'s contract.
    unsafe { solver_exec(a.shim, a.fds, a.p, a.devnull) }
}

/// Starts the solver's process: `clone(CLONE_VM | CLONE_VFORK)` on a stack of its own, like
/// `posix_spawn`. The child shares the shim's memory until it execs and the shim waits for
/// that, so no page table is copied and nothing is copied on write: a fork of the shim (a copy
/// of the harness) took more CPU than the rest of a short isolated run's setup. The C
/// library's `clone` wrapper takes no lock and runs no fork handler (glibc's `fork` would, and
/// in a fork of a multi-threaded harness that could block forever). Returns the pid, or -1
/// with errno set.
///
/// # Safety
///
/// Only in the shim (single-threaded, after its fork), with `args` valid as
/// [`solver_exec`] requires; the child only runs [`solver_exec`].
unsafe fn spawn_solver(args: &SolverArgs) -> libc::pid_t {
    let base = SOLVER_STACK_MEM.0.get().cast::<u8>();
    // The stack grows down from the end, 16-byte aligned.
    // SAFETY: `SOLVER_STACK - 64` lies inside the array.
    let top = unsafe { base.add(SOLVER_STACK - 64) };
    let top = ((top as usize) & !15) as *mut libc::c_void;
    // SAFETY: `solver_entry` never returns to the shim's frames (it runs on `top`'s stack and
    // ends in exec or _exit); the shim is suspended meanwhile (CLONE_VFORK), so the stack and
    // `args` are used by one process at a time.
    unsafe {
        libc::clone(
            solver_entry,
            top,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            args as *const SolverArgs as *mut libc::c_void,
        )
    }
}

/// The solver, between clone and exec. Never returns.
///
/// # Safety
///
/// Only for the shim's freshly cloned child (see [`spawn_solver`]), with `fds` open, `p` a [`Params`] laid out by
/// [`Region::write`] and `devnull` a valid C string.
unsafe fn solver_exec(
    shim: libc::pid_t,
    fds: ChildFds,
    p: &Params,
    devnull: *const libc::c_char,
) -> ! {
    // SAFETY: the status pipe is one of `fds`, open until exec (the caller's contract); _exit
    // runs none of the parent's destructors or atexit handlers.
    let fail = |step: i32| -> ! {
        unsafe {
            write_msg(fds.status, MSG_EXEC_ERR, (step << 16) | (errno() & 0xffff));
            libc::_exit(127)
        }
    };
    if prctl::set_pdeathsig(Signal::SIGKILL).is_err() {
        fail(STEP_PDEATH);
    }
    if nix::unistd::getppid().as_raw() != shim {
        // SAFETY: as above.
        unsafe { libc::_exit(125) };
    }
    // Default dispositions (ignored ones would survive exec) and an empty mask.
    let dfl = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    for sig in Signal::iterator() {
        if sig != Signal::SIGKILL && sig != Signal::SIGSTOP {
            // SAFETY: the default disposition installs no handler.
            let _ = unsafe { sigaction(sig, &dfl) };
        }
    }
    if nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0)).is_err() {
        fail(STEP_PGRP);
    }
    // SAFETY: `devnull` is a valid C string (the caller's contract).
    let null = nix::fcntl::open(
        unsafe { CStr::from_ptr(devnull) },
        nix::fcntl::OFlag::O_RDONLY,
        nix::sys::stat::Mode::empty(),
    );
    if !null.is_ok_and(|null| nix::unistd::dup2(null, 0).is_ok())
        || nix::unistd::dup2(fds.out, 1).is_err()
        || nix::unistd::dup2(fds.err, 2).is_err()
    {
        fail(STEP_STDIO);
    }
    // Everything else closes on exec; the status pipe stays open until then to report errors.
    // SAFETY: close_range takes no pointers and closes nothing now (CLOSE_RANGE_CLOEXEC).
    unsafe {
        libc::syscall(
            libc::SYS_close_range,
            3 as libc::c_uint,
            libc::c_uint::MAX,
            libc::CLOSE_RANGE_CLOEXEC as libc::c_uint,
        )
    };
    if p.cpu >= 0 {
        let mut set = CpuSet::new();
        if set.set(p.cpu as usize).is_err() || sched_setaffinity(Pid::from_raw(0), &set).is_err() {
            fail(STEP_AFFINITY);
        }
    }
    if p.namespaces == 0 {
        // SAFETY: `p` is the harness's `Params`; this is between fork and exec.
        unsafe { partial_isolation(p) }.unwrap_or_else(|step| fail(step));
    } else {
        // Raw system calls: this process descends from a raw `clone` of a multi-threaded
        // harness, and glibc's set*id wrappers would signal the harness's threads (which do not
        // exist here) and wait for them forever.
        // SAFETY (the three system calls): an empty group list (a null pointer with size 0)
        // and plain integer ids; they change only this process's credentials.
        if p.drop_groups != 0
            && unsafe {
                libc::syscall(
                    libc::SYS_setgroups,
                    0 as libc::c_long,
                    std::ptr::null::<libc::gid_t>(),
                )
            } != 0
        {
            fail(STEP_IDS);
        }
        let (uid, gid) = (p.uid as libc::c_long, p.gid as libc::c_long);
        if p.gid != u32::MAX && unsafe { libc::syscall(libc::SYS_setresgid, gid, gid, gid) } != 0 {
            fail(STEP_IDS);
        }
        if p.uid != u32::MAX && unsafe { libc::syscall(libc::SYS_setresuid, uid, uid, uid) } != 0 {
            fail(STEP_IDS);
        }
    }
    // No set-user-ID or file-capability gains from here on.
    if prctl::set_no_new_privs().is_err() {
        fail(STEP_NO_NEW_PRIVS);
    }
    for r in &p.rlimits[..p.nrlimits] {
        if nix::sys::resource::setrlimit(r.resource, r.soft, r.hard).is_err() {
            fail(STEP_RLIMIT);
        }
    }
    // SAFETY: `p.cwd` is a C string laid out by `Region::write` (the caller's contract).
    if nix::unistd::chdir(unsafe { CStr::from_ptr(p.cwd) }).is_err() {
        fail(STEP_CHDIR);
    }
    // Raw `execve`: nix's builds its argument arrays in freshly allocated memory, and this
    // process may not allocate (a fork of a multi-threaded harness).
    // SAFETY: `Region::write` laid out `path` as a C string and `argv` and `envp` as
    // null-terminated arrays of C strings; on success this process image is replaced.
    unsafe { libc::execve(p.path, p.argv, p.envp) };
    fail(STEP_EXEC)
}

/// The isolation a root harness without user namespaces gives: no network and read-only
/// directories. Returns the failed step.
///
/// # Safety
///
/// `p` must be a [`Params`] laid out by [`Region::write`]; called between fork and exec.
unsafe fn partial_isolation(p: &Params) -> Result<(), i32> {
    use nix::mount::{mount, MsFlags};
    use nix::sched::{unshare, CloneFlags};
    let none: Option<&CStr> = None;
    // SAFETY: `p.readonly` is a null-terminated array laid out by `Region::write` (the
    // caller's contract): its first element is readable.
    let has_ro = unsafe { !(*p.readonly).is_null() };
    let mut flags = CloneFlags::empty();
    if p.new_net != 0 {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    if has_ro {
        flags |= CloneFlags::CLONE_NEWNS;
    }
    if !flags.is_empty() && unshare(flags).is_err() {
        return Err(STEP_UNSHARE);
    }
    if has_ro {
        // Keep our mounts from propagating back to the host.
        mount(
            none,
            c"/",
            none,
            MsFlags::MS_REC | MsFlags::MS_PRIVATE,
            none,
        )
        .map_err(|_| STEP_MOUNT)?;
        // SAFETY: as above, an array of C strings that outlives this loop.
        for dir in unsafe { c_list(p.readonly) } {
            mount(
                Some(dir),
                dir,
                none,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                none,
            )
            .map_err(|_| STEP_MOUNT)?;
            mount(
                none,
                dir,
                none,
                MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
                none,
            )
            .map_err(|_| STEP_MOUNT)?;
        }
    }
    Ok(())
}

/// Which kind of shim: no cgroup or a fresh cgroup of this version; in new namespaces or not.
pub(crate) type PoolKey = (Option<CgroupVersion>, bool);

enum Request {
    /// Top the pool for this key up to the configured depth.
    Refill(PoolKey),
}

struct Forker {
    tx: Mutex<std_mpsc::Sender<Request>>,
}

struct Pool {
    shims: Vec<(PoolKey, Shim)>,
    depth: usize,
}

fn pool() -> &'static Mutex<Pool> {
    static POOL: OnceLock<Mutex<Pool>> = OnceLock::new();
    POOL.get_or_init(|| {
        Mutex::new(Pool {
            shims: Vec::new(),
            depth: 0,
        })
    })
}

fn make(key: PoolKey) -> io::Result<Shim> {
    let cgroup = match key.0 {
        Some(v) => Some(RunCgroup::create_empty(v)?),
        None => None,
    };
    fork_shim(cgroup, None, key.1.then(IdMap::current))
}

fn forker() -> &'static Forker {
    static FORKER: OnceLock<Forker> = OnceLock::new();
    FORKER.get_or_init(|| {
        let (tx, rx) = std_mpsc::channel::<Request>();
        let spawned = std::thread::Builder::new()
            .name("misc-runner-forker".into())
            .spawn(move || {
                for req in rx {
                    match req {
                        Request::Refill(key) => loop {
                            let missing = match pool().lock() {
                                Ok(p) => {
                                    let have = p.shims.iter().filter(|(k, _)| *k == key).count();
                                    p.depth.saturating_sub(have)
                                }
                                Err(_) => 0,
                            };
                            if missing == 0 {
                                break;
                            }
                            match make(key) {
                                Ok(s) => match pool().lock() {
                                    // Unless the pool was shrunk (or shut down) meanwhile.
                                    Ok(mut p) => {
                                        let have =
                                            p.shims.iter().filter(|(k, _)| *k == key).count();
                                        if have < p.depth {
                                            p.shims.push((key, s));
                                        }
                                    }
                                    Err(_) => break,
                                },
                                Err(e) => {
                                    tracing::debug!("cannot pre-warm a shim: {e}");
                                    break;
                                }
                            }
                        },
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the forker thread: {e}");
        }
        Forker { tx: Mutex::new(tx) }
    })
}

fn send(req: Request) -> io::Result<()> {
    forker()
        .tx
        .lock()
        .map_err(|_| io::Error::other("forker lock poisoned"))?
        .send(req)
        .map_err(|_| io::Error::other("the forker thread is gone"))
}

fn cleanup_once(key: PoolKey) {
    static CLEANED: OnceLock<()> = OnceLock::new();
    if key.0.is_some() {
        CLEANED.get_or_init(|| match crate::cgroup::cleanup_stale() {
            Ok(names) if !names.is_empty() => {
                tracing::info!("removed {} stale run cgroup(s)", names.len());
            }
            Ok(_) => {}
            Err(e) => tracing::debug!("cannot clean up stale run cgroups: {e}"),
        });
    }
}

/// A pre-warmed shim for `key`, if one is ready (start it with [`Shim::go`] after setting its
/// cgroup's limits with `RunCgroup::start`, then call [`refill`]).
pub(crate) fn take_warm(key: PoolKey) -> Option<Shim> {
    cleanup_once(key);
    match pool().lock() {
        Ok(mut p) => p
            .shims
            .iter()
            .position(|(k, _)| *k == key)
            .map(|i| p.shims.swap_remove(i).1),
        Err(_) => None,
    }
}

/// Asks the forker thread to top the pool up for `key`. Called once a run's solver has been
/// started: making a shim (a fork of the harness, a cgroup) takes CPU, which a run that is
/// starting on a busy machine should not have to share.
pub(crate) fn refill(key: PoolKey) {
    if pool().lock().is_ok_and(|p| p.depth > 0) {
        let _ = send(Request::Refill(key));
    }
}

/// Forks a shim that starts `launch` at once in a new cgroup with `limits` (if `key` asks for
/// one). Forked by the calling thread: a runtime thread that outlives the run, so the shim's
/// death signal cannot fire early.
pub(crate) fn start_cold(
    key: PoolKey,
    launch: &Launch,
    limits: crate::cgroup::CgroupLimits,
) -> io::Result<Shim> {
    cleanup_once(key);
    let cgroup = match key.0 {
        Some(v) => Some(RunCgroup::create(
            v,
            crate::cgroup::CgroupLimits {
                memory: limits.memory,
                // The shim is a process of the cgroup too.
                pids: limits.pids.map(|p| p.saturating_add(1)),
            },
        )?),
        None => None,
    };
    fork_shim(cgroup, Some(launch), key.1.then(IdMap::current))
}

/// Sets how many idle shims per mechanism are kept ready; 0 (the default) disables
/// pre-warming. A harness that runs many solvers should set it to its number of parallel runs
/// and call [`shutdown`] before it exits: on cgroup v1 this takes joining the run cgroup (an RCU
/// grace period, several milliseconds) off the critical path of every run.
pub fn set_prewarm(depth: usize) {
    if let Ok(mut p) = pool().lock() {
        p.depth = depth;
        if depth == 0 {
            p.shims.clear();
        }
    }
}

/// Discards every idle shim (and its cgroup). Call before the harness exits, so that no empty
/// run cgroups are left behind.
pub fn shutdown() {
    set_prewarm(0);
}

/// Resolves `program` the way `execvp` would, with the `PATH` of the solver's environment.
pub(crate) fn resolve(program: &Path, path_var: Option<&OsStr>) -> Option<PathBuf> {
    if program.as_os_str().as_bytes().contains(&b'/') {
        return Some(program.to_path_buf());
    }
    let path = path_var.unwrap_or(OsStr::new("/usr/local/bin:/usr/bin:/bin"));
    path.as_bytes()
        .split(|b| *b == b':')
        .map(|dir| {
            if dir.is_empty() {
                PathBuf::from(".")
            } else {
                PathBuf::from(OsStr::from_bytes(dir))
            }
        })
        .map(|dir| dir.join(program))
        .find(|cand| {
            nix::unistd::access(cand, nix::unistd::AccessFlags::X_OK).is_ok() && !cand.is_dir()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_execvp() {
        let sh = resolve(
            Path::new("sh"),
            Some(OsStr::new("/nonexistent:/bin:/usr/bin")),
        );
        assert!(sh.is_some_and(|p| p.ends_with("sh")));
        assert!(resolve(Path::new("no-such-program-x"), None).is_none());
        assert_eq!(resolve(Path::new("./x"), None), Some(PathBuf::from("./x")));
    }

    #[test]
    fn region_lays_out_a_launch() {
        let mut r = Region::new().expect("mmap");
        let l = Launch {
            path: "/bin/true".into(),
            argv: vec![b"true".to_vec(), b"a b".to_vec()],
            envp: vec![b"K=V".to_vec()],
            cwd: "/".into(),
            readonly: vec![],
            rlimits: vec![(Resource::RLIMIT_CORE, 0, 0)],
            cpu: Some(1),
            new_net: false,
            ns: None,
        };
        r.write(&l).expect("fits");
        // SAFETY: just written.
        unsafe {
            let p = &*(r.base as *const Params);
            assert_eq!(std::ffi::CStr::from_ptr(p.path).to_bytes(), b"/bin/true");
            assert_eq!(std::ffi::CStr::from_ptr(*p.argv.add(1)).to_bytes(), b"a b");
            assert!((*p.argv.add(2)).is_null());
            assert!((*p.readonly).is_null());
            assert_eq!(p.nrlimits, 1);
            assert_eq!(p.cpu, 1);
        }
        let huge = Launch {
            argv: vec![vec![b'x'; REGION]],
            ..l
        };
        assert!(r.write(&huge).is_err());
    }
}
