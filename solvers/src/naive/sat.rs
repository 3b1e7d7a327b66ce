//! A small CDCL SAT solver: two watched literals, first-UIP clause learning, non-chronological
//! backjumping and Luby restarts. Branching is left to a [`Brancher`] supplied by the caller, so
//! that the package-level heuristic (keep what is installed, satisfy open dependencies with the
//! installed or newest candidate) decides the shape of the answer.
//!
//! Nothing here panics on well-formed use: literals always name variables below
//! [`Solver::num_vars`], which [`Solver::add_clause`] checks.

/// A propositional variable (a package of the relevant universe).
pub type Var = u32;

/// A literal: a variable or its negation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lit(u32);

impl Lit {
    /// The literal "`v` is true".
    pub fn pos(v: Var) -> Lit {
        Lit(v << 1)
    }
    /// The literal "`v` is false".
    pub fn neg(v: Var) -> Lit {
        Lit((v << 1) | 1)
    }
    pub fn var(self) -> Var {
        self.0 >> 1
    }
    pub fn is_neg(self) -> bool {
        self.0 & 1 == 1
    }
    pub fn negate(self) -> Lit {
        Lit(self.0 ^ 1)
    }
    fn idx(self) -> usize {
        self.0 as usize
    }
}

/// The value of a variable or literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    False,
    True,
    Undef,
}

const NO_REASON: u32 = u32::MAX;

/// Chooses the next decision. `reset` is called after every backjump or restart: the brancher
/// must not assume that what it saw satisfied before is still satisfied.
pub trait Brancher {
    fn reset(&mut self);
    /// The next literal to decide, or `None` when every variable is assigned.
    fn decide(&mut self, solver: &Solver) -> Option<Lit>;
}

/// How a search ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchResult {
    /// A model: one value per variable.
    Sat(Vec<bool>),
    /// The clauses have no model.
    Unsat,
    /// `stop` returned true.
    Interrupted,
    /// The conflict limit was reached.
    LimitReached,
}

/// The solver state.
pub struct Solver {
    num_vars: usize,
    /// Per variable: 0 false, 1 true, 2 unassigned.
    value: Vec<u8>,
    level: Vec<u32>,
    reason: Vec<u32>,
    trail: Vec<Lit>,
    trail_lim: Vec<usize>,
    qhead: usize,
    clauses: Vec<Vec<Lit>>,
    /// Per literal: the clauses watching it (it is one of their first two literals).
    watches: Vec<Vec<u32>>,
    seen: Vec<bool>,
    /// Set when the clauses are known to have no model.
    unsat: bool,
    /// Conflicts met so far.
    pub conflicts: u64,
    /// Decisions made so far.
    pub decisions: u64,
}

impl Solver {
    pub fn new(num_vars: usize) -> Solver {
        Solver {
            num_vars,
            value: vec![2; num_vars],
            level: vec![0; num_vars],
            reason: vec![NO_REASON; num_vars],
            trail: Vec::new(),
            trail_lim: Vec::new(),
            qhead: 0,
            clauses: Vec::new(),
            watches: vec![Vec::new(); num_vars * 2],
            seen: vec![false; num_vars],
            unsat: false,
            conflicts: 0,
            decisions: 0,
        }
    }

    pub fn num_vars(&self) -> usize {
        self.num_vars
    }

    /// The assigned literals, in assignment order.
    pub fn trail(&self) -> &[Lit] {
        &self.trail
    }

    pub fn num_clauses(&self) -> usize {
        self.clauses.len()
    }

    /// The value of a variable.
    pub fn var_value(&self, v: Var) -> Value {
        match self.value.get(v as usize) {
            Some(0) => Value::False,
            Some(1) => Value::True,
            _ => Value::Undef,
        }
    }

    /// The value of a literal.
    pub fn lit_value(&self, l: Lit) -> Value {
        lit_value(&self.value, l)
    }

