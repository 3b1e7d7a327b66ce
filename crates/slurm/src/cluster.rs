//! Talking to the cluster: submit an array, read its tasks' states, cancel it.

use std::path::Path;

use crate::commands::{CmdOutput, Commands, SystemCommands};
use crate::parse::{classify, parse_sbatch_parsable, parse_scontrol_jobs, parse_squeue, TaskState};
use crate::SlurmError;

/// One task's state with what the controller knows of its end.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskStatus {
    /// The array task id (`SLURM_ARRAY_TASK_ID`), the number of its chunk file.
    pub task: usize,
    /// What the queue or the controller says of it, classified.
    pub state: TaskState,
    /// When it ended (Unix seconds), for a task that ended.
    pub end_time: Option<f64>,
    /// Where it ran or runs.
    pub node: String,
}

/// Counts of task states, for progress lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TaskCounts {
    /// Tasks waiting in the queue.
    pub pending: usize,
    /// Tasks started and not yet ended.
    pub running: usize,
    /// Tasks whose worker ran its chunk and exited 0.
    pub completed: usize,
    /// Tasks Slurm ended (time or memory limit, node failure, preemption, cancel).
    pub killed: usize,
    /// Tasks whose worker exited non-zero or died of a signal.
    pub failed: usize,
    /// Tasks neither the queue nor the controller knows any more.
    pub unknown: usize,
}

impl TaskCounts {
    /// Counts `tasks` by state.
    pub fn of(tasks: &[TaskStatus]) -> TaskCounts {
        let mut c = TaskCounts::default();
        for t in tasks {
            match t.state {
                TaskState::Pending { .. } => c.pending += 1,
                TaskState::Running => c.running += 1,
                TaskState::Completed => c.completed += 1,
                TaskState::Killed { .. } => c.killed += 1,
                TaskState::WorkerFailed { .. } => c.failed += 1,
                TaskState::Unknown => c.unknown += 1,
            }
        }
        c
    }

    /// Whether every task has ended.
    pub fn all_final(&self) -> bool {
        self.pending == 0 && self.running == 0
    }
}

impl std::fmt::Display for TaskCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "tasks: {} pending, {} running, {} done",
            self.pending, self.running, self.completed
        )?;
        if self.killed > 0 {
            write!(f, ", {} killed by Slurm", self.killed)?;
        }
        if self.failed > 0 {
            write!(f, ", {} failed", self.failed)?;
        }
        if self.unknown > 0 {
            write!(f, ", {} unknown", self.unknown)?;
        }
        Ok(())
    }
}

/// The Slurm client commands of one cluster (the one `SLURM_CONF` or the default configuration
/// names).
pub struct Cluster<C: Commands = SystemCommands> {
    cmds: C,
    /// Guard for task-id ranges in the parsers.
    pub max_tasks: usize,
}

impl Default for Cluster<SystemCommands> {
    fn default() -> Self {
        Cluster::new(SystemCommands::default())
    }
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn failed(program: &str, out: &CmdOutput) -> SlurmError {
    let msg = if out.stderr.trim().is_empty() {
        out.stdout.trim()
    } else {
        out.stderr.trim()
    };
    SlurmError::Command {
        program: program.to_string(),
        code: out.code,
        message: msg.to_string(),
    }
}

impl<C: Commands> Cluster<C> {
    /// The cluster reached through `cmds` (task ranges guarded at a million tasks).
    pub fn new(cmds: C) -> Cluster<C> {
        Cluster {
            cmds,
            max_tasks: 1_000_000,
        }
    }

    /// Whether the cluster answers (`sinfo`), with the controller's message if not.
    pub fn check(&self) -> Result<(), SlurmError> {
        let out = self.cmds.run("sinfo", &args(&["-h", "-o", "%P %a"]))?;
        if out.success() {
            Ok(())
        } else {
            Err(failed("sinfo", &out))
        }
    }

    /// The number of CPUs of a partition (or of the default partitions): `sinfo -h -o %C`
    /// prints `allocated/idle/other/total` per partition.
    pub fn partition_cpus(&self, partition: Option<&str>) -> Result<usize, SlurmError> {
        let mut a = args(&["-h", "-o", "%C"]);
        if let Some(p) = partition {
            a.push("-p".into());
            a.push(p.into());
        }
        let out = self.cmds.run("sinfo", &a)?;
        if !out.success() {
            return Err(failed("sinfo", &out));
        }
        Ok(out
            .stdout
            .lines()
            .filter_map(|l| l.trim().rsplit('/').next()?.parse::<usize>().ok())
            .sum())
    }

