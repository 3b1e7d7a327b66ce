//! A deliberately misbehaving solver, for testing the runner.
//!
//! `misc-hostile MODE CUDFIN CUDFOUT [CRITERIA]`, where MODE is one of:
//!
//! | mode | behaviour |
//! |---|---|
//! | `spin` | burns CPU forever |
//! | `spin-tree` | forks two children; all three burn CPU forever |
//! | `sleep` | sleeps forever |
//! | `ignore-term` | ignores SIGTERM (and SIGUSR1) and burns CPU forever |
//! | `daemon` | double-forks a sleeping daemon into a new session, writes FAIL and exits 0 |
//! | `daemon-sleep` | double-forks a sleeping daemon into a new session, then sleeps forever |
//! | `fork-bomb` | forks until stopped (bounded: at most 2000 forks in all, then keeps trying) |
//! | `allocate` | allocates and touches memory until killed (bounded at 8 GiB) |
//! | `flood-stdout` | writes to stdout forever |
//! | `huge-output` | writes CUDFOUT until stopped (bounded at 4 GiB) |
//! | `die-by-signal` | kills itself with SIGSEGV |
//! | `grandchild-holds-stdout` | leaves a grandchild sleeping with stdout open, writes FAIL, exits 0 |
//! | `garbage` | writes random bytes to CUDFOUT and exits 0 |
//! | `fail` | writes `FAIL` to CUDFOUT and exits 0 |
//! | `slow-then-ok` | burns CPU until SIGUSR1, then writes FAIL and exits 0 |
//! | `probe` | reports on stdout what it sees: cwd, environment, stdin, whether CUDFIN is writable, pid, processes, privileges |
//! | `attack SOLVER_DIR MARKER [SECONDS]` | a dishonest entrant (after CUDFIN CUDFOUT): tries every attack of issue 16 for SECONDS (default 1.5) and writes `FAIL` and one line per attempt to CUDFOUT (see [`attack`]) |
//! | `busy SECONDS` | burns SECONDS of CPU time, then exits 0 |
//! | `exit CODE` | exits with CODE |
//!
//! Only libc and std are used.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static USR1: AtomicBool = AtomicBool::new(false);

extern "C" fn on_usr1(_: libc::c_int) {
    USR1.store(true, Ordering::SeqCst);
}

fn spin() -> ! {
    let mut x: u64 = 1;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}

fn sleep_forever() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}

fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid pointer to a local timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

fn write_file(path: Option<&String>, data: &[u8]) -> i32 {
    let Some(path) = path else {
        eprintln!("misc-hostile: no CUDFOUT given");
        return 2;
    };
    match std::fs::write(path, data) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("misc-hostile: cannot write {path}: {e}");
            1
        }
    }
}

fn fork() -> libc::pid_t {
    // SAFETY: this program is single-threaded when it forks.
    unsafe { libc::fork() }
}

fn fork_bomb() -> ! {
    const BOUND: u64 = 2000;
    // A counter shared by every process of the bomb, so the bound holds for the whole tree.
    // SAFETY: an anonymous shared mapping of one u64; checked for failure.
    let counter = unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            8,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            std::process::exit(3);
        }
        &*(p as *const std::sync::atomic::AtomicU64)
    };
    loop {
        if counter.load(Ordering::SeqCst) >= BOUND {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        counter.fetch_add(1, Ordering::SeqCst);
        if fork() < 0 {
            // The pids limit works: keep trying, as a bomb would.
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

fn allocate() -> ! {
    const CHUNK: usize = 16 << 20;
    let mut keep: Vec<Vec<u8>> = Vec::new();
    while keep.len() * CHUNK < (8usize << 30) {
        // Touch every page so the memory is really used.
        keep.push(vec![1u8; CHUNK]);
    }
    sleep_forever()
}

fn flood_stdout() -> ! {
    let buf = vec![b'y'; 64 * 1024];
    let mut out = std::io::stdout().lock();
    loop {
        if out.write_all(&buf).is_err() {
            std::process::exit(1);
        }
    }
}

fn huge_output(path: Option<&String>) -> i32 {
    let Some(path) = path else {
        return 2;
    };
    let Ok(mut f) = std::fs::File::create(path) else {
        return 1;
    };
    let buf = vec![b'#'; 1 << 20];
    for _ in 0..4096 {
        if f.write_all(&buf).is_err() {
            return 1;
        }
    }
    0
}

fn garbage(path: Option<&String>) -> i32 {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let data: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    write_file(path, &data)
}

fn probe(input: Option<&String>) -> i32 {
    let cwd = std::env::current_dir().map(|p| p.display().to_string());
    println!("cwd={}", cwd.unwrap_or_else(|e| format!("error: {e}")));
    for (k, v) in std::env::vars() {
        println!("env {k}={v}");
    }
    let mut b = [0u8; 1];
    // SAFETY: reads at most one byte into a local buffer.
    let r = unsafe { libc::read(0, b.as_mut_ptr().cast(), 1) };
    println!("stdin_read={r}");
    if let Some(input) = input {
        let writable = std::fs::OpenOptions::new().append(true).open(input).is_ok();
        println!("input_writable={writable}");
    }
    println!("network={}", network_works());
    println!("pid={}", std::process::id());
    println!("processes={}", visible_processes().len());
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for key in ["NoNewPrivs", "CapEff", "Uid"] {
        if let Some(v) = status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
        {
            let name = match key {
                "NoNewPrivs" => "no_new_privs",
                "CapEff" => "cap_eff",
                _ => "uid",
            };
            println!("{name}={}", v.split_whitespace().next().unwrap_or(""));
        }
    }
    0
}

fn network_works() -> bool {
    std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|_| ()))
        .is_ok()
}

/// The pids listed in /proc.
fn visible_processes() -> Vec<i32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
                .collect()
        })
        .unwrap_or_default()
}