    /// Adds an original clause. Must be called before [`Solver::search`] (at decision level 0,
    /// before any propagation). Literals naming unknown variables make the clause be ignored
    /// and return `false`.
    pub fn add_clause(&mut self, lits: &[Lit]) -> bool {
        if lits.iter().any(|l| l.var() as usize >= self.num_vars) {
            return false;
        }
        let mut c: Vec<Lit> = lits.to_vec();
        c.sort_unstable();
        c.dedup();
        // A clause holding l and not-l is always true.
        if c.windows(2).any(|w| w[0].var() == w[1].var()) {
            return true;
        }
        match c.len() {
            0 => self.unsat = true,
            1 => match self.lit_value(c[0]) {
                Value::True => {}
                Value::False => self.unsat = true,
                Value::Undef => self.enqueue(c[0], NO_REASON),
            },
            _ => {
                let ci = self.clauses.len() as u32;
                self.watches[c[0].idx()].push(ci);
                self.watches[c[1].idx()].push(ci);
                self.clauses.push(c);
            }
        }
        true
    }

    fn decision_level(&self) -> u32 {
        self.trail_lim.len() as u32
    }

    fn enqueue(&mut self, l: Lit, reason: u32) {
        let v = l.var() as usize;
        self.value[v] = if l.is_neg() { 0 } else { 1 };
        self.level[v] = self.decision_level();
        self.reason[v] = reason;
        self.trail.push(l);
    }

    /// Unit propagation; returns a falsified clause on conflict.
    fn propagate(&mut self) -> Option<u32> {
        while self.qhead < self.trail.len() {
            let p = self.trail[self.qhead];
            self.qhead += 1;
            let false_lit = p.negate();
            let mut ws = std::mem::take(&mut self.watches[false_lit.idx()]);
            let mut i = 0;
            let mut j = 0;
            let mut conflict = None;
            while i < ws.len() {
                let ci = ws[i];
                i += 1;
                let c = &mut self.clauses[ci as usize];
                if c[0] == false_lit {
                    c.swap(0, 1);
                }
                if lit_value(&self.value, c[0]) == Value::True {
                    ws[j] = ci;
                    j += 1;
                    continue;
                }
                let mut moved = false;
                for k in 2..c.len() {
                    if lit_value(&self.value, c[k]) != Value::False {
                        c.swap(1, k);
                        self.watches[c[1].idx()].push(ci);
                        moved = true;
                        break;
                    }
                }
                if moved {
                    continue;
                }
                ws[j] = ci;
                j += 1;
                let first = c[0];
                if lit_value(&self.value, first) == Value::False {
                    while i < ws.len() {
                        ws[j] = ws[i];
                        j += 1;
                        i += 1;
                    }
                    conflict = Some(ci);
                } else {
                    self.enqueue(first, ci);
                }
                if conflict.is_some() {
                    break;
                }
            }
            ws.truncate(j);
            self.watches[false_lit.idx()] = ws;
            if conflict.is_some() {
                return conflict;
            }
        }
        None
    }

    /// First-UIP analysis of a conflict at a level > 0: the learned clause (asserting literal
    /// first, a literal of the backjump level second) and the backjump level.
    fn analyze(&mut self, conflict: u32) -> (Vec<Lit>, u32) {
        let mut learnt: Vec<Lit> = vec![Lit(0)];
        let mut path = 0usize;
        let mut p: Option<Lit> = None;
        let mut idx = self.trail.len();
        let mut ci = conflict;
        let current = self.decision_level();
        loop {
            for &q in &self.clauses[ci as usize] {
                if Some(q) == p {
                    continue;
                }
                let v = q.var() as usize;
                if !self.seen[v] && self.level[v] > 0 {
                    self.seen[v] = true;
                    if self.level[v] >= current {
                        path += 1;
                    } else {
                        learnt.push(q);
                    }
                }
            }
            // The next seen literal of the current level on the trail.
            loop {
                idx -= 1;
                if self.seen[self.trail[idx].var() as usize] {
                    break;
                }
            }
            let pl = self.trail[idx];
            let v = pl.var() as usize;
            self.seen[v] = false;
            path -= 1;
            p = Some(pl);
            if path == 0 {
                break;
            }
            ci = self.reason[v];
        }
        learnt[0] = p.map(Lit::negate).unwrap_or(Lit(0));
        for l in &learnt[1..] {
            self.seen[l.var() as usize] = false;
        }
        let mut bt = 0;
        if learnt.len() > 1 {
            let mut max_i = 1;
            for i in 2..learnt.len() {
                if self.level[learnt[i].var() as usize] > self.level[learnt[max_i].var() as usize] {
                    max_i = i;
                }
            }
            learnt.swap(1, max_i);
            bt = self.level[learnt[1].var() as usize];
        }
        (learnt, bt)
    }

