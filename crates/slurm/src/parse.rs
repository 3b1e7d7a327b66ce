//! Pure parsers for what the Slurm client commands print, and the classification of a task's
//! final state. No IO here: everything is tested on captured outputs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The job id printed by `sbatch --parsable` (`JOBID` or `JOBID;CLUSTER`).
pub fn parse_sbatch_parsable(stdout: &str) -> Option<String> {
    let line = stdout.lines().map(str::trim).find(|l| !l.is_empty())?;
    let id = line.split(';').next()?.trim();
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_string())
}

/// Array task ids as Slurm prints them: `3`, `0-5`, `[0-5%2]`, `0,2,4-6%2`. `None` if the text
/// is not a task-id list. Ranges are capped at `max` ids (a guard against absurd input).
pub fn parse_task_ids(text: &str, max: usize) -> Option<Vec<usize>> {
    let t = text.trim().trim_start_matches('[').trim_end_matches(']');
    // The throttle (`%N`) ends the list.
    let t = t.split('%').next()?;
    if t.is_empty() {
        return None;
    }
    let mut ids = Vec::new();
    for part in t.split(',') {
        // A stepped range `a-b:s` is possible in requests; Slurm prints expanded lists, but
        // accept it.
        let (range, step) = match part.split_once(':') {
            Some((r, s)) => (r, s.parse::<usize>().ok().filter(|&s| s > 0)?),
            None => (part, 1),
        };
        match range.split_once('-') {
            Some((a, b)) => {
                let a: usize = a.trim().parse().ok()?;
                let b: usize = b.trim().parse().ok()?;
                if b < a {
                    return None;
                }
                for i in (a..=b).step_by(step) {
                    if ids.len() >= max {
                        return None;
                    }
                    ids.push(i);
                }
            }
            None => {
                if ids.len() >= max {
                    return None;
                }
                ids.push(range.trim().parse().ok()?)
            }
        }
    }
    Some(ids)
}

/// One line of `squeue -h -r -j JOBID -o '%i %T %r'`: the tasks it covers, state and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueLine {
    /// The job id (of the array, for an array task).
    pub job_id: String,
    /// The array task ids of the line (`None`: not an array element).
    pub tasks: Option<Vec<usize>>,
    /// The state as `squeue` prints it, e.g. `PENDING`, `RUNNING`.
    pub state: String,
    /// Slurm's reason for the state, e.g. `Priority` (may be empty).
    pub reason: String,
}

/// Parses `squeue -h -o '%i %T %r'` output (`-r` prints one line per task; without it pending
/// tasks are folded as `JOBID_[0-5%2]`, which is parsed too). Unparseable lines are skipped.
pub fn parse_squeue(stdout: &str, max_tasks: usize) -> Vec<QueueLine> {
    let mut out = Vec::new();
    for line in stdout.lines() {
        let mut it = line.split_whitespace();
        let (Some(id), Some(state)) = (it.next(), it.next()) else {
            continue;
        };
        let reason = it.collect::<Vec<_>>().join(" ");
        let (job_id, tasks) = match id.split_once('_') {
            Some((j, t)) => match parse_task_ids(t, max_tasks) {
                Some(ids) => (j.to_string(), Some(ids)),
                None => continue,
            },
            None => (id.to_string(), None),
        };
        out.push(QueueLine {
            job_id,
            tasks,
            state: state.to_string(),
            reason,
        });
    }
    out
}

/// The `Key=Value` fields of one `scontrol show job -o` line. Values may contain spaces (a
/// word without `=` continues the previous value).
pub fn parse_scontrol_fields(line: &str) -> BTreeMap<String, String> {
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    let mut last: Option<String> = None;
    for word in line.split_whitespace() {
        match word.split_once('=') {
            Some((k, v))
                if !k.is_empty()
                    && k.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"/:_".contains(&b)) =>
            {
                fields.insert(k.to_string(), v.to_string());
                last = Some(k.to_string());
            }
            _ => {
                if let Some(v) = last.as_ref().and_then(|k| fields.get_mut(k)) {
                    v.push(' ');
                    v.push_str(word);
                }
            }
        }
    }
    fields
}