fn cmdline(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

/// A dishonest entrant: every attack of issue 16, each reported as one line
/// `attack NAME: blocked (...)` or `attack NAME: ESCAPED (...)` (writes into private folders
/// are reported as `written` and checked by the test on the host afterwards).
///
/// Signals to PID 1 are sent only when PID 1 is the harness's shim (its command line names
/// `misc`), never to a real init.
fn attack(output: Option<&String>, args: &[String]) -> i32 {
    use std::fs::OpenOptions;
    use std::path::{Path, PathBuf};
    let (Some(solver_dir), Some(marker)) = (args.first(), args.get(1)) else {
        eprintln!("usage: misc-hostile attack CUDFIN CUDFOUT SOLVER_DIR MARKER [SECONDS]");
        return 2;
    };
    let seconds: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1.5);
    let solver_dir = PathBuf::from(solver_dir);
    let round = solver_dir.join("../..");
    let mut report: Vec<String> = Vec::new();
    fn line(report: &mut Vec<String>, name: &str, escaped: bool, detail: String) {
        report.push(format!(
            "attack {name}: {} ({detail})",
            if escaped { "ESCAPED" } else { "blocked" }
        ));
    }
    // Forwarded signals must not end the attack.
    // SAFETY: setting dispositions to SIG_IGN.
    unsafe {
        for sig in [
            libc::SIGTERM,
            libc::SIGUSR1,
            libc::SIGUSR2,
            libc::SIGHUP,
            libc::SIGINT,
        ] {
            libc::signal(sig, libc::SIG_IGN);
        }
    }

    // 1. Forge records, found from our own folder and from the working folder.
    let forged = "{\"round\":\"x\",\"track\":\"t\",\"solver\":\"evil\",\"problem\":\"forged\"}\n";
    for (name, path) in [
        ("forge-record", round.join("results/runs.jsonl")),
        (
            "forge-record-relative",
            PathBuf::from("../../results/runs.jsonl"),
        ),
    ] {
        let r = OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(forged.as_bytes()).map(|_| f))
            .and_then(|mut f| f.write_all(b"not a record\n"));
        line(
            &mut report,
            name,
            r.is_ok(),
            format!("{}: {r:?}", path.display()),
        );
    }
    // 2. See the machine's processes, and PID 1.
    let procs = visible_processes();
    let me = std::process::id() as i32;
    let foreign: Vec<String> = procs
        .iter()
        .filter(|&&p| p != me && p != 1)
        .map(|&p| format!("{p}:{}", cmdline(p)))
        .collect();
    line(
        &mut report,
        "see-processes",
        !foreign.is_empty(),
        format!(
            "{} visible besides PID 1 and me: {foreign:?}",
            foreign.len()
        ),
    );
    let init = cmdline(1);
    if init.contains("misc") {
        let mut sent = Vec::new();
        for sig in [libc::SIGKILL, libc::SIGTERM, libc::SIGINT, libc::SIGSTOP] {
            // SAFETY: kill has no memory-safety preconditions.
            sent.push(unsafe { libc::kill(1, sig) });
        }
        // SAFETY: as above.
        unsafe { libc::kill(1, libc::SIGCONT) };
        std::thread::sleep(Duration::from_millis(20));
        let alive = Path::new("/proc/1").exists() && cmdline(1) == init;
        line(
            &mut report,
            "signal-pid1",
            !alive,
            format!("kill returned {sent:?}; PID 1 still there: {alive}"),
        );
    } else {
        line(
            &mut report,
            "signal-pid1",
            true,
            format!("PID 1 is {init:?}, not the harness's shim: not signalled"),
        );
    }
    // SAFETY: ptrace on a pid; no memory is passed.
    let traced = unsafe { libc::ptrace(libc::PTRACE_ATTACH, 1, 0, 0) };
    line(
        &mut report,
        "ptrace-pid1",
        traced == 0,
        format!("ptrace returned {traced}"),
    );
    // 3. Other runs' sandboxes, other entrants, the round folder.
    let own_sandbox = std::env::current_dir()
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let mut others = Vec::new();
    let mut dirs: Vec<PathBuf> = vec![
        "/dev/shm".into(),
        "/tmp".into(),
        "/proc/1/root/dev/shm".into(),
    ];
    if let Some(p) = own_sandbox.parent() {
        dirs.push(p.to_path_buf());
    }
    for dir in &dirs {
        let mut stack = vec![(dir.clone(), 0)];
        while let Some((d, depth)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("misc-run-") && path != own_sandbox {
                    let input = std::fs::read(path.join("in/problem.cudf")).map(|b| b.len());
                    others.push(format!("{} (input: {input:?})", path.display()));
                } else if depth < 2 && e.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push((path, depth + 1));
                }
            }
        }
    }
    line(
        &mut report,
        "read-other-sandboxes",
        !others.is_empty(),
        format!("found {others:?}"),
    );
    let own_name = solver_dir.file_name().map(|n| n.to_owned());
    let entrants: Vec<String> = std::fs::read_dir(solver_dir.join(".."))
        .map(|d| {
            d.flatten()
                .filter(|e| Some(e.file_name()) != own_name)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    line(
        &mut report,
        "list-entrants",
        !entrants.is_empty(),
        format!("found {entrants:?}"),
    );
    // The path down to our own folder is known to us anyway; anything else is a leak.
    let in_round: Vec<String> = std::fs::read_dir(&round)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != "solvers")
                .collect()
        })
        .unwrap_or_default();
    line(
        &mut report,
        "list-round",
        !in_round.is_empty(),
        format!("found {in_round:?}"),
    );
    // 4. Marker files everywhere but the sandbox.
    for dir in [
        PathBuf::from("/tmp"),
        PathBuf::from("/var/tmp"),
        PathBuf::from("/dev/shm"),
        PathBuf::from("/run"),
        PathBuf::from("/root"),
        PathBuf::from("/home"),
        PathBuf::from("/"),
        PathBuf::from("/etc"),
        round.clone(),
        round.join("results"),
        solver_dir.clone(),
        solver_dir.join(".."),
        own_sandbox.join(".."),
    ] {
        let path = dir.join(marker);
        match std::fs::write(&path, b"marker") {
            Ok(()) => report.push(format!("attack write {}: written", dir.display())),
            Err(e) => report.push(format!("attack write {}: blocked ({e})", dir.display())),
        }
    }
    // 5. Undo the mounts: remount read-write, unmount what hides the other sandboxes.
    let remount = nix_free_mount(c"/", libc::MS_REMOUNT | libc::MS_BIND);
    line(
        &mut report,
        "remount-rw",
        remount == 0,
        format!("mount returned {remount}"),
    );
    // SAFETY: umount2 on a valid C string.
    let umount = unsafe { libc::umount2(c"/dev/shm".as_ptr(), libc::MNT_DETACH) };
    line(
        &mut report,
        "unmount-hiding",
        umount == 0,
        format!("umount2 returned {umount}"),
    );
    line(
        &mut report,
        "network",
        network_works(),
        "udp connect".into(),
    );
    // 6. Kill the competitor while it runs.
    let start = std::time::Instant::now();
    let mut killed = Vec::new();
    while start.elapsed().as_secs_f64() < seconds {
        for p in visible_processes() {
            let cmd = cmdline(p);
            if p != me && p != 1 && (cmd.contains("misc-naive") || cmd.contains("honest")) {
                // SAFETY: kill has no memory-safety preconditions.
                if unsafe { libc::kill(p, libc::SIGKILL) } == 0 {
                    killed.push(format!("{p}:{cmd}"));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    line(
        &mut report,
        "kill-competitor",
        !killed.is_empty(),
        format!("killed {killed:?}"),
    );
    let mut text = String::from("FAIL\n");
    for l in &report {
        text.push_str(l);
        text.push('\n');
    }
    print!("{text}");
    write_file(output, text.as_bytes())
}

fn nix_free_mount(target: &std::ffi::CStr, flags: libc::c_ulong) -> i32 {
    // SAFETY: valid C strings or nulls.
    unsafe {
        libc::mount(
            std::ptr::null(),
            target.as_ptr(),
            std::ptr::null(),
            flags,
            std::ptr::null(),
        )
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("");
    let input = args.get(2);
    let output = args.get(3);
    let code = match mode {
        "spin" => spin(),
        "spin-tree" => {
            for _ in 0..2 {
                if fork() == 0 {
                    spin();
                }
            }
            spin()
        }
        "sleep" => sleep_forever(),
        "ignore-term" => {
            // SAFETY: setting signal dispositions to SIG_IGN.
            unsafe {
                libc::signal(libc::SIGTERM, libc::SIG_IGN);
                libc::signal(libc::SIGUSR1, libc::SIG_IGN);
            }
            spin()
        }
        "daemon" => {
            let pid = fork();
            if pid == 0 {
                // SAFETY: plain system calls in a single-threaded child.
                unsafe { libc::setsid() };
                if fork() == 0 {
                    sleep_forever();
                }
                std::process::exit(0);
            }
            let mut st = 0;
            // SAFETY: waits for our own child.
            unsafe { libc::waitpid(pid, &mut st, 0) };
            write_file(output, b"FAIL\n")
        }
        "daemon-sleep" => {
            if fork() == 0 {
                // SAFETY: plain system calls in a single-threaded child.
                unsafe { libc::setsid() };
                if fork() == 0 {
                    sleep_forever();
                }
                std::process::exit(0);
            }
            sleep_forever()
        }
        "fork-bomb" => fork_bomb(),
        "allocate" => allocate(),
        "flood-stdout" => flood_stdout(),
        "huge-output" => huge_output(output),
        "die-by-signal" => {
            // std installs a SIGSEGV handler (stack overflow detection): restore the default.
            // SAFETY: resets a disposition and sends a signal to ourselves.
            unsafe {
                libc::signal(libc::SIGSEGV, libc::SIG_DFL);
                libc::kill(libc::getpid(), libc::SIGSEGV);
            }
            std::thread::sleep(Duration::from_secs(1));
            1
        }
        "grandchild-holds-stdout" => {
            let pid = fork();
            if pid == 0 {
                if fork() == 0 {
                    println!("grandchild keeps stdout");
                    sleep_forever();
                }
                std::process::exit(0);
            }
            let mut st = 0;
            // SAFETY: waits for our own child.
            unsafe { libc::waitpid(pid, &mut st, 0) };
            write_file(output, b"FAIL\n")
        }
        "garbage" => garbage(output),
        "fail" => write_file(output, b"FAIL\n"),
        "slow-then-ok" => {
            // SAFETY: installs a handler that only stores to an atomic.
            unsafe {
                libc::signal(libc::SIGUSR1, on_usr1 as *const () as libc::sighandler_t);
            }
            let mut x: u64 = 1;
            while !USR1.load(Ordering::SeqCst) {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
            write_file(output, b"FAIL\nwarned by SIGUSR1\n")
        }
        "probe" => probe(input),
        "attack" => attack(output, &args[4.min(args.len())..]),
        "busy" => {
            let secs: f64 = input.and_then(|s| s.parse().ok()).unwrap_or(2.0);
            let mut x: u64 = 1;
            while cpu_seconds() < secs {
                for _ in 0..10_000 {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            }
            0
        }
        "exit" => input.and_then(|s| s.parse().ok()).unwrap_or(0),
        _ => {
            eprintln!(
                "usage: misc-hostile MODE CUDFIN CUDFOUT [CRITERIA] (see the source for modes)"
            );
            2
        }
    };
    std::process::exit(code);
}
