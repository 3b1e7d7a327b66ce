//! What this machine lets the runner enforce and measure (`misc doctor`).

use std::fs;
use std::sync::OnceLock;

use nix::sched::CloneFlags;
use nix::unistd::ForkResult;

use crate::cgroup::{self, CgroupLimits, CgroupVersion, RunCgroup};

/// One line of the doctor's report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// What is checked, e.g. `cgroup v1 memory`.
    pub name: String,
    /// Whether the machine has it.
    pub ok: bool,
    /// What was found.
    pub found: String,
    /// How to get it when missing (empty when `ok`).
    pub fix: String,
}

/// What this machine supports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    /// Effective uid 0.
    pub root: bool,
    /// The mechanism runs will be measured by: `cgroup-v2`, `cgroup-v1` or `proc`.
    pub mechanism: String,
    /// v1 controllers mounted (of those the runner uses) and whether a run cgroup can be created.
    pub cgroup_v1: Vec<(String, bool)>,
    /// Controllers available to our v2 cgroup (empty if v2 is not mounted).
    pub cgroup_v2_controllers: Vec<String>,
    /// Whether a cgroup v2 hierarchy is mounted.
    pub cgroup_v2_mounted: bool,
    /// `unshare(CLONE_NEWNET)` works (a run can be given no network).
    pub net_namespace: bool,
    /// `unshare(CLONE_NEWNS)` and bind mounts work (read-only solver and input directories).
    pub mount_namespace: bool,
    /// Runs can be isolated in their own user, mount, PID, IPC, UTS and network namespaces
    /// ([`namespaces_available`]).
    pub namespaces: bool,
    /// `pidfd_open(2)` works (a run's main process can be waited for without races on its pid).
    pub pidfd: bool,
    /// `PR_SET_CHILD_SUBREAPER` works (orphaned processes of a run are re-parented to its shim,
    /// which reaps them).
    pub subreaper: bool,
    /// The individual checks with fixes.
    pub checks: Vec<Check>,
}

/// Whether `unshare(flags)` works, tried in a throw-away child process.
fn can_unshare(flags: CloneFlags) -> bool {
    // SAFETY: the child only calls async-signal-safe functions (unshare, _exit).
    match unsafe { nix::unistd::fork() } {
        Err(_) => false,
        Ok(ForkResult::Child) => {
            let ok = nix::sched::unshare(flags).is_ok();
            // SAFETY: _exit ends the forked child without running the parent's destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) }
        }
        Ok(ForkResult::Parent { child }) => matches!(
            nix::sys::wait::waitpid(child, None),
            Ok(nix::sys::wait::WaitStatus::Exited(_, 0))
        ),
    }
}

fn check(name: &str, ok: bool, found: impl Into<String>, fix: &str) -> Check {
    Check {
        name: name.to_owned(),
        ok,
        found: found.into(),
        fix: if ok { String::new() } else { fix.to_owned() },
    }
}

/// Probes the machine once (creating and removing a test cgroup) and describes it.
pub fn capabilities() -> Capabilities {
    static CAPS: OnceLock<Capabilities> = OnceLock::new();
    CAPS.get_or_init(probe).clone()
}