    /// `sbatch --parsable SCRIPT`: the array's job id.
    pub fn submit(&self, script: &Path) -> Result<String, SlurmError> {
        let a = vec!["--parsable".to_string(), script.display().to_string()];
        let out = self.cmds.run("sbatch", &a)?;
        if !out.success() {
            return Err(failed("sbatch", &out));
        }
        parse_sbatch_parsable(&out.stdout).ok_or_else(|| SlurmError::Command {
            program: "sbatch".into(),
            code: out.code,
            message: format!("no job id in its output: {:?}", out.stdout.trim()),
        })
    }

    /// The state of each task `0..tasks` of array `job_id`, from `scontrol show job -o JOBID`
    /// (pending, running and, for `MinJobAge` after they end, finished tasks with state, reason
    /// and exit code; no accounting database needed). When the controller has forgotten the
    /// array, `squeue` is asked too; tasks neither knows are [`TaskState::Unknown`].
    pub fn task_states(&self, job_id: &str, tasks: usize) -> Result<Vec<TaskStatus>, SlurmError> {
        let mut states: Vec<TaskStatus> = (0..tasks)
            .map(|task| TaskStatus {
                task,
                state: TaskState::Unknown,
                end_time: None,
                node: String::new(),
            })
            .collect();
        let out = self
            .cmds
            .run("scontrol", &args(&["show", "job", "-o", job_id]))?;
        if out.success() {
            for line in parse_scontrol_jobs(&out.stdout, self.max_tasks) {
                let is_ours = line.array_job_id.as_deref() == Some(job_id)
                    || (line.array_job_id.is_none() && line.job_id == job_id);
                if !is_ours {
                    continue;
                }
                let state = classify(&line.state, &line.reason, line.exit_code, line.exit_signal);
                for t in line.tasks.clone().unwrap_or_else(|| vec![0]) {
                    if let Some(s) = states.get_mut(t) {
                        s.state = state.clone();
                        s.end_time = if state.is_final() {
                            line.end_time
                        } else {
                            None
                        };
                        s.node = line.node_list.clone();
                    }
                }
            }
            return Ok(states);
        }
        if !out.stderr.contains("Invalid job id") {
            return Err(failed("scontrol", &out));
        }
        // Forgotten by the controller: anything still queued shows in squeue.
        let out = self.cmds.run(
            "squeue",
            &args(&["-h", "-r", "-j", job_id, "-o", "%i %T %r"]),
        )?;
        if out.success() {
            for line in parse_squeue(&out.stdout, self.max_tasks) {
                if line.job_id != job_id {
                    continue;
                }
                let state = classify(&line.state, &line.reason, 0, 0);
                for t in line.tasks.unwrap_or_else(|| vec![0]) {
                    if let Some(s) = states.get_mut(t) {
                        s.state = state.clone();
                    }
                }
            }
        }
        Ok(states)
    }