/// What `scontrol show job -o` says about some tasks of an array (one line: one task, or the
/// pending tasks folded into a range).
#[derive(Debug, Clone, PartialEq)]
pub struct JobLine {
    /// `JobId`: the line's own job id (each array task has one).
    pub job_id: String,
    /// `ArrayJobId`: the array's job id, for an array task.
    pub array_job_id: Option<String>,
    /// The array task ids of the line (`None`: not an array job).
    pub tasks: Option<Vec<usize>>,
    /// `JobState`, e.g. `COMPLETED`, `TIMEOUT`.
    pub state: String,
    /// `Reason`, e.g. `TimeLimit` (may be `None` or empty).
    pub reason: String,
    /// `ExitCode=CODE:SIGNAL`.
    pub exit_code: i32,
    /// The signal part of `ExitCode` (0: none).
    pub exit_signal: i32,
    /// `EndTime` in Unix seconds (printed so with `SLURM_TIME_FORMAT=%s`).
    pub end_time: Option<f64>,
    /// `NodeList`: where the task ran or runs (empty while pending).
    pub node_list: String,
}

/// Parses `scontrol show job -o ID` output (one job or array task per line).
pub fn parse_scontrol_jobs(stdout: &str, max_tasks: usize) -> Vec<JobLine> {
    let mut out = Vec::new();
    for line in stdout.lines() {
        let f = parse_scontrol_fields(line);
        let Some(job_id) = f.get("JobId") else {
            continue;
        };
        let tasks = match f.get("ArrayTaskId") {
            Some(t) => match parse_task_ids(t, max_tasks) {
                Some(ids) => Some(ids),
                None => continue,
            },
            None => None,
        };
        let (code, signal) = f
            .get("ExitCode")
            .and_then(|e| e.split_once(':'))
            .map(|(c, s)| (c.parse().unwrap_or(0), s.parse().unwrap_or(0)))
            .unwrap_or((0, 0));
        out.push(JobLine {
            job_id: job_id.clone(),
            array_job_id: f.get("ArrayJobId").cloned(),
            tasks,
            state: f.get("JobState").cloned().unwrap_or_default(),
            reason: f.get("Reason").cloned().unwrap_or_default(),
            exit_code: code,
            exit_signal: signal,
            end_time: f.get("EndTime").and_then(|t| t.parse().ok()),
            node_list: f.get("NodeList").cloned().unwrap_or_default(),
        });
    }
    out
}

/// Why Slurm ended a task that did not complete by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KillKind {
    /// Its `--time` ran out (`TIMEOUT`, reason `TimeLimit`).
    Timeout,
    /// Its `--mem` was exceeded (`OUT_OF_MEMORY`).
    OutOfMemory,
    /// Its node failed or did not boot (`NODE_FAIL`, `BOOT_FAIL`).
    NodeFail,
    /// Preempted by a higher-priority job (`PREEMPTED`).
    Preempted,
    /// Cancelled (`scancel`, by the organiser or an administrator).
    Cancelled,
    /// Anything else Slurm ended (`DEADLINE`, `REVOKED`, ...).
    Other,
}

/// A task's state, as the executor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "task")]
pub enum TaskState {
    /// Waiting in the queue (reason: `Priority`, `Resources`, ...).
    Pending {
        /// Slurm's reason for the wait, as `squeue` prints it.
        reason: String,
    },
    /// Started (also configuring, completing, suspended, requeued).
    Running,
    /// The worker ran its chunk and exited 0.
    Completed,
    /// Slurm ended it: its unrecorded runs are run again (they are not the solvers' fault).
    Killed {
        /// What ended it.
        kind: KillKind,
        /// Slurm's job state, e.g. `TIMEOUT`.
        state: String,
        /// Slurm's reason, e.g. `TimeLimit` (may be empty).
        reason: String,
    },
    /// The worker itself exited non-zero or died of a signal (a harness error on that node: its
    /// unrecorded runs are run again, and the failure is reported).
    WorkerFailed {
        /// The worker's exit code (0 when a signal killed it).
        code: i32,
        /// The signal that killed it (0 when it exited).
        signal: i32,
    },
    /// Neither the queue nor the controller knows it any more (purged after `MinJobAge`).
    Unknown,
}

impl TaskState {
    /// Whether the task has ended (it will not write any more records).
    pub fn is_final(&self) -> bool {
        !matches!(self, TaskState::Pending { .. } | TaskState::Running)
    }