fn probe() -> Capabilities {
    let root = nix::unistd::geteuid().is_root();
    let layout = cgroup::layout();
    let mut checks = Vec::new();
    checks.push(check(
        "running as root",
        root,
        if root { "uid 0" } else { "not root" },
        "run as root (or get a delegated cgroup, see below) for cgroups and namespaces",
    ));

    let version = cgroup::usable_version();
    let works = version.is_some_and(|v| {
        RunCgroup::create(
            v,
            CgroupLimits {
                memory: Some(1 << 30),
                pids: Some(64),
            },
        )
        .is_ok()
    });
    let mechanism = match (version, works) {
        (Some(CgroupVersion::V2), true) => "cgroup-v2",
        (Some(CgroupVersion::V1), true) => "cgroup-v1",
        _ => "proc",
    };

    let mut v1 = Vec::new();
    for ctrl in cgroup::V1_REQUIRED.iter().chain(cgroup::V1_OPTIONAL.iter()) {
        let m = layout.v1_controller(ctrl);
        let writable = m.is_some_and(|m| {
            let probe = m
                .own_dir
                .join(format!("misc-doctor-{}", std::process::id()));
            let ok = fs::create_dir(&probe).is_ok();
            let _ = fs::remove_dir(&probe);
            ok
        });
        let found = match m {
            Some(m) if writable => format!("writable at {}", m.own_dir.display()),
            Some(m) => format!("mounted, not writable at {}", m.own_dir.display()),
            None => "not mounted".to_owned(),
        };
        checks.push(check(
            &format!("cgroup v1 {ctrl}"),
            writable,
            found,
            "mount it (mount -t cgroup -o CTRL cgroup /sys/fs/cgroup/CTRL) and run as root, or use cgroup v2",
        ));
        v1.push(((*ctrl).to_owned(), writable));
    }
    let v2_controllers = layout.v2_available();
    let v2_ok = cgroup::V2_REQUIRED
        .iter()
        .all(|c| v2_controllers.iter().any(|a| a == c));
    let v1_works = mechanism == "cgroup-v1";
    checks.push(check(
        "cgroup v2 memory+pids",
        v2_ok,
        match &layout.v2 {
            Some(m) => format!(
                "{} offers [{}]{}",
                m.own_dir.display(),
                v2_controllers.join(" "),
                if v1_works {
                    "; runs use cgroup v1, which works"
                } else {
                    ""
                }
            ),
            None => "not mounted".to_owned(),
        },
        if v1_works {
            "optional, v1 measures and limits every run already: MISC_CGROUP_V2_ROOT=DIR (a \
             cgroup2 directory) adds v2's whole-tree kill and freezer now; booting with \
             systemd.unified_cgroup_hierarchy=1 moves every controller to v2"
        } else {
            "boot with systemd.unified_cgroup_hierarchy=1, or run inside a delegated scope: \
             systemd-run --user --scope -p Delegate=yes misc ..."
        },
    ));
    checks.push(check(
        "measuring mechanism",
        mechanism != "proc",
        mechanism,
        "without a writable cgroup, CPU and memory are polled from /proc (10 ms ticks; the final \
         CPU time is exact from wait4) and processes that survive a killed harness cannot be found",
    ));

    let net_namespace = can_unshare(CloneFlags::CLONE_NEWNET);
    checks.push(check(
        "network namespace (no network for solvers)",
        net_namespace,
        if net_namespace { "available" } else { "unshare(CLONE_NEWNET) refused" },
        "run as root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)",
    ));
    let mount_namespace = root && can_unshare(CloneFlags::CLONE_NEWNS);
    checks.push(check(
        "mount namespace (read-only solver and input directories)",
        mount_namespace,
        if mount_namespace {
            "available"
        } else {
            "unavailable"
        },
        "run as root; without it only file modes protect the input, which root solvers ignore",
    ));
    let ns = namespaces_available();
    checks.push(check(
        "namespaces (isolation = \"required\")",
        ns.is_ok(),
        match &ns {
            Ok(()) if root => format!(
                "available: solvers run as uid {} in their own user, mount, PID, IPC, UTS and \
                 network namespaces",
                crate::spawn::SOLVER_ID
            ),
            Ok(()) => "available: solvers run in their own user, mount, PID, IPC, UTS and \
                       network namespaces"
                .to_owned(),
            Err(e) => e.clone(),
        },
        &namespaces_fix(),
    ));
    let base = crate::Sandbox::default_base();
    let on_tmpfs = base.starts_with("/dev/shm");
    checks.push(check(
        "fast sandbox directory",
        on_tmpfs,
        format!("sandboxes go to {}", base.display()),
        "make /dev/shm a writable tmpfs, or give misc run --sandbox-base DIR on a tmpfs: \
         creating and removing a sandbox on a busy disk file system can take tens of \
         milliseconds",
    ));
    if mechanism == "cgroup-v1" {
        checks.push(check(
            "cgroup v1 attach latency",
            true,
            "joining a v1 cgroup takes several ms; misc run prepares each run's process in \
             advance, so runs do not wait for it",
            "",
        ));
    }
    // SAFETY: pidfd_open on our own pid (nix has no wrapper); the descriptor is closed at once
    // by the OwnedFd.
    let pidfd = unsafe {
        let fd = libc::syscall(libc::SYS_pidfd_open, nix::unistd::getpid().as_raw(), 0);
        if fd >= 0 {
            drop(
                <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(
                    fd as std::os::fd::RawFd,
                ),
            );
        }
        fd >= 0
    };
    checks.push(check(
        "pidfd",
        pidfd,
        if pidfd { "available" } else { "missing" },
        "Linux 5.3 or newer",
    ));
    let subreaper = nix::sys::prctl::get_child_subreaper().is_ok();
    Capabilities {
        root,
        mechanism: mechanism.to_owned(),
        cgroup_v1: v1,
        cgroup_v2_controllers: v2_controllers,
        cgroup_v2_mounted: layout.v2.is_some(),
        net_namespace,
        mount_namespace,
        namespaces: ns.is_ok(),
        pidfd,
        subreaper,
        checks,
    }
}

