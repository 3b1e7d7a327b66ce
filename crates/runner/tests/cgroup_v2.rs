//! The cgroup v2 path, on any machine that has a cgroup2 hierarchy: this one binds its
//! controllers to v1 and has the core v2 files only (`cgroup.procs`, `cgroup.kill`,
//! `cgroup.freeze`, `cpu.stat`), which is what the runner needs once pointed at it with
//! `MISC_CGROUP_V2_ROOT`. Whole-tree kill (a double-forked daemon, a fork bomb: the freeze is
//! what stops it), CPU time from `cpu.stat`, memory from the v1 memory cgroup (or the v2
//! controller, or /proc), and the memory limit. Uses an existing cgroup2 mount, else mounts
//! one (`mount -t cgroup2 none DIR`, root); skips without either, unless MISC_REQUIRE_TOOLS
//! is set.
//!
//! The runner reads the variable once, so this file holds one test.

mod common;

use std::path::PathBuf;

use common::HostileRun;
use misc_runner::{MechanismChoice, Termination};

/// A fresh directory in a cgroup2 hierarchy for this test's run cgroups, and the mount made
/// for it (if one had to be).
fn v2_root() -> Option<(PathBuf, Option<tempfile::TempDir>)> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let existing = mountinfo.lines().find_map(|l| {
        let (left, right) = l.split_once(" - ")?;
        (right.split(' ').next() == Some("cgroup2")).then(|| left.split(' ').nth(4))?
    });
    let (mount, made) = match existing {
        Some(m) => (PathBuf::from(m), None),
        None => {
            let dir = tempfile::tempdir().ok()?;
            let ok = std::process::Command::new("mount")
                .args(["-t", "cgroup2", "none"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return None;
            }
            (dir.path().to_path_buf(), Some(dir))
        }
    };
    let root = mount.join(format!("misc-v2-test-{}", std::process::id()));
    std::fs::create_dir(&root).ok()?;
    Some((root, made))
}

#[test]
fn runs_on_a_v2_hierarchy_without_controllers() {
    let Some((root, made)) = v2_root() else {
        misc_testkit::skip("no cgroup2 hierarchy, and cannot mount one (needs root)");
        return;
    };
    std::env::set_var("MISC_CGROUP_V2_ROOT", &root);
    let v2 = MechanismChoice::CgroupV2;

    // CPU time from cpu.stat.
    let mut r = HostileRun::new("busy", &["0.3"], v2);
    r.spec.limits = common::limits(10.0, 60.0);
    let m = r.run();
    assert_eq!(m.measured_by, "cgroup-v2", "{}", m.detail);
    assert_eq!(m.termination, Termination::Exited, "{}", m.detail);
    assert!(m.cpu_time >= 0.3 && m.cpu_time < 0.45, "cpu {}", m.cpu_time);
    r.assert_no_survivors();

    // A daemon in a session of its own is killed with the run.
    let r = HostileRun::new("daemon", &[], v2);
    let m = r.run();
    assert_eq!(m.measured_by, "cgroup-v2");
    r.assert_no_survivors();

    // A fork bomb under a CPU limit: frozen, killed whole.
    let mut r = HostileRun::new("fork-bomb", &[], v2);
    r.spec.limits = common::limits(1.0, 5.0);
    r.spec.max_processes = 200;
    let m = r.run();
    assert_eq!(m.measured_by, "cgroup-v2");
    assert_ne!(m.termination, Termination::Exited, "{}", m.detail);
    r.assert_no_survivors();

    // Memory: measured and limited (v1 memory cgroup here, else the v2 controller or /proc).
    let mut r = HostileRun::new("allocate", &[], v2);
    r.spec.limits = common::limits(10.0, 30.0);
    r.spec.limits.memory = 128 << 20;
    let m = r.run();
    assert_eq!(m.measured_by, "cgroup-v2");
    assert_eq!(m.termination, Termination::MemoryLimit, "{}", m.detail);
    assert!(m.memory >= 100 << 20, "memory {}", m.memory);
    r.assert_no_survivors();

    // Every run cgroup is gone.
    let left: Vec<_> = std::fs::read_dir(&root)
        .expect("root")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "run cgroups left: {left:?}");
    let _ = std::fs::remove_dir(&root);
    if let Some(dir) = made {
        let _ = std::process::Command::new("umount")
            .arg(dir.path())
            .status();
    }
}
