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
//! | `probe` | reports on stdout what it sees: cwd, environment, stdin, whether CUDFIN is writable |
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
    let net = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|_| ()))
        .is_ok();
    println!("network={net}");
    0
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
