//! Running the Slurm client commands (`sbatch`, `squeue`, `scontrol`, `scancel`, `sinfo`),
//! behind a trait so that tests can replay captured outputs.

use std::process::{Command, Stdio};

use crate::SlurmError;

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CmdOutput {
    /// The exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Everything the command wrote on stdout (lossy UTF-8).
    pub stdout: String,
    /// Everything the command wrote on stderr (lossy UTF-8).
    pub stderr: String,
}

impl CmdOutput {
    /// Exit code 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// A successful output (for fakes).
    pub fn ok(stdout: impl Into<String>) -> CmdOutput {
        CmdOutput {
            code: Some(0),
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    /// A failed output (for fakes).
    pub fn err(code: i32, stderr: impl Into<String>) -> CmdOutput {
        CmdOutput {
            code: Some(code),
            stdout: String::new(),
            stderr: stderr.into(),
        }
    }
}

/// Runs one client command with its arguments. Implementations: [`SystemCommands`] (the real
/// programs), and fakes in tests.
pub trait Commands: Send + Sync {
    /// Runs `program args...` and waits for it. An error only when it could not be started;
    /// a non-zero exit is an `Ok` output (the caller decides what it means).
    fn run(&self, program: &str, args: &[String]) -> Result<CmdOutput, SlurmError>;
}

/// The real Slurm client programs, found on `PATH` (or in `bin_dir`). `SLURM_TIME_FORMAT=%s` is
/// set so that times print as Unix seconds.
#[derive(Debug, Clone, Default)]
pub struct SystemCommands {
    /// Where the client programs are (default: `PATH`).
    pub bin_dir: Option<std::path::PathBuf>,
}

impl Commands for SystemCommands {
    fn run(&self, program: &str, args: &[String]) -> Result<CmdOutput, SlurmError> {
        let path = match &self.bin_dir {
            Some(d) => d.join(program),
            None => program.into(),
        };
        let out = Command::new(&path)
            .args(args)
            .env("SLURM_TIME_FORMAT", "%s")
            .stdin(Stdio::null())
            .output()
            .map_err(|source| SlurmError::Spawn {
                program: program.to_string(),
                source,
            })?;
        Ok(CmdOutput {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}