    fn cancel_until(&mut self, level: u32) {
        if self.decision_level() <= level {
            return;
        }
        let lim = self.trail_lim[level as usize];
        for l in self.trail.drain(lim..) {
            let v = l.var() as usize;
            self.value[v] = 2;
            self.reason[v] = NO_REASON;
        }
        self.qhead = self.trail.len();
        self.trail_lim.truncate(level as usize);
    }

    /// Searches for a model. `stop` is polled once per decision and conflict; `max_conflicts`
    /// bounds the work.
    pub fn search(
        &mut self,
        brancher: &mut dyn Brancher,
        stop: &mut dyn FnMut() -> bool,
        max_conflicts: u64,
    ) -> SearchResult {
        if self.unsat {
            return SearchResult::Unsat;
        }
        let mut restart_index = 1u64;
        let mut restart_budget = 100 * luby(restart_index);
        let mut since_restart = 0u64;
        loop {
            if let Some(conflict) = self.propagate() {
                self.conflicts += 1;
                since_restart += 1;
                if self.decision_level() == 0 {
                    self.unsat = true;
                    return SearchResult::Unsat;
                }
                let (learnt, bt) = self.analyze(conflict);
                self.cancel_until(bt);
                brancher.reset();
                if learnt.len() == 1 {
                    self.enqueue(learnt[0], NO_REASON);
                } else {
                    let ci = self.clauses.len() as u32;
                    self.watches[learnt[0].idx()].push(ci);
                    self.watches[learnt[1].idx()].push(ci);
                    let asserting = learnt[0];
                    self.clauses.push(learnt);
                    self.enqueue(asserting, ci);
                }
                if self.conflicts >= max_conflicts {
                    return SearchResult::LimitReached;
                }
                if stop() {
                    return SearchResult::Interrupted;
                }
                continue;
            }
            if since_restart >= restart_budget {
                since_restart = 0;
                restart_index += 1;
                restart_budget = 100 * luby(restart_index);
                self.cancel_until(0);
                brancher.reset();
                continue;
            }
            if stop() {
                return SearchResult::Interrupted;
            }
            // A brancher that proposes an assigned literal, or none while variables are still
            // unassigned, is buggy: fall back to "first unassigned variable is false" so that
            // the search still terminates with a model that satisfies every clause.
            let next = match brancher.decide(self) {
                Some(l) if self.lit_value(l) == Value::Undef => Some(l),
                _ => self
                    .value
                    .iter()
                    .position(|&v| v == 2)
                    .map(|v| Lit::neg(v as Var)),
            };
            match next {
                Some(l) => {
                    self.decisions += 1;
                    self.trail_lim.push(self.trail.len());
                    self.enqueue(l, NO_REASON);
                }
                None => return SearchResult::Sat(self.model()),
            }
        }
    }

    fn model(&self) -> Vec<bool> {
        self.value.iter().map(|&v| v == 1).collect()
    }
}

fn lit_value(values: &[u8], l: Lit) -> Value {
    match values.get(l.var() as usize) {
        Some(2) | None => Value::Undef,
        Some(&v) => {
            if (v ^ (l.0 & 1) as u8) == 1 {
                Value::True
            } else {
                Value::False
            }
        }
    }
}