/// Whether runs can be isolated in namespaces here ([`crate::Isolation::namespaces`]): tried
/// once per process by running `/bin/true` that way. The error says which step failed.
pub fn namespaces_available() -> Result<(), String> {
    static RESULT: OnceLock<Result<(), String>> = OnceLock::new();
    RESULT.get_or_init(probe_namespaces).clone()
}

fn probe_namespaces() -> Result<(), String> {
    let program = ["/bin/true", "/usr/bin/true"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .ok_or("no /bin/true to try with")?;
    // On a thread of its own: the caller may be inside an async runtime.
    let trial = std::thread::spawn(move || -> Result<(), String> {
        let sandbox = crate::Sandbox::create(None).map_err(|e| e.to_string())?;
        let mut spec = crate::RunSpec::new(program, Vec::new()).in_sandbox(&sandbox);
        spec.mechanism = crate::MechanismChoice::Proc;
        spec.isolation = crate::Isolation::namespaced(&sandbox, Vec::new(), Vec::new());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let m = rt.block_on(crate::run(&spec)).map_err(|e| e.to_string())?;
        if m.termination == crate::Termination::Exited && m.exit_code == Some(0) {
            Ok(())
        } else {
            Err(format!("an isolated trial run failed: {}", m.detail))
        }
    });
    trial
        .join()
        .unwrap_or_else(|_| Err("the trial run panicked".to_owned()))
}

/// How to get namespaces on this machine (or do without), for error messages.
pub fn namespaces_fix() -> String {
    let mut tips = vec![
        "Linux 5.12 or newer with user namespaces".to_owned(),
        "sysctl -w user.max_user_namespaces=15000".to_owned(),
    ];
    if std::path::Path::new("/proc/sys/kernel/unprivileged_userns_clone").exists() {
        tips.push("sysctl -w kernel.unprivileged_userns_clone=1".to_owned());
    }
    if std::path::Path::new("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").exists() {
        tips.push("sysctl -w kernel.apparmor_restrict_unprivileged_userns=0".to_owned());
    }
    tips.push(
        "in a container: docker run --security-opt seccomp=unconfined (or --privileged)".to_owned(),
    );
    format!(
        "{}; or set isolation = \"best-effort\" in competition.toml (misc exec --isolation \
         best-effort) to run with what this machine allows",
        tips.join("; ")
    )
}
