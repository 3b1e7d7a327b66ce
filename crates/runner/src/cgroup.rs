//! One cgroup per run, on cgroup v2 or on the v1 controllers `cpuacct`, `memory`, `freezer` and
//! (if mounted) `pids`.
//!
//! Run cgroups are created *below the harness's own cgroup* of each hierarchy, so that whatever
//! limits the harness itself runs under also bind the solver. They are named
//! `misc-<harness pid>-<harness start time>-<sequence>`: the start time (in clock ticks since boot)
//! makes the owner unambiguous even after pid reuse, which is what [`cleanup_stale`] relies on.
//!
//! # Pointing the runner at a cgroup v2 hierarchy
//!
//! With `MISC_CGROUP_V2_ROOT=DIR` ([`V2_ROOT_ENV`]), run cgroups are created in `DIR`, a
//! directory of a cgroup2 hierarchy (its mount point, or a cgroup below it), instead of below
//! the harness's own v2 cgroup, and v2 is used even when no controller is enabled there: a
//! hybrid machine whose controllers are bound to v1 still has the v2 core files, and those do
//! the essential work: `cgroup.procs` (every process of the run joins, nothing escapes),
//! `cgroup.kill` and `cgroup.freeze` (the whole tree is stopped and killed) and the `usage_usec`
//! of `cpu.stat` (CPU time). Memory and the number of processes come from the v2 `memory` and
//! `pids` controllers when `DIR`'s `cgroup.subtree_control` enables them, else from the v1
//! `memory` and `pids` cgroups of the same name where those are mounted, else from `/proc`
//! polling ([`RunCgroup::has_memory`], [`RunCgroup::polled_usage`]). `mount -t cgroup2 none DIR`
//! makes such a hierarchy on any machine with cgroup2 support.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::procfs;

/// Which cgroup hierarchy a run cgroup lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgroupVersion {
    /// The legacy hierarchy: one mount per controller (`cpuacct`, `memory`, `pids`...).
    V1,
    /// The unified hierarchy: one tree for every controller.
    V2,
}

/// The v1 controllers a run needs; without any of them v1 is not used.
pub const V1_REQUIRED: [&str; 3] = ["cpuacct", "memory", "freezer"];
/// v1 controllers used when present.
pub const V1_OPTIONAL: [&str; 1] = ["pids"];
/// v2 controllers a run needs enabled in the parent's `cgroup.subtree_control` (`cpu.stat`,
/// `cgroup.freeze` and `cgroup.kill` are in the core and need no controller).
pub const V2_REQUIRED: [&str; 2] = ["memory", "pids"];
/// The environment variable that points the runner at a cgroup v2 directory (see the module
/// documentation).
pub const V2_ROOT_ENV: &str = "MISC_CGROUP_V2_ROOT";

/// One mounted cgroup hierarchy as seen from this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Controller name for v1 (`memory`, ...), empty for v2.
    pub controller: String,
    /// Where the hierarchy is mounted.
    pub mount_point: PathBuf,
    /// This process's own cgroup directory in that hierarchy.
    pub own_dir: PathBuf,
}

/// The cgroup hierarchies of this machine, as seen from this process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// v1 hierarchies, one entry per controller (co-mounted controllers share a directory).
    pub v1: Vec<Mount>,
    /// The v2 (unified) hierarchy, if mounted.
    pub v2: Option<Mount>,
    /// Whether `v2` is the directory named by [`V2_ROOT_ENV`] (used whatever controllers it
    /// has).
    pub v2_from_env: bool,
}

impl Layout {
    /// The v1 mount that carries `controller`.
    pub fn v1_controller(&self, controller: &str) -> Option<&Mount> {
        self.v1.iter().find(|m| m.controller == controller)
    }

    /// Controllers listed in the v2 `cgroup.controllers` of our own cgroup.
    pub fn v2_available(&self) -> Vec<String> {
        self.v2
            .as_ref()
            .and_then(|m| fs::read_to_string(m.own_dir.join("cgroup.controllers")).ok())
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    }
}

