//! Starting a run: the code between `fork` and `exec`.
//!
//! Everything here runs in the child of a (possibly multi-threaded) harness, so it uses only raw,
//! async-signal-safe system calls on data prepared before the fork: no allocation, no locks.
//!
//! The forked child becomes the run's *shim*: it joins the run cgroup, starts a new session,
//! becomes a child subreaper and forks once more; the grandchild execs the solver. The shim then
//! closes every descriptor but the status pipe and reaps everything that is reparented to it. It
//! reports the solver's pid and later its wait status over the status pipe, and exits when it has
//! no children left, i.e. when the whole run is gone. The harness reaps the shim with `wait4`,
//! whose resource usage covers every process of the run.

use std::ffi::CString;
use std::io;
use std::os::fd::RawFd;

/// Marks errors raised by the setup code (rather than by `exec`): the high half of the errno
/// std reports back to the parent.
pub(crate) const SETUP_TAG: i32 = 0x4d49_0000;

/// Messages on the status pipe: 8 bytes each, a tag and a value.
pub(crate) const MSG_PID: i32 = 1;
pub(crate) const MSG_STATUS: i32 = 2;

/// Everything the child needs, prepared before the fork.
#[derive(Debug)]
pub(crate) struct ChildSetup {
    /// `cgroup.procs` files to write `0` into.
    pub procs_files: Vec<CString>,
    /// Write end of the status pipe.
    pub status_fd: RawFd,
    /// The harness's pid, to detect that it died before `PR_SET_PDEATHSIG` was in place.
    pub harness_pid: libc::pid_t,
    /// (resource, soft, hard) for setrlimit, applied to the solver.
    pub rlimits: Vec<(libc::__rlimit_resource_t, u64, u64)>,
    /// Pin the solver to this CPU.
    pub cpu: Option<usize>,
    /// Give the solver an empty network namespace.
    pub new_net: bool,
    /// Bind these directories read-only in a private mount namespace.
    pub readonly: Vec<CString>,
}

fn errno() -> i32 {
    io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EINVAL)
}

fn setup_err() -> io::Error {
    io::Error::from_raw_os_error(SETUP_TAG | (errno() & 0xffff))
}

/// Splits an error from `spawn` into "the setup failed" (`Some(errno)`) or an exec error.
pub(crate) fn setup_errno(e: &io::Error) -> Option<i32> {
    let raw = e.raw_os_error()?;
    (raw & !0xffff == SETUP_TAG).then_some(raw & 0xffff)
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

/// Closes every descriptor except `keep`.
unsafe fn close_all_but(keep: RawFd) {
    let max = libc::c_uint::MAX;
    let k = keep as libc::c_uint;
    let ok = (k == 0 || libc::syscall(libc::SYS_close_range, 0 as libc::c_uint, k - 1, 0) == 0)
        && libc::syscall(libc::SYS_close_range, k + 1, max, 0) == 0;
    if !ok {
        for fd in 0..4096 {
            if fd != keep {
                libc::close(fd);
            }
        }
    }
}

/// Runs in the forked child. Returns `Ok` in the grandchild, which then execs the solver; the
/// shim never returns.
///
/// # Safety
/// Must only be called between fork and exec (from `CommandExt::pre_exec`).
pub(crate) unsafe fn child_setup(s: &ChildSetup) -> io::Result<()> {
    // Die with the harness; if it is already gone, do not start anything.
    if libc::prctl(
        libc::PR_SET_PDEATHSIG,
        libc::SIGKILL as libc::c_ulong,
        0,
        0,
        0,
    ) != 0
    {
        return Err(setup_err());
    }
    if libc::getppid() != s.harness_pid {
        libc::_exit(125);
    }
    for f in &s.procs_files {
        let fd = libc::open(f.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(setup_err());
        }
        let r = libc::write(fd, b"0".as_ptr().cast(), 1);
        let e = errno();
        libc::close(fd);
        if r != 1 {
            return Err(io::Error::from_raw_os_error(SETUP_TAG | (e & 0xffff)));
        }
    }
    if libc::setsid() < 0 {
        return Err(setup_err());
    }
    if libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) != 0 {
        return Err(setup_err());
    }
    let shim = libc::getpid();
    let pid = libc::fork();
    if pid < 0 {
        return Err(setup_err());
    }
    if pid == 0 {
        return solver_setup(s, shim);
    }
    shim_main(s.status_fd, pid)
}

/// The grandchild, just before exec.
unsafe fn solver_setup(s: &ChildSetup, shim: libc::pid_t) -> io::Result<()> {
    if libc::prctl(
        libc::PR_SET_PDEATHSIG,
        libc::SIGKILL as libc::c_ulong,
        0,
        0,
        0,
    ) != 0
    {
        return Err(setup_err());
    }
    if libc::getppid() != shim {
        libc::_exit(125);
    }
    // Its own process group, so that group signals reach the solver but not the shim.
    if libc::setpgid(0, 0) != 0 {
        return Err(setup_err());
    }
    // Descriptors the harness may have opened without O_CLOEXEC must not leak into the solver.
    libc::syscall(
        libc::SYS_close_range,
        3 as libc::c_uint,
        libc::c_uint::MAX,
        libc::CLOSE_RANGE_CLOEXEC as libc::c_uint,
    );
    if let Some(cpu) = s.cpu {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        if libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(setup_err());
        }
    }
    let mut flags = 0;
    if s.new_net {
        flags |= libc::CLONE_NEWNET;
    }
    if !s.readonly.is_empty() {
        flags |= libc::CLONE_NEWNS;
    }
    if flags != 0 && libc::unshare(flags) != 0 {
        return Err(setup_err());
    }
    if !s.readonly.is_empty() {
        // Keep our mounts from propagating back to the host.
        let root = c"/";
        if libc::mount(
            std::ptr::null(),
            root.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            return Err(setup_err());
        }
        for dir in &s.readonly {
            let p = dir.as_ptr();
            if libc::mount(
                p,
                p,
                std::ptr::null(),
                libc::MS_BIND | libc::MS_REC,
                std::ptr::null(),
            ) != 0
                || libc::mount(
                    std::ptr::null(),
                    p,
                    std::ptr::null(),
                    libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY,
                    std::ptr::null(),
                ) != 0
            {
                return Err(setup_err());
            }
        }
    }
    for &(res, soft, hard) in &s.rlimits {
        let lim = libc::rlimit {
            rlim_cur: soft,
            rlim_max: hard,
        };
        if libc::setrlimit(res, &lim) != 0 {
            return Err(setup_err());
        }
    }
    Ok(())
}

/// The shim: report the solver's pid, reap everything, report the solver's status, exit when
/// nothing is left.
unsafe fn shim_main(status_fd: RawFd, solver: libc::pid_t) -> ! {
    close_all_but(status_fd);
    // The harness's handlers are meaningless here; and the shim must not die of the signals the
    // harness sends to the solver's processes.
    for sig in [
        libc::SIGTERM,
        libc::SIGINT,
        libc::SIGHUP,
        libc::SIGQUIT,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGPIPE,
        libc::SIGALRM,
    ] {
        libc::signal(sig, libc::SIG_IGN);
    }
    libc::signal(libc::SIGCHLD, libc::SIG_DFL);
    write_msg(status_fd, MSG_PID, solver);
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
            write_msg(status_fd, MSG_STATUS, status);
        }
    }
    libc::_exit(0)
}
