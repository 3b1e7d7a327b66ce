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
//! addresses in both processes), and writes one byte to the control pipe. The shim forks the
//! solver, which applies the settings and execs; the shim reports the solver's pid and later its
//! wait status over the status pipe (or the errno of a failed setup step), reaps every process
//! reparented to it, and exits when it has no children left. The end of the status pipe is
//! therefore the end of the run.
//!
//! Everything after `fork` uses only raw system calls on memory prepared before: no allocation,
//! no locks.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Mutex, OnceLock};

use crate::cgroup::{CgroupVersion, RunCgroup};

/// Messages on the status pipe: 8 bytes each, a tag and a value.
pub(crate) const MSG_PID: i32 = 1;
pub(crate) const MSG_STATUS: i32 = 2;
/// The solver could not be started; the value is `step << 16 | errno`.
pub(crate) const MSG_EXEC_ERR: i32 = 3;

/// The setup step that failed, for `MSG_EXEC_ERR`.
pub(crate) const STEP_NAMES: [&str; 9] = [
    "exec",
    "stdio",
    "process group",
    "cpu affinity",
    "unshare",
    "mount",
    "rlimit",
    "chdir",
    "death signal",
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

/// Size of the shared parameter region; argv and envp of a run must fit.
const REGION: usize = 512 * 1024;
const MAX_RLIMITS: usize = 8;

#[repr(C)]
#[derive(Clone, Copy)]
struct RawRlimit {
    resource: libc::__rlimit_resource_t,
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
    rlimits: [RawRlimit; MAX_RLIMITS],
    nrlimits: usize,
    /// CPU to pin to, or -1.
    cpu: i64,
    new_net: i32,
}

/// What a solver is started with (already resolved by the harness).
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub path: PathBuf,
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    pub cwd: PathBuf,
    pub readonly: Vec<PathBuf>,
    pub rlimits: Vec<(libc::__rlimit_resource_t, u64, u64)>,
    pub cpu: Option<usize>,
    pub new_net: bool,
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
        // SAFETY: an anonymous mapping; the result is checked.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                REGION,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Region { base: p.cast() })
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
        let mut rlimits = [RawRlimit {
            resource: 0,
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
            rlimits,
            nrlimits: launch.rlimits.len().min(MAX_RLIMITS),
            cpu: launch.cpu.map_or(-1, |c| c as i64),
            new_net: i32::from(launch.new_net),
        };
        // SAFETY: the region starts page-aligned and is larger than Params.
        unsafe { std::ptr::write(self.base.cast::<Params>(), params) };
        Ok(())
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping created in `new`.
        unsafe { libc::munmap(self.base.cast(), REGION) };
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
}

impl Shim {
    /// Hands the solver's parameters to the shim and lets it start the solver.
    pub fn go(&mut self, launch: &Launch) -> io::Result<()> {
        self.region.write(launch)?;
        let ctl = self
            .ctl
            .take()
            .ok_or_else(|| io::Error::other("shim already started"))?;
        // SAFETY: writes one byte from a local buffer.
        let r = unsafe { libc::write(ctl.as_raw_fd(), b"g".as_ptr().cast(), 1) };
        if r != 1 {
            return Err(io::Error::last_os_error());
        }
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
            let mut status = 0;
            // SAFETY: kill and waitpid on our own child.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, &mut status, libc::__WALL);
            }
        }
    }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Forks a shim that joins `cgroup` and then either starts `launch` at once or, without one,
/// waits for [`Shim::go`].
fn fork_shim(cgroup: Option<RunCgroup>, launch: Option<&Launch>) -> io::Result<Shim> {
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
    // SAFETY: getpid has no preconditions.
    let harness = unsafe { libc::getpid() };
    // SAFETY: the child runs only async-signal-safe code on memory prepared before the fork.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
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
            )
        }
    }
    drop((status_w, ctl_r, out_w, err_w));
    Ok(Shim {
        pid,
        cgroup,
        status: Some(status_r),
        stdout: Some(out_r),
        stderr: Some(err_r),
        ctl: (!immediate).then_some(ctl_w),
        region,
        reaped: false,
    })
}

