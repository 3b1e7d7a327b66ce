//! Reading `/proc`: process status, the process tree below a pid, and finding processes by their
//! command line (what the tests use to prove that nothing of a run survived).

use std::fs;

/// The fields of `/proc/PID/stat` the runner uses. Times are in clock ticks, `rss` in pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    /// Process id.
    pub pid: i32,
    /// State letter (`R` running, `S` sleeping, `Z` zombie...).
    pub state: u8,
    /// Parent's process id.
    pub ppid: i32,
    /// Process group id.
    pub pgrp: i32,
    /// Session id.
    pub session: i32,
    /// User-mode CPU time, in clock ticks.
    pub utime: u64,
    /// Kernel-mode CPU time, in clock ticks.
    pub stime: u64,
    /// User-mode CPU time of waited-for children, in clock ticks.
    pub cutime: u64,
    /// Kernel-mode CPU time of waited-for children, in clock ticks.
    pub cstime: u64,
    /// Start time after system boot, in clock ticks (with the pid, identifies a process).
    pub starttime: u64,
    /// Resident set size, in pages.
    pub rss: u64,
}

impl ProcStat {
    /// CPU ticks of the process itself plus those of its children it has waited for.
    pub fn total_ticks(&self) -> u64 {
        self.utime + self.stime + self.cutime + self.cstime
    }
}

/// Parses the text of a `/proc/PID/stat` file. The command name may contain spaces and
/// parentheses, so the fields are counted from the last `)`.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text.get(..open)?.trim().parse().ok()?;
    let rest: Vec<&str> = text.get(close + 1..)?.split_ascii_whitespace().collect();
    let num = |i: usize| -> Option<u64> { rest.get(i)?.parse().ok() };
    let int = |i: usize| -> Option<i32> { rest.get(i)?.parse().ok() };
    Some(ProcStat {
        pid,
        state: *rest.first()?.as_bytes().first()?,
        ppid: int(1)?,
        pgrp: int(2)?,
        session: int(3)?,
        utime: num(11)?,
        stime: num(12)?,
        cutime: num(13)?,
        cstime: num(14)?,
        starttime: num(19)?,
        rss: num(21)?,
    })
}

/// Reads `/proc/PID/stat`; `None` if the process is gone.
pub fn read_stat(pid: i32) -> Option<ProcStat> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// The pids of all processes (not threads) currently listed in `/proc`.
pub fn all_pids() -> Vec<i32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// A snapshot of every process's stat.
pub fn snapshot() -> Vec<ProcStat> {
    all_pids().into_iter().filter_map(read_stat).collect()
}

/// The processes below `root` (not `root` itself) in a snapshot, following parent links.
pub fn descendants(root: i32, snap: &[ProcStat]) -> Vec<ProcStat> {
    let mut found: Vec<ProcStat> = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for p in snap.iter().filter(|p| p.ppid == parent) {
            if p.pid != root && !found.iter().any(|f| f.pid == p.pid) {
                found.push(*p);
                frontier.push(p.pid);
            }
        }
    }
    found
}

/// Clock ticks per second (`USER_HZ`) for the tick fields of `/proc/PID/stat`.
pub fn clock_ticks() -> f64 {
    let t = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(0);
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// The page size in bytes, for the `rss` field.
pub fn page_size() -> u64 {
    let p = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .unwrap_or(0);
    if p > 0 {
        p as u64
    } else {
        4096
    }
}

/// The command line of a process, arguments joined by spaces.
pub fn cmdline(pid: i32) -> Option<String> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let parts: Vec<String> = raw
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    Some(parts.join(" "))
}

/// Every live (non-zombie) process whose command line contains `needle`. Zombies are left out:
/// they run nothing and only wait for their parent to reap them.
pub fn processes_matching(needle: &str) -> Vec<(i32, String)> {
    all_pids()
        .into_iter()
        .filter(|pid| read_stat(*pid).is_some_and(|s| s.state != b'Z'))
        .filter_map(|pid| {
            let cmd = cmdline(pid)?;
            cmd.contains(needle).then_some((pid, cmd))
        })
        .collect()
}

/// Whether a process with this pid and start time (ticks since boot) still exists.
pub fn alive_with_start(pid: i32, starttime: u64) -> bool {
    read_stat(pid).is_some_and(|s| s.starttime == starttime && s.state != b'Z')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_with_parens_and_spaces() {
        let text =
            "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 7 3 2 1 20 0 1 0 12345 1000 250 0";
        let s = parse_stat(text).expect("parses");
        assert_eq!(s.pid, 42);
        assert_eq!(s.ppid, 1);
        assert_eq!(s.utime, 7);
        assert_eq!(s.stime, 3);
        assert_eq!(s.cutime, 2);
        assert_eq!(s.cstime, 1);
        assert_eq!(s.starttime, 12345);
        assert_eq!(s.rss, 250);
        assert_eq!(s.total_ticks(), 13);
    }

    #[test]
    fn own_process_is_visible() {
        let me = std::process::id() as i32;
        let s = read_stat(me).expect("own stat");
        assert_eq!(s.pid, me);
        assert!(alive_with_start(me, s.starttime));
        assert!(!alive_with_start(me, s.starttime + 1));
    }
}
