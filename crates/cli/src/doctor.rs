//! `misc doctor`: what this machine lets the runner enforce and measure, and how to get the rest.

/// Report what this machine can enforce and measure (cgroups, namespaces), with fixes.
///
/// Lists the cgroup controllers the runner can use, the measuring mechanism runs will get
/// (cgroup-v2, cgroup-v1 or proc), and the isolation available (no network, read-only
/// directories). With --cleanup, also kills and removes run cgroups left behind by a harness
/// that was killed.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Kill and remove run cgroups whose harness is gone.
    #[arg(long)]
    pub cleanup: bool,
}

use std::io::Write;

use crate::exit::CliError;

/// Runs `misc doctor` (exit 0: the report says what is missing).
pub fn run(args: DoctorArgs) -> Result<(), CliError> {
    let cleaned = if args.cleanup {
        Some(misc_runner::cleanup_stale()?)
    } else {
        None
    };
    let caps = misc_runner::capabilities();
    let out = &mut crate::out::stdout();
    if args.json {
        let mut v = serde_json::to_value(&caps)?;
        if let (Some(c), Some(obj)) = (&cleaned, v.as_object_mut()) {
            obj.insert("cleaned_up".into(), serde_json::to_value(c)?);
        }
        writeln!(out, "{v}")?;
        return Ok(());
    }
    // What works now first, then what would be better and how to get it.
    writeln!(
        out,
        "Runs on this machine are measured and limited with {}.",
        match caps.mechanism.as_str() {
            "cgroup-v2" => "cgroup v2 (whole process tree: CPU time, peak memory, kill)",
            "cgroup-v1" => "cgroup v1 (whole process tree: CPU time, peak memory, kill)",
            _ => "/proc polling (no cgroup is writable here)",
        }
    )?;
    writeln!(out, "\nWorks now:")?;
    for c in caps.checks.iter().filter(|c| c.ok) {
        writeln!(out, "  + {}: {}", c.name, c.found)?;
    }
    let better: Vec<_> = caps.checks.iter().filter(|c| !c.ok).collect();
    if better.is_empty() {
        writeln!(out, "\nNothing to improve.")?;
    } else {
        writeln!(out, "\nWould be better:")?;
        for c in better {
            writeln!(out, "  - {}: {}", c.name, c.found)?;
            if !c.fix.is_empty() {
                writeln!(out, "    to get it: {}", c.fix)?;
            }
        }
    }
    if let Some(c) = cleaned {
        if c.is_empty() {
            writeln!(out, "no stale run cgroups")?;
        } else {
            writeln!(
                out,
                "removed {} stale run cgroup(s): {}",
                c.len(),
                c.join(", ")
            )?;
        }
    }
    Ok(())
}