#[derive(Clone, Copy)]
struct ChildFds {
    status: RawFd,
    ctl: RawFd,
    out: RawFd,
    err: RawFd,
}

fn errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EINVAL)
}

unsafe fn write_msg(fd: RawFd, tag: i32, value: i32) {
    let mut buf = [0u8; 8];
    buf[..4].copy_from_slice(&tag.to_ne_bytes());
    buf[4..].copy_from_slice(&value.to_ne_bytes());
    loop {
        let r = libc::write(fd, buf.as_ptr().cast(), buf.len());
        if r >= 0 || errno() != libc::EINTR {
            break;
        }
    }
}

/// Closes every descriptor not in `keep` (sorted ascending).
unsafe fn close_all_but(keep: &[RawFd]) {
    let mut from: libc::c_uint = 0;
    for &k in keep {
        let k = k as libc::c_uint;
        if k > from {
            libc::syscall(libc::SYS_close_range, from, k - 1, 0);
        }
        from = k + 1;
    }
    libc::syscall(libc::SYS_close_range, from, libc::c_uint::MAX, 0);
}

/// The shim. Never returns.
unsafe fn shim_main(
    harness: libc::pid_t,
    procs: &[CString],
    fds: ChildFds,
    region: *mut u8,
    devnull: *const libc::c_char,
    immediate: bool,
) -> ! {
    // Die with the harness; if it is already gone, do nothing.
    libc::prctl(
        libc::PR_SET_PDEATHSIG,
        libc::SIGKILL as libc::c_ulong,
        0,
        0,
        0,
    );
    if libc::getppid() != harness {
        libc::_exit(125);
    }
    let mut keep = [fds.status, fds.ctl, fds.out, fds.err];
    keep.sort_unstable();
    close_all_but(&keep);
    // The harness's signal handlers mean nothing here, and the signals the harness sends to the
    // solver's processes must not kill the shim.
    for sig in 1..32 {
        if sig != libc::SIGKILL && sig != libc::SIGSTOP && sig != libc::SIGCHLD {
            libc::signal(sig, libc::SIG_IGN);
        }
    }
    libc::signal(libc::SIGCHLD, libc::SIG_DFL);
    let mut none: libc::sigset_t = std::mem::zeroed();
    libc::sigemptyset(&mut none);
    libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
    for f in procs {
        let fd = libc::open(f.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        let ok = fd >= 0 && libc::write(fd, b"0".as_ptr().cast(), 1) == 1;
        if fd >= 0 {
            libc::close(fd);
        }
        if !ok {
            libc::_exit(124);
        }
    }
    libc::setsid();
    libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0);
    // Wait for the go byte; end of file means the harness discarded this shim.
    if !immediate {
        let mut b = [0u8; 1];
        loop {
            let r = libc::read(fds.ctl, b.as_mut_ptr().cast(), 1);
            if r == 1 {
                break;
            }
            if r < 0 && errno() == libc::EINTR {
                continue;
            }
            libc::_exit(0);
        }
    }
    libc::close(fds.ctl);
    let shim = libc::getpid();
    let solver = libc::fork();
    if solver == 0 {
        solver_exec(shim, fds, region.cast::<Params>(), devnull);
    }
    libc::close(fds.out);
    libc::close(fds.err);
    if solver < 0 {
        write_msg(
            fds.status,
            MSG_EXEC_ERR,
            (STEP_EXEC << 16) | (errno() & 0xffff),
        );
        libc::_exit(0);
    }
    write_msg(fds.status, MSG_PID, solver);
    loop {
        let mut status = 0;
        let r = libc::waitpid(-1, &mut status, libc::__WALL);
        if r < 0 {
            if errno() == libc::EINTR {
                continue;
            }
            break;
        }
        if r == solver {
            write_msg(fds.status, MSG_STATUS, status);
        }
    }
    libc::_exit(0)
}

