//! `misc-naive`: a small reference solver that is always correct and not necessarily optimal.
//!
//! # Algorithm
//!
//! 1. **Encode** ([`encode`]): keep only the packages that can matter (the closure under
//!    `depends` of the initial installation and of the packages the request and the `keep`
//!    properties name), one boolean variable each, and write CUDF's consistency, request and
//!    keep rules (misc-rules.md 5.4 and 5.5) as clauses.
//! 2. **Search** ([`sat`]): a CDCL search (unit propagation, clause learning, backjumping,
//!    restarts) whose decisions mimic a conservative package manager: first install the newest
//!    admissible version of every upgraded name (unless the criteria ask for paranoia), then try
//!    to keep every initially installed package, then satisfy each open dependency (of an
//!    install item, of a kept package, ...) with its preferred candidate — one installed
//!    initially, else a real package of the wanted name, else the newest — and finally leave
//!    everything else uninstalled. Conflicts undo exactly the choices that caused them, so the
//!    search is complete: given time, it finds a solution or proves there is none.
//! 3. **Verify**: whatever the search returns is checked with
//!    [`misc_check::installation_violations`], the checker the competition judges with. Only a
//!    verified installation is ever answered; anything else (unsatisfiable, interrupted by
//!    SIGUSR1, out of budget, or a bug that produced a wrong model) becomes `FAIL` — or, when
//!    the initial installation itself already solves the problem, that installation.
//!
//! The guarantee is therefore one-sided: an answer is always a solution; `FAIL` may be
//! answered for a solvable problem only when the search was stopped.

pub mod encode;
pub mod sat;

use std::time::Instant;

use misc_cudf::Document;

use encode::{Encoding, Options};
use sat::{Brancher, Lit, SearchResult, Solver, Value, Var};

/// What the solver answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A verified solution: one flag per package of the problem.
    Solution(Vec<bool>),
    /// No answer, with the reason written on FAIL's second line.
    Fail(String),
}

/// Settings of a run.
pub struct Settings {
    /// Prefer the newest version for upgrade items.
    pub upgrade_to_newest: bool,
    /// Conflicts after which the search gives up.
    pub max_conflicts: u64,
    /// Print statistics on stderr.
    pub verbose: bool,
}

impl Settings {
    /// Settings from the optional CRITERIA argument. The criteria are a hint only: a paranoid
    /// criterion (`paranoid`, or one that minimises changes without asking for up-to-date
    /// packages) keeps installed versions of upgraded names when it can.
    pub fn from_criteria(criteria: Option<&str>) -> Settings {
        let c = criteria.unwrap_or("").to_ascii_lowercase();
        let paranoid =
            c.contains("paranoid") || (c.contains("-changed") && !c.contains("notuptodate"));
        Settings {
            upgrade_to_newest: !paranoid,
            max_conflicts: 2_000_000,
            verbose: false,
        }
    }
}