/// Reads `/proc/self/mountinfo` and `/proc/self/cgroup`.
pub fn layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        let mountinfo = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let own = fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
        let mut layout = parse_layout(&mountinfo, &own);
        if let Some(root) = std::env::var_os(V2_ROOT_ENV).filter(|v| !v.is_empty()) {
            let root = PathBuf::from(root);
            if is_cgroup2(&root) {
                layout.v2 = Some(Mount {
                    controller: String::new(),
                    mount_point: root.clone(),
                    own_dir: root,
                });
                layout.v2_from_env = true;
            } else {
                tracing::warn!(
                    "{V2_ROOT_ENV}={}: not a directory of a cgroup2 hierarchy (mount one with \
                     `mount -t cgroup2 none DIR`); ignored",
                    root.display()
                );
            }
        }
        layout
    })
}

/// Whether `dir` is a directory of a cgroup2 file system.
pub fn is_cgroup2(dir: &Path) -> bool {
    dir.is_dir()
        && nix::sys::statfs::statfs(dir)
            .is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC)
}

/// Builds the layout from the text of `mountinfo` and `/proc/self/cgroup`.
pub fn parse_layout(mountinfo: &str, own_cgroups: &str) -> Layout {
    // own cgroup paths: (controllers, path); v2 has an empty controller list.
    let own: Vec<(Vec<&str>, &str)> = own_cgroups
        .lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, ':');
            let _id = it.next()?;
            let ctrls = it.next()?;
            let path = it.next()?;
            Some((ctrls.split(',').filter(|c| !c.is_empty()).collect(), path))
        })
        .collect();
    let mut layout = Layout::default();
    for line in mountinfo.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let lf: Vec<&str> = left.split(' ').collect();
        let rf: Vec<&str> = right.split(' ').collect();
        let (Some(root), Some(mount_point), Some(fstype)) = (lf.get(3), lf.get(4), rf.first())
        else {
            continue;
        };
        let rel = |path: &str| -> PathBuf {
            let stripped = if *root == "/" {
                path
            } else {
                path.strip_prefix(root).unwrap_or(path)
            };
            let stripped = stripped.trim_start_matches('/');
            if stripped.is_empty() {
                PathBuf::from(mount_point)
            } else {
                Path::new(mount_point).join(stripped)
            }
        };
        match *fstype {
            "cgroup2" => {
                if let Some((_, path)) = own.iter().find(|(c, _)| c.is_empty()) {
                    layout.v2 = Some(Mount {
                        controller: String::new(),
                        mount_point: PathBuf::from(mount_point),
                        own_dir: rel(path),
                    });
                }
            }
            "cgroup" => {
                let opts = rf.get(2).copied().unwrap_or("");
                for ctrl in opts.split(',') {
                    let wanted = V1_REQUIRED.contains(&ctrl) || V1_OPTIONAL.contains(&ctrl);
                    if !wanted || layout.v1_controller(ctrl).is_some() {
                        continue;
                    }
                    if let Some((_, path)) = own.iter().find(|(c, _)| c.contains(&ctrl)) {
                        layout.v1.push(Mount {
                            controller: ctrl.to_owned(),
                            mount_point: PathBuf::from(mount_point),
                            own_dir: rel(path),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    layout
}

/// The version the runner would use on this machine, if any (before trying to create one).
pub fn usable_version() -> Option<CgroupVersion> {
    let l = layout();
    if l.v2_from_env {
        // The core files suffice; controllers come from wherever they are (module docs).
        return Some(CgroupVersion::V2);
    }
    if let Some(v2) = &l.v2 {
        let avail = l.v2_available();
        if V2_REQUIRED.iter().all(|c| avail.iter().any(|a| a == c)) && v2_enable(&v2.own_dir) {
            return Some(CgroupVersion::V2);
        }
    }
    if V1_REQUIRED.iter().all(|c| l.v1_controller(c).is_some()) {
        return Some(CgroupVersion::V1);
    }
    None
}

/// Makes sure the v2 controllers the runner needs are enabled for the children of `dir`.
fn v2_enable(dir: &Path) -> bool {
    let ctl = dir.join("cgroup.subtree_control");
    let enabled = |s: &str| {
        V2_REQUIRED
            .iter()
            .all(|c| s.split_whitespace().any(|e| e == *c))
    };
    match fs::read_to_string(&ctl) {
        Ok(s) if enabled(&s) => true,
        Ok(_) => {
            let req: Vec<String> = V2_REQUIRED.iter().map(|c| format!("+{c}")).collect();
            fs::write(&ctl, req.join(" ")).is_ok()
                && fs::read_to_string(&ctl).is_ok_and(|s| enabled(&s))
        }
        Err(_) => false,
    }
}

/// What a run cgroup enforces by itself (the CPU and wall limits are the watchdog's job).
#[derive(Debug, Clone, Copy)]
pub struct CgroupLimits {
    pub memory: Option<u64>,
    pub pids: Option<u64>,
}

/// CPU time charged to a cgroup, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuTimes {
    pub total: f64,
    pub user: f64,
    pub system: f64,
}

/// The cgroup(s) of one run. Removed on drop (after killing whatever is still inside).
#[derive(Debug)]
pub struct RunCgroup {
    version: CgroupVersion,
    /// (controller, directory); v2 has one entry with an empty controller.
    dirs: Vec<(String, PathBuf)>,
    removed: bool,
    /// CPU time already used when the run started (v2 counters cannot be reset).
    cpu_base: CpuTimes,
    /// v2: the controllers enabled for the run cgroup (its parent's `cgroup.subtree_control`);
    /// `memory` and `pids` missing there are taken from v1 where mounted.
    v2_controllers: Vec<String>,
}

fn harness_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let pid = std::process::id();
        let start = procfs::read_stat(pid as i32).map_or(0, |s| s.starttime);
        format!("misc-{pid}-{start}")
    })
}

fn read_u64(path: &Path) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The value of `key` in a flat-keyed file such as `cpu.stat` or `memory.events`.
fn keyed(path: &Path, key: &str) -> Option<u64> {
    let text = fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

impl RunCgroup {
    /// Creates a fresh run cgroup with the given limits.
    pub fn create(version: CgroupVersion, limits: CgroupLimits) -> io::Result<RunCgroup> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let name = format!("{}-{}", harness_tag(), SEQ.fetch_add(1, Ordering::Relaxed));
        let l = layout();
        let mut v2_controllers = Vec::new();
        let parents: Vec<(String, PathBuf)> = match version {
            CgroupVersion::V2 => {
                let mut parents: Vec<(String, PathBuf)> =
                    l.v2.iter()
                        .map(|m| (String::new(), m.own_dir.clone()))
                        .collect();
                if let Some(m) = &l.v2 {
                    v2_controllers = fs::read_to_string(m.own_dir.join("cgroup.subtree_control"))
                        .unwrap_or_default()
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect();
                }
                for ctrl in V2_REQUIRED {
                    if !v2_controllers.iter().any(|c| c == ctrl) {
                        if let Some(m) = l.v1_controller(ctrl) {
                            parents.push((ctrl.to_owned(), m.own_dir.clone()));
                        }
                    }
                }
                parents
            }
            CgroupVersion::V1 => {
                l.v1.iter()
                    .map(|m| (m.controller.clone(), m.own_dir.clone()))
                    .collect()
            }
        };
        let mut cg = RunCgroup {
            version,
            dirs: Vec::new(),
            removed: false,
            cpu_base: CpuTimes::default(),
            v2_controllers,
        };
        for (ctrl, parent) in parents {
            let dir = parent.join(&name);
            // Co-mounted controllers (e.g. `cpu,cpuacct`) share one directory.
            if cg.dirs.iter().any(|(_, d)| *d == dir) {
                continue;
            }
            fs::create_dir(&dir)?;
            cg.dirs.push((ctrl, dir));
        }
        if cg.dirs.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no cgroup hierarchy",
            ));
        }
        cg.apply(limits)?;
        Ok(cg)
    }

    /// Creates a fresh run cgroup without limits (for a pre-warmed shim; see [`Self::start`]).
    pub fn create_empty(version: CgroupVersion) -> io::Result<RunCgroup> {
        RunCgroup::create(
            version,
            CgroupLimits {
                memory: None,
                pids: None,
            },
        )
    }

    /// Sets the run's limits and zeroes the counters, just before the solver starts (the shim
    /// that waited in the cgroup used a little CPU and memory).
    pub fn start(&mut self, limits: CgroupLimits) -> io::Result<()> {
        self.apply(CgroupLimits {
            memory: limits.memory,
            // The shim is a process of the cgroup too.
            pids: limits.pids.map(|p| p.saturating_add(1)),
        })?;
        match self.version {
            CgroupVersion::V1 => {
                if let Some(d) = self.dir("cpuacct") {
                    fs::write(d.join("cpuacct.usage"), "0")?;
                }
            }
            CgroupVersion::V2 => self.cpu_base = self.cpu().unwrap_or_default(),
        }
        match self.controller("memory") {
            Some((CgroupVersion::V1, d)) => fs::write(d.join("memory.max_usage_in_bytes"), "0")?,
            // Resettable since Linux 6.12; older kernels keep the (tiny) peak of the shim.
            Some((CgroupVersion::V2, d)) => {
                let _ = fs::write(d.join("memory.peak"), "0");
            }
            None => {}
        }
        Ok(())
    }

    /// The directory of a v1 hierarchy (by controller name), or the v2 directory (`""`).
    fn dir(&self, controller: &str) -> Option<&Path> {
        self.dirs
            .iter()
            .find(|(c, _)| c == controller)
            .map(|(_, d)| d.as_path())
    }

    /// Where `memory` or `pids` is accounted, and in which version's files: the v2 directory
    /// if the controller is enabled there, else its v1 directory, if any.
    fn controller(&self, name: &str) -> Option<(CgroupVersion, &Path)> {
        match self.version {
            CgroupVersion::V2 if self.v2_controllers.iter().any(|c| c == name) => {
                self.dir("").map(|d| (CgroupVersion::V2, d))
            }
            _ => self.dir(name).map(|d| (CgroupVersion::V1, d)),
        }
    }

    /// The directory of the core v2 files, or of the v1 controller that stands for them.
    fn core(&self, v1_controller: &str) -> Option<&Path> {
        match self.version {
            CgroupVersion::V2 => self.dir(""),
            CgroupVersion::V1 => self.dir(v1_controller),
        }
    }

    /// Whether the cgroup accounts (and limits) memory itself; if not, the watchdog polls it
    /// ([`Self::polled_usage`]).
    pub fn has_memory(&self) -> bool {
        self.controller("memory").is_some()
    }

    /// Memory (resident bytes, summed over the members) and the number of members other than
    /// `spare`, read from `/proc`: for a cgroup without a memory controller.
    pub fn polled_usage(&self, spare: i32, page: u64) -> (u64, u64) {
        let pids: Vec<i32> = self.pids().into_iter().filter(|p| *p != spare).collect();
        let rss: u64 = pids
            .iter()
            .filter_map(|p| procfs::read_stat(*p))
            .map(|s| s.rss)
            .sum();
        (rss * page, pids.len() as u64)
    }

    fn apply(&self, limits: CgroupLimits) -> io::Result<()> {
        match (limits.memory, self.controller("memory")) {
            (Some(mem), Some((CgroupVersion::V1, d))) => {
                fs::write(d.join("memory.limit_in_bytes"), mem.to_string())?;
                // Swap counts as memory; the file exists only with swap accounting.
                let memsw = d.join("memory.memsw.limit_in_bytes");
                if memsw.exists() {
                    fs::write(memsw, mem.to_string())?;
                }
            }
            (Some(mem), Some((CgroupVersion::V2, d))) => {
                fs::write(d.join("memory.max"), mem.to_string())?;
                // Both are optional kernel features: no swap, and OOM kills the whole group.
                let _ = fs::write(d.join("memory.swap.max"), "0");
                let _ = fs::write(d.join("memory.oom.group"), "1");
            }
            _ => {}
        }
        if let (Some(pids), Some((_, d))) = (limits.pids, self.controller("pids")) {
            fs::write(d.join("pids.max"), pids.to_string())?;
        }
        Ok(())
    }

    /// The `cgroup.procs` files a child writes `0` into (before exec) to join the run cgroup.
    pub fn procs_files(&self) -> io::Result<Vec<CString>> {
        self.dirs
            .iter()
            .map(|(_, d)| {
                CString::new(d.join("cgroup.procs").as_os_str().as_bytes())
                    .map_err(io::Error::other)
            })
            .collect()
    }

    /// CPU time of everything that ever ran in the cgroup.
    pub fn cpu(&self) -> Option<CpuTimes> {
        match self.version {
            CgroupVersion::V1 => {
                let d = self.dir("cpuacct")?;
                let total = read_u64(&d.join("cpuacct.usage"))? as f64 / 1e9;
                let user = read_u64(&d.join("cpuacct.usage_user"));
                let sys = read_u64(&d.join("cpuacct.usage_sys"));
                let (u, s) = match (user, sys) {
                    (Some(u), Some(s)) => (u as f64, s as f64),
                    _ => {
                        let st = d.join("cpuacct.stat");
                        (keyed(&st, "user")? as f64, keyed(&st, "system")? as f64)
                    }
                };
                // The user/system split is tick-based in some kernels: scale it to the exact total.
                let (user, system) = if u + s > 0.0 {
                    (total * u / (u + s), total * s / (u + s))
                } else {
                    (total, 0.0)
                };
                Some(CpuTimes {
                    total,
                    user,
                    system,
                })
            }
            CgroupVersion::V2 => {
                let st = self.core("")?.join("cpu.stat");
                let b = self.cpu_base;
                Some(CpuTimes {
                    total: keyed(&st, "usage_usec")? as f64 / 1e6 - b.total,
                    user: keyed(&st, "user_usec").unwrap_or(0) as f64 / 1e6 - b.user,
                    system: keyed(&st, "system_usec").unwrap_or(0) as f64 / 1e6 - b.system,
                })
            }
        }
    }

    /// Current memory charged to the cgroup, in bytes.
    pub fn memory_current(&self) -> Option<u64> {
        match self.controller("memory")? {
            (CgroupVersion::V1, d) => read_u64(&d.join("memory.usage_in_bytes")),
            (CgroupVersion::V2, d) => read_u64(&d.join("memory.current")),
        }
    }

    /// Peak memory charged to the cgroup, if the kernel records it.
    pub fn memory_peak(&self) -> Option<u64> {
        match self.controller("memory")? {
            (CgroupVersion::V1, d) => read_u64(&d.join("memory.max_usage_in_bytes")),
            (CgroupVersion::V2, d) => read_u64(&d.join("memory.peak")),
        }
    }

    /// How many processes the kernel's OOM killer killed in the cgroup.
    pub fn oom_kills(&self) -> u64 {
        match self.controller("memory") {
            Some((CgroupVersion::V1, d)) => {
                keyed(&d.join("memory.oom_control"), "oom_kill").unwrap_or(0)
            }
            Some((CgroupVersion::V2, d)) => {
                keyed(&d.join("memory.events"), "oom_kill").unwrap_or(0)
            }
            None => 0,
        }
    }

    /// The processes in the run cgroup (the union over all v1 hierarchies).
    pub fn pids(&self) -> Vec<i32> {
        let mut out: Vec<i32> = Vec::new();
        for (_, d) in &self.dirs {
            if let Ok(text) = fs::read_to_string(d.join("cgroup.procs")) {
                for pid in text.lines().filter_map(|l| l.trim().parse().ok()) {
                    if !out.contains(&pid) {
                        out.push(pid);
                    }
                }
            }
        }
        out
    }

    /// Sends `sig` to every process in the cgroup except `spare`. Returns how many were signalled.
    pub fn signal_all(&self, sig: i32, spare: Option<i32>) -> usize {
        let mut n = 0;
        for pid in self.pids() {
            if Some(pid) != spare && pid > 0 {
                let sent = nix::sys::signal::Signal::try_from(sig).is_ok_and(|s| {
                    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), s).is_ok()
                });
                if sent {
                    n += 1;
                }
            }
        }
        n
    }

    fn set_frozen(&self, frozen: bool) -> bool {
        let (file, value) = match self.version {
            CgroupVersion::V1 => ("freezer.state", if frozen { "FROZEN" } else { "THAWED" }),
            CgroupVersion::V2 => ("cgroup.freeze", if frozen { "1" } else { "0" }),
        };
        let Some(d) = self.core("freezer") else {
            return false;
        };
        if fs::write(d.join(file), value).is_err() {
            return false;
        }
        if !frozen {
            return true;
        }
        // Wait (briefly) until every task is really frozen, so none can fork behind our back.
        let deadline = Instant::now() + Duration::from_millis(200);
        loop {
            let done = match self.version {
                CgroupVersion::V1 => {
                    fs::read_to_string(d.join(file)).is_ok_and(|s| s.trim() == "FROZEN")
                }
                CgroupVersion::V2 => keyed(&d.join("cgroup.events"), "frozen") == Some(1),
            };
            if done || Instant::now() > deadline {
                return done;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Kills every process in the cgroup except `spare` with SIGKILL, freezing the cgroup while the
    /// list is taken so that nothing can fork in between (this is what stops fork bombs).
    /// Returns whether only `spare` (or nothing) is left.
    pub fn kill_all(&self, spare: Option<i32>) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        if spare.is_none() && self.version == CgroupVersion::V2 {
            // v2 kills the whole tree in one write (Linux 5.14 on; else the loop below).
            if let Some(d) = self.dir("") {
                let _ = fs::write(d.join("cgroup.kill"), "1");
            }
        }
        loop {
            let left: Vec<i32> = self
                .pids()
                .into_iter()
                .filter(|p| Some(*p) != spare)
                .collect();
            if left.is_empty() {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            // Thaw whether or not the freeze completed: a cgroup left FREEZING or FROZEN keeps
            // its tasks from ever receiving the SIGKILL (a task in uninterruptible sleep on a
            // loaded machine can make freezing take longer than we wait for it).
            self.set_frozen(true);
            self.signal_all(libc::SIGKILL, spare);
            self.set_frozen(false);
            // Killed tasks leave the cgroup once they have exited.
            std::thread::sleep(Duration::from_micros(500));
        }
    }

    /// Kills what is left and removes the cgroup directories.
    pub fn remove(&mut self) -> io::Result<()> {
        if self.removed {
            return Ok(());
        }
        // An empty cgroup (the usual case: the shim reaped the whole run) goes at once; a
        // populated one refuses (EBUSY), and is emptied first.
        if self.dirs.iter().all(|(_, d)| {
            fs::remove_dir(d).is_ok()
                || fs::metadata(d).is_err_and(|e| e.kind() == io::ErrorKind::NotFound)
        }) {
            self.removed = true;
            return Ok(());
        }
        self.kill_all(None);
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut result = Ok(());
        for (_, d) in &self.dirs {
            loop {
                match fs::remove_dir(d) {
                    Ok(()) => break,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => break,
                    Err(e) if Instant::now() > deadline => {
                        result = Err(e);
                        break;
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(1)),
                }
            }
        }
        self.removed = true;
        result
    }

    /// A handle on the same cgroup that can signal and kill its members but never removes it
    /// (for [`crate::interrupt`], which reaches runs from another thread).
    pub fn handle(&self) -> RunCgroup {
        RunCgroup {
            version: self.version,
            dirs: self.dirs.clone(),
            removed: true,
            cpu_base: self.cpu_base,
            v2_controllers: self.v2_controllers.clone(),
        }
    }

    /// Removes the (empty) cgroup directories now, once, ignoring failures: for a harness that
    /// exits at once and will not wait for its runs to end.
    pub fn remove_dirs_now(&self) {
        for (_, d) in &self.dirs {
            let _ = fs::remove_dir(d);
        }
    }

    /// Names the version of this cgroup the way records do.
    pub fn mechanism_name(&self) -> &'static str {
        match self.version {
            CgroupVersion::V1 => "cgroup-v1",
            CgroupVersion::V2 => "cgroup-v2",
        }
    }
}

impl Drop for RunCgroup {
    fn drop(&mut self) {
        if let Err(e) = self.remove() {
            tracing::warn!("could not remove run cgroup {:?}: {e}", self.dirs);
        }
    }
}

/// A controller name (empty for v2) and a cgroup directory.
type ControllerDir = (String, PathBuf);

/// Parses a run cgroup name into (harness pid, harness start time).
fn parse_name(name: &str) -> Option<(i32, u64)> {
    let mut it = name.strip_prefix("misc-")?.split('-');
    let pid = it.next()?.parse().ok()?;
    let start = it.next()?.parse().ok()?;
    it.next()?.parse::<u64>().ok()?;
    Some((pid, start))
}

/// Kills and removes run cgroups left behind by a harness that is no longer alive (for example
/// one that was killed with SIGKILL in the middle of a round). Looks in this process's own cgroup
/// and in the root of every hierarchy. Returns the names of the cgroups cleaned up.
pub fn cleanup_stale() -> io::Result<Vec<String>> {
    let l = layout();
    let mut by_name: Vec<(String, CgroupVersion, Vec<ControllerDir>)> = Vec::new();
    let mut scan = |version: CgroupVersion, m: &Mount| {
        for parent in [&m.own_dir, &m.mount_point] {
            let Ok(entries) = fs::read_dir(parent) else {
                continue;
            };
            for e in entries.flatten() {
                let Some(name) = e.file_name().to_str().map(str::to_owned) else {
                    continue;
                };
                let Some((pid, start)) = parse_name(&name) else {
                    continue;
                };
                if procfs::alive_with_start(pid, start) {
                    continue;
                }
                let path = e.path();
                let slot = match by_name
                    .iter_mut()
                    .find(|(n, v, _)| *n == name && *v == version)
                {
                    Some(slot) => slot,
                    None => {
                        by_name.push((name.clone(), version, Vec::new()));
                        let last = by_name.len() - 1;
                        &mut by_name[last]
                    }
                };
                if !slot.2.iter().any(|(_, d)| *d == path) {
                    slot.2.push((m.controller.clone(), path));
                }
            }
        }
    };
    for m in &l.v1 {
        scan(CgroupVersion::V1, m);
    }
    if let Some(m) = &l.v2 {
        scan(CgroupVersion::V2, m);
    }
    let mut cleaned = Vec::new();
    let mut first_err = None;
    for (name, version, dirs) in by_name {
        let mut cg = RunCgroup {
            version,
            dirs,
            removed: false,
            cpu_base: CpuTimes::default(),
            v2_controllers: Vec::new(),
        };
        match cg.remove() {
            Ok(()) => cleaned.push(name),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    match first_err {
        Some(e) if cleaned.is_empty() => Err(e),
        _ => Ok(cleaned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
30 23 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
35 30 0:31 /outer /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer
";
    const OWN: &str = "\
4:memory:/process_api/abc
3:freezer:/outer/inner
2:cpu,cpuacct:/
0::/user.slice
";

    #[test]
    fn layout_follows_own_cgroup_and_mount_root() {
        let l = parse_layout(MOUNTINFO, OWN);
        let mem = l.v1_controller("memory").expect("memory");
        assert_eq!(
            mem.own_dir,
            Path::new("/sys/fs/cgroup/memory/process_api/abc")
        );
        let cpu = l.v1_controller("cpuacct").expect("cpuacct");
        assert_eq!(cpu.own_dir, Path::new("/sys/fs/cgroup/cpu,cpuacct"));
        let fr = l.v1_controller("freezer").expect("freezer");
        assert_eq!(fr.own_dir, Path::new("/sys/fs/cgroup/freezer/inner"));
        assert!(l.v1_controller("pids").is_none());
        let v2 = l.v2.expect("v2");
        assert_eq!(v2.own_dir, Path::new("/sys/fs/cgroup/unified/user.slice"));
    }

    /// A fresh cgroup in this machine's cgroup2 hierarchy (skipping without one, unless
    /// MISC_REQUIRE_TOOLS is set).
    fn v2_test_dir(name: &str) -> Option<PathBuf> {
        let mountinfo = fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let mount = mountinfo.lines().find_map(|l| {
            let (left, right) = l.split_once(" - ")?;
            (right.split(' ').next() == Some("cgroup2")).then(|| left.split(' ').nth(4))?
        });
        let Some(mount) = mount else {
            misc_testkit::skip("no cgroup2 hierarchy mounted (mount -t cgroup2 none DIR)");
            return None;
        };
        let dir = Path::new(mount).join(format!("misc-unit-{name}-{}", std::process::id()));
        match fs::create_dir(&dir) {
            Ok(()) => Some(dir),
            Err(e) => {
                misc_testkit::skip(format!("cannot create {}: {e}", dir.display()));
                None
            }
        }
    }

    /// The v2 core files alone (no controller): members, CPU time, freeze and thaw, kill.
    #[test]
    fn v2_core_files_measure_freeze_and_kill() {
        let Some(dir) = v2_test_dir("core") else {
            return;
        };
        let mut cg = RunCgroup {
            version: CgroupVersion::V2,
            dirs: vec![(String::new(), dir.clone())],
            removed: false,
            cpu_base: CpuTimes::default(),
            v2_controllers: Vec::new(),
        };
        assert!(!cg.has_memory());
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .expect("sh");
        let pid = child.id() as i32;
        fs::write(dir.join("cgroup.procs"), pid.to_string()).expect("join");
        assert_eq!(cg.pids(), vec![pid]);
        cg.start(CgroupLimits {
            memory: None,
            pids: None,
        })
        .expect("start");
        // CPU time grows while it spins (on a loaded machine, slowly: wait for 20 ms of it).
        let grows = |from: f64| {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if cg.cpu().expect("cpu.stat").total > from + 0.02 {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            false
        };
        assert!(grows(0.0), "no CPU time counted");
        // Frozen: no CPU time goes by.
        assert!(cg.set_frozen(true), "freeze");
        let a = cg.cpu().expect("cpu.stat").total;
        std::thread::sleep(Duration::from_millis(300));
        let b = cg.cpu().expect("cpu.stat").total;
        assert!(b - a < 0.002, "frozen, yet {a} -> {b}");
        assert!(cg.set_frozen(false), "thaw");
        assert!(grows(b), "thawed, yet no CPU time counted");
        // The rss of the members, from /proc.
        let (memory, processes) = cg.polled_usage(0, procfs::page_size());
        assert!(memory > 0 && processes == 1, "{memory} {processes}");
        assert!(cg.kill_all(None), "kill");
        let status = child.wait().expect("wait");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        cg.remove().expect("remove");
        assert!(!dir.exists());
    }

    #[test]
    fn names_round_trip() {
        assert_eq!(parse_name("misc-12-345-6"), Some((12, 345)));
        assert_eq!(parse_name("misc-12-345"), None);
        assert_eq!(parse_name("other-1-2-3"), None);
    }
}