/// The solver, between fork and exec. Never returns.
unsafe fn solver_exec(
    shim: libc::pid_t,
    fds: ChildFds,
    p: *const Params,
    devnull: *const libc::c_char,
) -> ! {
    let fail = |step: i32| -> ! {
        write_msg(fds.status, MSG_EXEC_ERR, (step << 16) | (errno() & 0xffff));
        libc::_exit(127)
    };
    let p = &*p;
    if libc::prctl(
        libc::PR_SET_PDEATHSIG,
        libc::SIGKILL as libc::c_ulong,
        0,
        0,
        0,
    ) != 0
    {
        fail(STEP_PDEATH);
    }
    if libc::getppid() != shim {
        libc::_exit(125);
    }
    // Default dispositions (ignored ones would survive exec) and an empty mask.
    for sig in 1..32 {
        if sig != libc::SIGKILL && sig != libc::SIGSTOP {
            libc::signal(sig, libc::SIG_DFL);
        }
    }
    if libc::setpgid(0, 0) != 0 {
        fail(STEP_PGRP);
    }
    let null = libc::open(devnull, libc::O_RDONLY);
    if null < 0
        || libc::dup2(null, 0) < 0
        || libc::dup2(fds.out, 1) < 0
        || libc::dup2(fds.err, 2) < 0
    {
        fail(STEP_STDIO);
    }
    // Everything else closes on exec; the status pipe stays open until then to report errors.
    libc::syscall(
        libc::SYS_close_range,
        3 as libc::c_uint,
        libc::c_uint::MAX,
        libc::CLOSE_RANGE_CLOEXEC as libc::c_uint,
    );
    if p.cpu >= 0 {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(p.cpu as usize, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            fail(STEP_AFFINITY);
        }
    }
    let has_ro = !(*p.readonly).is_null();
    let mut flags = 0;
    if p.new_net != 0 {
        flags |= libc::CLONE_NEWNET;
    }
    if has_ro {
        flags |= libc::CLONE_NEWNS;
    }
    if flags != 0 && libc::unshare(flags) != 0 {
        fail(STEP_UNSHARE);
    }
    if has_ro {
        // Keep our mounts from propagating back to the host.
        if libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            fail(STEP_MOUNT);
        }
        let mut i = 0;
        loop {
            let dir = *p.readonly.add(i);
            if dir.is_null() {
                break;
            }
            let bind = libc::mount(
                dir,
                dir,
                std::ptr::null(),
                libc::MS_BIND | libc::MS_REC,
                std::ptr::null(),
            );
            let ro = libc::mount(
                std::ptr::null(),
                dir,
                std::ptr::null(),
                libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY,
                std::ptr::null(),
            );
            if bind != 0 || ro != 0 {
                fail(STEP_MOUNT);
            }
            i += 1;
        }
    }
    for r in &p.rlimits[..p.nrlimits] {
        let lim = libc::rlimit {
            rlim_cur: r.soft,
            rlim_max: r.hard,
        };
        if libc::setrlimit(r.resource, &lim) != 0 {
            fail(STEP_RLIMIT);
        }
    }
    if libc::chdir(p.cwd) != 0 {
        fail(STEP_CHDIR);
    }
    libc::execve(p.path, p.argv, p.envp);
    fail(STEP_EXEC)
}

/// Which kind of shim: no cgroup, or a fresh cgroup of this version.
pub(crate) type PoolKey = Option<CgroupVersion>;

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
    let cgroup = match key {
        Some(v) => Some(RunCgroup::create_empty(v)?),
        None => None,
    };
    fork_shim(cgroup, None)
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
    if key.is_some() {
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
/// cgroup's limits with `RunCgroup::start`). Asks the forker thread to top the pool up.
pub(crate) fn take_warm(key: PoolKey) -> Option<Shim> {
    cleanup_once(key);
    let (warm, depth) = match pool().lock() {
        Ok(mut p) => {
            let warm = p
                .shims
                .iter()
                .position(|(k, _)| *k == key)
                .map(|i| p.shims.swap_remove(i).1);
            (warm, p.depth)
        }
        Err(_) => (None, 0),
    };
    if depth > 0 {
        let _ = send(Request::Refill(key));
    }
    warm
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
    let cgroup = match key {
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
    fork_shim(cgroup, Some(launch))
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
            CString::new(cand.as_os_str().as_bytes()).is_ok_and(|c| {
                // SAFETY: access on a valid C string.
                unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
            }) && !cand.is_dir()
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
            rlimits: vec![(libc::RLIMIT_CORE, 0, 0)],
            cpu: Some(1),
            new_net: false,
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