    /// A short label for progress lines.
    pub fn label(&self) -> &'static str {
        match self {
            TaskState::Pending { .. } => "pending",
            TaskState::Running => "running",
            TaskState::Completed => "completed",
            TaskState::Killed { .. } => "killed",
            TaskState::WorkerFailed { .. } => "failed",
            TaskState::Unknown => "unknown",
        }
    }
}

/// Classifies a Slurm job state (`JobState`, `Reason`, `ExitCode`) into a [`TaskState`].
pub fn classify(state: &str, reason: &str, exit_code: i32, exit_signal: i32) -> TaskState {
    // `squeue %T` and `scontrol JobState` use the same upper-case names; sacct-style
    // `CANCELLED by 0` is accepted too.
    let state = state
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_end_matches('+');
    let killed = |kind| TaskState::Killed {
        kind,
        state: state.to_string(),
        reason: reason.to_string(),
    };
    match state {
        "PENDING" => TaskState::Pending {
            reason: reason.to_string(),
        },
        "RUNNING" | "CONFIGURING" | "COMPLETING" | "SUSPENDED" | "REQUEUED" | "REQUEUE_HOLD"
        | "REQUEUE_FED" | "RESIZING" | "SIGNALING" | "STAGE_OUT" | "STOPPED" | "RESV_DEL_HOLD"
        | "SPECIAL_EXIT" => TaskState::Running,
        "COMPLETED" => {
            if exit_code == 0 && exit_signal == 0 {
                TaskState::Completed
            } else {
                TaskState::WorkerFailed {
                    code: exit_code,
                    signal: exit_signal,
                }
            }
        }
        "TIMEOUT" => killed(KillKind::Timeout),
        "OUT_OF_MEMORY" => killed(KillKind::OutOfMemory),
        "NODE_FAIL" | "BOOT_FAIL" => killed(KillKind::NodeFail),
        "PREEMPTED" => killed(KillKind::Preempted),
        "CANCELLED" => killed(KillKind::Cancelled),
        "FAILED" => match reason {
            // A batch script that Slurm could not even launch, or a node lost under it.
            "NodeDown" | "NodeFail" | "launch_failed_requeued_held" | "BadConstraints" => {
                killed(KillKind::NodeFail)
            }
            "OutOfMemory" => killed(KillKind::OutOfMemory),
            "TimeLimit" => killed(KillKind::Timeout),
            _ => TaskState::WorkerFailed {
                code: exit_code,
                signal: exit_signal,
            },
        },
        "" => TaskState::Unknown,
        _ => killed(KillKind::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sbatch_parsable() {
        assert_eq!(parse_sbatch_parsable("18\n"), Some("18".into()));
        assert_eq!(parse_sbatch_parsable("42;cluster\n"), Some("42".into()));
        assert_eq!(parse_sbatch_parsable("\n  77 \n"), Some("77".into()));
        assert_eq!(parse_sbatch_parsable("sbatch: error: x\n"), None);
        assert_eq!(parse_sbatch_parsable(""), None);
    }

    #[test]
    fn task_ids() {
        assert_eq!(parse_task_ids("3", 100), Some(vec![3]));
        assert_eq!(parse_task_ids("0-5%2", 100), Some(vec![0, 1, 2, 3, 4, 5]));
        assert_eq!(parse_task_ids("[2-4]", 100), Some(vec![2, 3, 4]));
        assert_eq!(parse_task_ids("0,2,4-6%2", 100), Some(vec![0, 2, 4, 5, 6]));
        assert_eq!(parse_task_ids("0-8:4", 100), Some(vec![0, 4, 8]));
        assert_eq!(parse_task_ids("5-3", 100), None);
        assert_eq!(parse_task_ids("x", 100), None);
        assert_eq!(parse_task_ids("4294967294", 100), Some(vec![4294967294]));
        assert_eq!(parse_task_ids("0-1000000", 100), None);
    }

    #[test]
    fn squeue_lines() {
        // Captured from Slurm 22.05 (`squeue -h -r -j 18 -o '%i %T %r'` and without -r).
        let out = "18_0 PENDING Priority\n18_1 RUNNING None\n18_[2-5%2] PENDING JobArrayTaskLimit\n19 RUNNING None\ngarbage\n";
        let lines = parse_squeue(out, 1000);
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].job_id, "18");
        assert_eq!(lines[0].tasks, Some(vec![0]));
        assert_eq!(lines[1].state, "RUNNING");
        assert_eq!(lines[2].tasks, Some(vec![2, 3, 4, 5]));
        assert_eq!(lines[2].reason, "JobArrayTaskLimit");
        assert_eq!(lines[3].tasks, None);
    }

    // Captured from Slurm 22.05.8 with SLURM_TIME_FORMAT=%s (shortened: fields we do not read
    // removed from the middle).
    const SCONTROL: &str = "JobId=18 ArrayJobId=18 ArrayTaskId=4-5%2 ArrayTaskThrottle=2 JobName=a.sh UserId=root(0) JobState=PENDING Reason=JobArrayTaskLimit Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:00 EndTime=Unknown NodeList= Command=/tmp/sl/a.sh WorkDir=/tmp/my dir StdErr=/tmp/sl/18_4294967294.out Power=\n\
JobId=21 ArrayJobId=18 ArrayTaskId=3 JobName=a.sh JobState=RUNNING Reason=None ExitCode=0:0 EndTime=1795715620 NodeList=vm\n\
JobId=20 ArrayJobId=18 ArrayTaskId=2 JobName=a.sh JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 EndTime=1795715600 NodeList=vm\n\
JobId=19 ArrayJobId=18 ArrayTaskId=1 JobName=a.sh JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 EndTime=1795715570 NodeList=vm\n\
JobId=18 ArrayJobId=18 ArrayTaskId=0 JobName=a.sh JobState=COMPLETED Reason=None ExitCode=0:0 EndTime=1795715565 NodeList=vm\n";

    #[test]
    fn scontrol_lines() {
        let jobs = parse_scontrol_jobs(SCONTROL, 1000);
        assert_eq!(jobs.len(), 5);
        assert_eq!(jobs[0].tasks, Some(vec![4, 5]));
        assert_eq!(jobs[0].state, "PENDING");
        assert_eq!(jobs[0].end_time, None);
        assert_eq!(jobs[1].tasks, Some(vec![3]));
        assert_eq!(jobs[1].job_id, "21");
        assert_eq!(jobs[1].array_job_id.as_deref(), Some("18"));
        assert_eq!(jobs[2].exit_signal, 15);
        assert_eq!(jobs[2].end_time, Some(1795715600.0));
        assert_eq!(jobs[3].exit_code, 3);
        assert_eq!(jobs[4].node_list, "vm");
        let f = parse_scontrol_fields(SCONTROL.lines().next().unwrap());
        assert_eq!(f["WorkDir"], "/tmp/my dir");
        assert_eq!(f["NodeList"], "");
    }

    #[test]
    fn classification() {
        assert_eq!(classify("COMPLETED", "None", 0, 0), TaskState::Completed);
        assert_eq!(
            classify("FAILED", "NonZeroExitCode", 3, 0),
            TaskState::WorkerFailed { code: 3, signal: 0 }
        );
        assert_eq!(
            classify("COMPLETED", "None", 0, 9),
            TaskState::WorkerFailed { code: 0, signal: 9 }
        );
        let kind = |s: &str, r: &str| match classify(s, r, 0, 0) {
            TaskState::Killed { kind, .. } => Some(kind),
            _ => None,
        };
        assert_eq!(kind("TIMEOUT", "TimeLimit"), Some(KillKind::Timeout));
        assert_eq!(
            kind("OUT_OF_MEMORY", "OutOfMemory"),
            Some(KillKind::OutOfMemory)
        );
        assert_eq!(kind("NODE_FAIL", "NodeDown"), Some(KillKind::NodeFail));
        assert_eq!(kind("FAILED", "NodeDown"), Some(KillKind::NodeFail));
        assert_eq!(kind("CANCELLED", "None"), Some(KillKind::Cancelled));
        assert_eq!(kind("CANCELLED+", "None"), Some(KillKind::Cancelled));
        assert_eq!(kind("PREEMPTED", "None"), Some(KillKind::Preempted));
        assert_eq!(kind("DEADLINE", "None"), Some(KillKind::Other));
        assert!(matches!(
            classify("PENDING", "Priority", 0, 0),
            TaskState::Pending { .. }
        ));
        assert_eq!(classify("COMPLETING", "None", 0, 0), TaskState::Running);
        assert!(!classify("RUNNING", "None", 0, 0).is_final());
        assert!(classify("TIMEOUT", "TimeLimit", 0, 0).is_final());
    }
}