    /// `scancel JOBID` (every task of the array). Cancelling an array that has ended is not an
    /// error.
    pub fn cancel(&self, job_id: &str) -> Result<(), SlurmError> {
        let out = self.cmds.run("scancel", &args(&[job_id]))?;
        if out.success()
            || out.stderr.contains("completed")
            || out.stderr.contains("Invalid job id")
        {
            Ok(())
        } else {
            Err(failed("scancel", &out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Replays canned outputs by program name and records the calls.
    struct Fake {
        answers: Vec<(&'static str, CmdOutput)>,
        calls: Mutex<Vec<String>>,
    }

    impl Commands for Fake {
        fn run(&self, program: &str, args: &[String]) -> Result<CmdOutput, SlurmError> {
            if let Ok(mut c) = self.calls.lock() {
                c.push(format!("{program} {}", args.join(" ")));
            }
            Ok(self
                .answers
                .iter()
                .find(|(p, _)| *p == program)
                .map(|(_, o)| o.clone())
                .unwrap_or_else(|| CmdOutput::err(127, "not faked")))
        }
    }

    fn fake(answers: Vec<(&'static str, CmdOutput)>) -> Cluster<Fake> {
        Cluster::new(Fake {
            answers,
            calls: Mutex::new(Vec::new()),
        })
    }

    #[test]
    fn submit_parses_the_job_id_and_reports_sbatch_errors() {
        let c = fake(vec![("sbatch", CmdOutput::ok("123\n"))]);
        assert_eq!(c.submit(Path::new("/x/a.sh")).unwrap(), "123");
        assert_eq!(c.cmds.calls.lock().unwrap()[0], "sbatch --parsable /x/a.sh");
        let c = fake(vec![(
            "sbatch",
            CmdOutput::err(1, "sbatch: error: invalid partition specified: nope\n"),
        )]);
        let e = c.submit(Path::new("a.sh")).unwrap_err().to_string();
        assert!(e.contains("invalid partition"), "{e}");
    }

    #[test]
    fn task_states_from_scontrol() {
        // Captured (Slurm 22.05.8, SLURM_TIME_FORMAT=%s, fields trimmed): a 6-task array with a
        // throttle of 2 mid-way.
        let out = "JobId=30 ArrayJobId=30 ArrayTaskId=4-5%2 JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0 EndTime=Unknown NodeList=\n\
JobId=34 ArrayJobId=30 ArrayTaskId=3 JobState=RUNNING Reason=None ExitCode=0:0 EndTime=1795716000 NodeList=vm\n\
JobId=33 ArrayJobId=30 ArrayTaskId=2 JobState=OUT_OF_MEMORY Reason=OutOfMemory ExitCode=0:125 EndTime=1795715990 NodeList=vm\n\
JobId=32 ArrayJobId=30 ArrayTaskId=1 JobState=FAILED Reason=NonZeroExitCode ExitCode=1:0 EndTime=1795715980 NodeList=vm\n\
JobId=31 ArrayJobId=30 ArrayTaskId=0 JobState=COMPLETED Reason=None ExitCode=0:0 EndTime=1795715970 NodeList=vm\n";
        let c = fake(vec![("scontrol", CmdOutput::ok(out))]);
        let t = c.task_states("30", 7).unwrap();
        assert_eq!(t[0].state, TaskState::Completed);
        assert_eq!(t[0].end_time, Some(1795715970.0));
        assert_eq!(t[1].state, TaskState::WorkerFailed { code: 1, signal: 0 });
        assert!(matches!(
            t[2].state,
            TaskState::Killed {
                kind: crate::KillKind::OutOfMemory,
                ..
            }
        ));
        assert_eq!(t[3].state, TaskState::Running);
        assert_eq!(t[3].end_time, None);
        assert!(matches!(t[4].state, TaskState::Pending { .. }));
        assert!(matches!(t[5].state, TaskState::Pending { .. }));
        assert_eq!(t[6].state, TaskState::Unknown);
        let n = TaskCounts::of(&t);
        assert_eq!(
            (
                n.pending,
                n.running,
                n.completed,
                n.killed,
                n.failed,
                n.unknown
            ),
            (2, 1, 1, 1, 1, 1)
        );
        assert!(!n.all_final());
        assert_eq!(
            n.to_string(),
            "tasks: 2 pending, 1 running, 1 done, 1 killed by Slurm, 1 failed, 1 unknown"
        );
    }

    #[test]
    fn forgotten_array_falls_back_to_squeue() {
        let c = fake(vec![
            (
                "scontrol",
                CmdOutput::err(1, "slurm_load_jobs error: Invalid job id specified\n"),
            ),
            ("squeue", CmdOutput::ok("")),
        ]);
        let t = c.task_states("99", 2).unwrap();
        assert!(t.iter().all(|t| t.state == TaskState::Unknown));
        let c = fake(vec![(
            "scontrol",
            CmdOutput::err(1, "Unable to contact slurm controller\n"),
        )]);
        assert!(c.task_states("99", 2).is_err());
    }

    #[test]
    fn cancel_and_cpus() {
        let c = fake(vec![
            ("scancel", CmdOutput::err(1, "scancel: error: Kill job error on job id 5: Job/step already completing or completed\n")),
            ("sinfo", CmdOutput::ok("0/2/0/2\n4/60/0/64\n")),
        ]);
        assert!(c.cancel("5").is_ok());
        assert_eq!(c.partition_cpus(Some("p")).unwrap(), 66);
        assert!(c.check().is_ok());
        let c = fake(vec![(
            "scancel",
            CmdOutput::err(1, "scancel: error: Access/permission denied\n"),
        )]);
        assert!(c.cancel("5").is_err());
    }
}