/// The Luby sequence 1 1 2 1 1 2 4 1 1 2 ... (index from 1).
fn luby(mut i: u64) -> u64 {
    loop {
        let mut k = 1u32;
        while (1u64 << k) - 1 < i {
            k += 1;
        }
        if (1u64 << k) - 1 == i {
            return 1u64 << (k - 1);
        }
        i -= (1u64 << (k - 1)) - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct First;
    impl Brancher for First {
        fn reset(&mut self) {}
        fn decide(&mut self, s: &Solver) -> Option<Lit> {
            (0..s.num_vars() as Var)
                .find(|&v| s.var_value(v) == Value::Undef)
                .map(Lit::pos)
        }
    }

    fn solve(n: usize, clauses: &[&[i32]]) -> SearchResult {
        let mut s = Solver::new(n);
        for c in clauses {
            let lits: Vec<Lit> = c
                .iter()
                .map(|&x| {
                    if x > 0 {
                        Lit::pos(x as Var - 1)
                    } else {
                        Lit::neg((-x) as Var - 1)
                    }
                })
                .collect();
            s.add_clause(&lits);
        }
        s.search(&mut First, &mut || false, 1_000_000)
    }

    fn holds(model: &[bool], clauses: &[&[i32]]) -> bool {
        clauses.iter().all(|c| {
            c.iter().any(|&x| {
                if x > 0 {
                    model[x as usize - 1]
                } else {
                    !model[(-x) as usize - 1]
                }
            })
        })
    }

    #[test]
    fn luby_sequence() {
        let seq: Vec<u64> = (1..=10).map(luby).collect();
        assert_eq!(seq, vec![1, 1, 2, 1, 1, 2, 4, 1, 1, 2]);
    }

    #[test]
    fn small_sat_and_unsat() {
        let c: &[&[i32]] = &[&[1, 2], &[-1, 3], &[-3, -2], &[-1, -2]];
        match solve(3, c) {
            SearchResult::Sat(m) => assert!(holds(&m, c)),
            other => panic!("{other:?}"),
        }
        let u: &[&[i32]] = &[&[1, 2], &[1, -2], &[-1, 2], &[-1, -2]];
        assert_eq!(solve(2, u), SearchResult::Unsat);
    }

    #[test]
    fn pigeonhole_is_unsat() {
        // 4 pigeons, 3 holes: var(p, h) = p * 3 + h + 1.
        let mut cs: Vec<Vec<i32>> = Vec::new();
        for p in 0..4 {
            cs.push((0..3).map(|h| p * 3 + h + 1).collect());
        }
        for h in 0..3 {
            for p in 0..4 {
                for q in p + 1..4 {
                    cs.push(vec![-(p * 3 + h + 1), -(q * 3 + h + 1)]);
                }
            }
        }
        let refs: Vec<&[i32]> = cs.iter().map(Vec::as_slice).collect();
        assert_eq!(solve(12, &refs), SearchResult::Unsat);
    }

    #[test]
    fn random_3sat_models_hold() {
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as i32
        };
        for _ in 0..200 {
            let n = 12;
            let mut cs: Vec<Vec<i32>> = Vec::new();
            for _ in 0..40 {
                let c: Vec<i32> = (0..3)
                    .map(|_| {
                        let v = next().rem_euclid(n) + 1;
                        if next() % 2 == 0 {
                            v
                        } else {
                            -v
                        }
                    })
                    .collect();
                cs.push(c);
            }
            let refs: Vec<&[i32]> = cs.iter().map(Vec::as_slice).collect();
            let brute = (0..1u32 << n).any(|m| {
                let model: Vec<bool> = (0..n).map(|i| m >> i & 1 == 1).collect();
                holds(&model, &refs)
            });
            match solve(n as usize, &refs) {
                SearchResult::Sat(m) => assert!(holds(&m, &refs)),
                SearchResult::Unsat => assert!(!brute),
                other => panic!("{other:?}"),
            }
        }
    }
}
