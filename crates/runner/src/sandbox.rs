//! The per-run directory: a private working directory, a private `TMPDIR`, the input (read-only
//! once sealed) and the place the solver writes its answer.

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::RunnerError;

/// A private directory tree for one run, removed when dropped:
///
/// ```text
/// <root>/in/problem.cudf   the input (read-only after `seal_input`)
/// <root>/out/solution.cudf where the solver writes its answer
/// <root>/work/             the solver's working directory (also HOME)
/// <root>/tmp/              TMPDIR
/// ```
#[derive(Debug)]
pub struct Sandbox {
    root: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl Sandbox {
    /// Creates a sandbox below `base` (or the system temporary directory; see also
    /// [`Sandbox::default_base`]).
    pub fn create(base: Option<&Path>) -> Result<Sandbox, RunnerError> {
        let mut b = tempfile::Builder::new();
        b.prefix("misc-run-");
        let root = match base {
            Some(base) => b.tempdir_in(base),
            None => b.tempdir(),
        }
        .map_err(|e| RunnerError::io("creating the sandbox", e))?;
        let path = root.path().to_path_buf();
        for sub in ["in", "out", "work", "tmp"] {
            fs::create_dir(path.join(sub))
                .map_err(|e| RunnerError::io("creating the sandbox", e))?;
        }
        // Only the owner (and the solver it runs) may look inside.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o700))
            .map_err(|e| RunnerError::io("creating the sandbox", e))?;
        Ok(Sandbox {
            root: Some(root),
            path,
        })
    }

    /// A good default place for sandboxes: `/dev/shm` (tmpfs) when it is a writable directory,
    /// else the system temporary directory. On tmpfs, creating and removing a sandbox takes
    /// microseconds rather than the milliseconds a busy disk file system may take, and what a
    /// solver writes there is charged to its memory cgroup (as in BenchExec's containers).
    pub fn default_base() -> PathBuf {
        let shm = Path::new("/dev/shm");
        let writable = nix::unistd::access(
            shm,
            nix::unistd::AccessFlags::W_OK | nix::unistd::AccessFlags::X_OK,
        )
        .is_ok();
        if shm.is_dir() && writable {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        }
    }

    /// The sandbox's root directory.
    pub fn root(&self) -> &Path {
        &self.path
    }

    /// The directory holding the input.
    pub fn input_dir(&self) -> PathBuf {
        self.path.join("in")
    }

    /// Where the problem goes (CUDFIN).
    pub fn input_path(&self) -> PathBuf {
        self.path.join("in").join("problem.cudf")
    }

    /// Where the solver must write its answer (CUDFOUT).
    pub fn output_path(&self) -> PathBuf {
        self.path.join("out").join("solution.cudf")
    }

    /// The solver's private temporary directory (`TMPDIR`).
    pub fn tmp_dir(&self) -> PathBuf {
        self.path.join("tmp")
    }

    /// The solver's working directory (also `HOME`).
    pub fn work_dir(&self) -> PathBuf {
        self.path.join("work")
    }

    /// Makes the input read-only (file mode 0444, directory 0555). For a solver running as root,
    /// file modes are not a barrier; the runner then also mounts the input directory read-only
    /// when it can (see [`crate::Isolation`]).
    pub fn seal_input(&self) -> Result<(), RunnerError> {
        let input = self.input_path();
        if input.exists() {
            fs::set_permissions(&input, fs::Permissions::from_mode(0o444))
                .map_err(|e| RunnerError::io("sealing the input", e))?;
        }
        fs::set_permissions(self.input_dir(), fs::Permissions::from_mode(0o555))
            .map_err(|e| RunnerError::io("sealing the input", e))
    }

    /// The clean environment a solver starts with: `PATH`, `HOME`, `TMPDIR`, `LANG`.
    pub fn env(&self) -> Vec<(OsString, OsString)> {
        vec![
            ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
            ("HOME".into(), self.work_dir().into_os_string()),
            ("TMPDIR".into(), self.tmp_dir().into_os_string()),
            ("LANG".into(), "C".into()),
        ]
    }

    /// Removes the sandbox now, reporting errors (dropping it removes it too, silently).
    pub fn remove(mut self) -> Result<(), RunnerError> {
        self.remove_inner()
    }

    fn remove_inner(&mut self) -> Result<(), RunnerError> {
        let Some(root) = self.root.take() else {
            return Ok(());
        };
        let path = root.keep();
        if fs::remove_dir_all(&path).is_ok() {
            return Ok(());
        }
        // A solver may have left directories without write or search permission.
        make_removable(&path);
        fs::remove_dir_all(&path).map_err(|e| RunnerError::io("removing the sandbox", e))
    }
}

fn make_removable(dir: &Path) {
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                make_removable(&e.path());
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Err(e) = self.remove_inner() {
            tracing::warn!("{e}");
        }
    }
}