/// Solves a problem. `stop` is polled throughout; once it returns true the best answer known
/// so far is returned at once.
pub fn solve(doc: &Document<'_>, settings: &Settings, stop: &mut dyn FnMut() -> bool) -> Outcome {
    let started = Instant::now();
    let initial = doc.installed_flags();
    // The initial installation is the fallback answer when it already solves the problem.
    let initial_ok = misc_check::installation_violations(doc, &initial).is_empty();
    let fallback = |reason: String| {
        if initial_ok {
            Outcome::Solution(initial.clone())
        } else {
            Outcome::Fail(reason)
        }
    };
    if stop() {
        return fallback("interrupted (SIGUSR1) before the search started".into());
    }
    let options = Options {
        upgrade_to_newest: settings.upgrade_to_newest,
    };
    let Some(enc) = encode::encode(doc, &options, stop) else {
        return fallback("interrupted (SIGUSR1) while encoding the problem".into());
    };
    let mut solver = Solver::new(enc.pkg_of.len());
    for c in &enc.clauses {
        solver.add_clause(c);
    }
    let mut brancher = PackageBrancher::new(&enc);
    let result = solver.search(&mut brancher, stop, settings.max_conflicts);
    if settings.verbose {
        eprintln!(
            "misc-naive: {} relevant packages of {}, {} clauses, {} decisions, {} conflicts, {:.2?}",
            enc.pkg_of.len(),
            doc.packages.len(),
            solver.num_clauses(),
            solver.decisions,
            solver.conflicts,
            started.elapsed()
        );
    }
    match result {
        SearchResult::Sat(model) => {
            let mut installed = vec![false; doc.packages.len()];
            for (var, &value) in model.iter().enumerate() {
                if value {
                    if let Some(p) = enc.pkg_of.get(var) {
                        installed[p.index()] = true;
                    }
                }
            }
            let violations = misc_check::installation_violations(doc, &installed);
            if violations.is_empty() {
                Outcome::Solution(installed)
            } else {
                // Never answer what the checker rejects.
                fallback(format!(
                    "internal error: the search produced an installation the checker rejects: {}",
                    violations[0].message
                ))
            }
        }
        SearchResult::Unsat => fallback(match &enc.hopeless {
            Some(why) => format!("no solution: {why}"),
            None => "no solution: the problem's constraints are unsatisfiable".to_string(),
        }),
        SearchResult::Interrupted => {
            fallback("interrupted (SIGUSR1) before a solution was found".into())
        }
        SearchResult::LimitReached => fallback(format!(
            "gave up after {} conflicts without finding a solution",
            solver.conflicts
        )),
    }
}

/// The package-level branching heuristic (see the module documentation).
struct PackageBrancher<'e> {
    enc: &'e Encoding,
    /// Next index into `enc.preferred`.
    pref: usize,
    /// Next index into `enc.goals`.
    goal: usize,
    /// Where the scan for open dependencies is: (trail position, conjunct index).
    open: (usize, usize),
    /// Next variable to consider for "leave it uninstalled".
    rest: usize,
}

impl<'e> PackageBrancher<'e> {
    fn new(enc: &'e Encoding) -> Self {
        PackageBrancher {
            enc,
            pref: 0,
            goal: 0,
            open: (0, 0),
            rest: 0,
        }
    }

    /// The preferred unassigned candidate of a clause that is not yet satisfied, if any.
    fn pick(solver: &Solver, cands: &[Var]) -> Option<Option<Lit>> {
        let mut first_free = None;
        for &c in cands {
            match solver.var_value(c) {
                Value::True => return None,
                Value::Undef if first_free.is_none() => first_free = Some(Lit::pos(c)),
                _ => {}
            }
        }
        Some(first_free)
    }
}

impl Brancher for PackageBrancher<'_> {
    fn reset(&mut self) {
        self.pref = 0;
        self.goal = 0;
        self.open = (0, 0);
        self.rest = 0;
    }

    fn decide(&mut self, solver: &Solver) -> Option<Lit> {
        // 1. Preferred literals (newest upgrades, keep installed packages).
        while let Some(cands) = self.enc.preferred.get(self.pref) {
            if let Some(Some(l)) = Self::pick(solver, cands) {
                return Some(l);
            }
            self.pref += 1;
        }
        // 2. Request and keep goals.
        while let Some(cands) = self.enc.goals.get(self.goal) {
            if let Some(Some(l)) = Self::pick(solver, cands) {
                return Some(l);
            }
            self.goal += 1;
        }
        // 3. Open dependencies of installed packages, in the order the packages became
        //    installed. The trail only grows between resets, so one pass suffices.
        let trail = solver.trail();
        while let Some(&l) = trail.get(self.open.0) {
            if !l.is_neg() {
                let deps = &self.enc.depends[l.var() as usize];
                while let Some(cands) = deps.get(self.open.1) {
                    if let Some(Some(d)) = Self::pick(solver, cands) {
                        return Some(d);
                    }
                    self.open.1 += 1;
                }
            }
            self.open = (self.open.0 + 1, 0);
        }
        // 4. Leave the rest uninstalled.
        while self.rest < solver.num_vars() {
            let v = self.rest as Var;
            if solver.var_value(v) == Value::Undef {
                return Some(Lit::neg(v));
            }
            self.rest += 1;
        }
        None
    }
}
