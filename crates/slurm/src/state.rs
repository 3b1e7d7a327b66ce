//! The state file `results/slurm/state.json`: which arrays were submitted for the round, their
//! chunk folders and, once collected, how each task ended. It lets a second `misc run` attach to
//! an array that is still running (or collect one that ended while nobody waited) instead of
//! submitting the same runs again.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::parse::TaskState;
use crate::SlurmError;

/// The state file's format version.
pub const STATE_VERSION: u32 = 1;

/// Everything submitted for a round.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SlurmState {
    /// The format version ([`STATE_VERSION`] when written by this misc).
    pub version: u32,
    /// Every submission for the round, in submission order.
    pub submissions: Vec<Submission>,
}

/// One `sbatch --array` submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// 0, 1, 2, ... in submission order; the chunk folder is `chunks/SEQ/`.
    pub seq: u32,
    /// The array's job id.
    pub job_id: String,
    /// Unix seconds.
    pub submitted_at: f64,
    /// The number of array tasks (one chunk file each).
    pub tasks: usize,
    /// The number of planned runs over all its chunks.
    pub runs: usize,
    /// `--cpus-per-task`: runs at once in a task.
    pub cpus_per_task: usize,
    /// `--partition` (`None`: the cluster's default partition).
    pub partition: Option<String>,
    /// The chunk files: `chunk_dir/TASK.json`.
    pub chunk_dir: PathBuf,
    /// The batch script as submitted.
    pub script: PathBuf,
    /// Filled when the array has ended and its records were collected: each task's final state.
    #[serde(default)]
    pub collected: Option<BTreeMap<usize, TaskState>>,
}

impl SlurmState {
    /// The state file in the round's Slurm folder.
    pub fn path(slurm_dir: &Path) -> PathBuf {
        slurm_dir.join("state.json")
    }

    /// Reads the state file (an empty state if there is none).
    pub fn load(slurm_dir: &Path) -> Result<SlurmState, SlurmError> {
        let path = Self::path(slurm_dir);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let s: SlurmState =
                    serde_json::from_slice(&bytes).map_err(|e| SlurmError::State {
                        path: path.clone(),
                        message: e.to_string(),
                    })?;
                if s.version != STATE_VERSION {
                    return Err(SlurmError::State {
                        path,
                        message: format!("version {} (this misc knows {STATE_VERSION})", s.version),
                    });
                }
                Ok(s)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SlurmState {
                version: STATE_VERSION,
                submissions: Vec::new(),
            }),
            Err(source) => Err(SlurmError::Io { path, source }),
        }
    }

    /// Writes the state file atomically (temporary file, fsync, rename).
    pub fn save(&self, slurm_dir: &Path) -> Result<(), SlurmError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| SlurmError::Io { path, source }
        };
        std::fs::create_dir_all(slurm_dir).map_err(io(slurm_dir))?;
        let path = Self::path(slurm_dir);
        let tmp = slurm_dir.join(".state.json.tmp");
        let text = serde_json::to_vec_pretty(self).map_err(|e| SlurmError::State {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(&text).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        Ok(())
    }

    /// The submissions not collected yet (their arrays may still run).
    pub fn active(&self) -> impl Iterator<Item = &Submission> {
        self.submissions.iter().filter(|s| s.collected.is_none())
    }

    /// The sequence number of the next submission.
    pub fn next_seq(&self) -> u32 {
        self.submissions
            .iter()
            .map(|s| s.seq + 1)
            .max()
            .unwrap_or(0)
    }

    /// The submission with this job id.
    pub fn get_mut(&mut self, job_id: &str) -> Option<&mut Submission> {
        self.submissions.iter_mut().find(|s| s.job_id == job_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_active() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SlurmState::load(dir.path()).unwrap();
        assert!(s.submissions.is_empty());
        assert_eq!(s.next_seq(), 0);
        s.submissions.push(Submission {
            seq: 0,
            job_id: "12".into(),
            submitted_at: 1.5,
            tasks: 2,
            runs: 10,
            cpus_per_task: 1,
            partition: None,
            chunk_dir: "chunks/0".into(),
            script: "array-0.sh".into(),
            collected: None,
        });
        s.save(dir.path()).unwrap();
        let mut t = SlurmState::load(dir.path()).unwrap();
        assert_eq!(t, s);
        assert_eq!(t.active().count(), 1);
        assert_eq!(t.next_seq(), 1);
        let mut m = BTreeMap::new();
        m.insert(0, TaskState::Completed);
        m.insert(
            1,
            TaskState::Killed {
                kind: crate::KillKind::Timeout,
                state: "TIMEOUT".into(),
                reason: "TimeLimit".into(),
            },
        );
        t.get_mut("12").unwrap().collected = Some(m);
        t.save(dir.path()).unwrap();
        let u = SlurmState::load(dir.path()).unwrap();
        assert_eq!(u.active().count(), 0);
        assert_eq!(u, t);
        std::fs::write(SlurmState::path(dir.path()), "{").unwrap();
        assert!(SlurmState::load(dir.path()).is_err());
    }
}
