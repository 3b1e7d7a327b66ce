//! Writes a synthetic round folder (as `misc run` leaves it) for trying `misc report`.
//!
//! ```text
//! cargo run -p misc-report --example demo_round -- DIR            # the demo round
//! cargo run -p misc-report --example demo_round -- DIR T S P      # T tracks × S solvers × P problems
//! misc report DIR
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: demo_round DIR [TRACKS SOLVERS PROBLEMS]");
        return ExitCode::from(2);
    };
    let nums: Vec<usize> = args[1..].iter().filter_map(|a| a.parse().ok()).collect();
    let round = match nums.as_slice() {
        [t, s, p] => misc_report::synthetic::generate(*t, *s, *p),
        [] => misc_report::synthetic::demo(),
        _ => {
            eprintln!("usage: demo_round DIR [TRACKS SOLVERS PROBLEMS]");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = round.write_to(std::path::Path::new(dir)) {
        eprintln!("error: {dir}: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("{} records written to {dir}/results", round.records.len());
    ExitCode::SUCCESS
}
