//! Shared by the `misc` binary's integration tests: running it, and writing rounds (problems,
//! script solvers, `competition.toml`) in a temporary folder.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The `misc` binary under test.
pub const MISC: &str = env!("CARGO_BIN_EXE_misc");

/// Writes `text` to `path`, making its folder.
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Writes `text` to `path` as an executable (mode 755).
pub fn executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    write(path, text);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Enters a solver `name`, version 1, in `dir/solvers/NAME`: the shell script `script` as
/// `run.sh`, called with the input and output paths.
pub fn script_solver(dir: &Path, name: &str, script: &str) {
    executable(&dir.join(format!("solvers/{name}/run.sh")), script);
    write(
        &dir.join(format!("solvers/{name}/solver.toml")),
        &format!(
            "name = \"{name}\"\nversion = \"1\"\ncommand = [\"./run.sh\", \"{{input}}\", \"{{output}}\"]\n"
        ),
    );
}

/// Writes `dir/competition.toml`: round `round` with limits of 5 s CPU, 10 s wall clock and a
/// warning 1 s before, the `[scoring]` lines `scoring` (none when empty), and one paranoid
/// track `track` over the problems `glob` with `solvers`.
pub fn competition(
    dir: &Path,
    round: &str,
    scoring: &str,
    track: &str,
    glob: &str,
    solvers: &[&str],
) {
    let scoring = if scoring.is_empty() {
        String::new()
    } else {
        format!("[scoring]\n{scoring}\n")
    };
    let solvers: Vec<String> = solvers.iter().map(|s| format!("\"{s}\"")).collect();
    write(
        &dir.join("competition.toml"),
        &format!(
            "name = \"{round}\"\n[limits]\ncpu_time = 5\nwall_time = 10\nwarning = 1\n\n\
             {scoring}[[tracks]]\nname = \"{track}\"\ncriteria = \"paranoid\"\n\
             problems = [\"{glob}\"]\nsolvers = [{}]\n",
            solvers.join(", ")
        ),
    );
}

/// Runs `misc ARGS` in `dir`, without the organiser's `MISC_SOLVERS_PATH`.
pub fn misc(args: &[&str], dir: &Path) -> Output {
    Command::new(MISC)
        .args(args)
        .current_dir(dir)
        .env_remove("MISC_SOLVERS_PATH")
        .output()
        .unwrap()
}

/// What the command wrote on stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The stdout of a command that must have succeeded (its stderr otherwise).
pub fn ok(o: Output) -> String {
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}
