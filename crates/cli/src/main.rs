//! The `misc` command line: check answers, run rounds, score and publish them.

mod check_cmd;
mod doctor;
mod exec;
mod exit;
mod input;
mod out;
mod problems_cmd;
mod report_cmd;
mod round_io;
mod run_cmd;
mod score_cmd;
mod show_cmd;
mod signals;
mod table;

use clap::{Parser, Subcommand};

/// Judge and rank package-upgrade solver competitions in the style of MISC, the Mancoosi
/// International Solver Competition.
///
/// Exit codes: 0 success or valid solution; 1 not a solution; 2 usage error or unparseable
/// problem; 3 could not finish; 130, 143, 129 stopped by SIGINT, SIGTERM, SIGHUP.
#[derive(Debug, Parser)]
#[command(name = "misc", version, about, long_about = None)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(check_cmd::CheckArgs),
    Exec(exec::ExecArgs),
    Score(score_cmd::ScoreArgs),
    Report(report_cmd::ReportArgs),
    Show(show_cmd::ShowArgs),
    Doctor(doctor::DoctorArgs),
    Run(run_cmd::RunArgs),
    Rejudge(run_cmd::RejudgeArgs),
    Problems(problems_cmd::ProblemsArgs),
    #[command(hide = true)]
    RunChunk(run_cmd::RunChunkArgs),
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn main() {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    let result = match cli.command {
        Command::Check(args) => check_cmd::run(args),
        Command::Exec(args) => exec::run(args),
        Command::Score(args) => score_cmd::run(args),
        Command::Report(args) => report_cmd::run(args),
        Command::Show(args) => show_cmd::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Run(args) => run_cmd::run(args),
        Command::Rejudge(args) => run_cmd::rejudge(args),
        Command::Problems(args) => problems_cmd::run(args),
        Command::RunChunk(args) => run_cmd::run_chunk(args),
    };
    let code = match result {
        Ok(()) => exit::OK,
        Err(e) => {
            if let Some(message) = e.message() {
                out::note!("{message}");
            }
            e.exit_code()
        }
    };
    std::process::exit(code);
}
