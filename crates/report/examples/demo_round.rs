//! Writes a synthetic round folder (as `misc run` leaves it) for trying `misc report`.
//!
//! ```text
//! cargo run -p misc-report --example demo_round -- DIR            # the demo round
//! cargo run -p misc-report --example demo_round -- DIR T S P      # T tracks × S solvers × P problems
//! misc report DIR
//! cargo run -p misc-report --example demo_round -- DIR --site OUT # also render the site to OUT
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let site = match args.iter().position(|a| a == "--site") {
        Some(i) if i + 1 < args.len() => {
            let out = args.remove(i + 1);
            args.remove(i);
            Some(out)
        }
        _ => None,
    };
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
    if let Some(out) = site {
        let results = std::path::Path::new(dir).join("results");
        let rendered = misc_score::score_round(&round.manifest, &round.records, None)
            .map_err(|e| e.to_string())
            .and_then(|scores| {
                misc_report::render_site(
                    &round.manifest,
                    &round.records,
                    &scores,
                    Some(&results),
                    std::path::Path::new(&out),
                )
                .map_err(|e| e.to_string())
            });
        match rendered {
            Ok(summary) => println!("{}", summary.index.display()),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
