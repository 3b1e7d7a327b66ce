//! Generates deterministic Debian-like CUDF problems (xz-compressed) for demo rounds.
//!
//! `cargo run -p misc-round --example gen_problems -- OUTDIR` writes the problems of
//! `competitions/demo/problems/`: categories `small` (about 50–200 packages), `medium` (500–1200)
//! and `large` (2000–3000), with install, remove, upgrade and mixed requests, and one unsolvable
//! request. The universe: names with 1–3 versions, dependencies with version constraints and
//! alternatives on earlier names (a DAG, like a distribution's layers), a few conflicts,
//! virtual packages provided by several names, `recommends`, and an initial installation made
//! consistent by removing offenders.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Clone, Copy)]
enum Req {
    Install(usize),
    Remove(usize),
    Upgrade(usize),
    Mixed,
    Unsolvable,
}

struct Pkg {
    name: usize,
    version: u64,
    depends: Vec<Vec<String>>,
    conflicts: Vec<String>,
    provides: Vec<String>,
    recommends: Vec<String>,
}

fn name(i: usize) -> String {
    const STEMS: [&str; 12] = [
        "lib", "python3-", "perl-", "x11-", "gnome-", "kde-", "node-", "golang-", "ruby-",
        "texlive-", "fonts-", "",
    ];
    format!("{}pkg{i}", STEMS[i % STEMS.len()])
}

fn generate(seed: u64, names: usize, req: Req) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let virtuals = [
        "mail-transport-agent",
        "www-browser",
        "x-terminal-emulator",
        "awk",
    ];
    let mut pkgs: Vec<Pkg> = Vec::new();
    let mut versions: Vec<u64> = Vec::new();
    for n in 0..names {
        let nv = 1 + rng.below(3) as u64;
        versions.push(nv);
        for v in 1..=nv {
            let mut depends = Vec::new();
            if n > 0 {
                for _ in 0..rng.below(4) {
                    let mut alts = Vec::new();
                    for _ in 0..(1 + usize::from(rng.chance(20))) {
                        // Mostly recent names (layers), sometimes the base.
                        let span = n.min(40);
                        let d = if rng.chance(15) {
                            rng.below(n.min(10))
                        } else {
                            n - 1 - rng.below(span)
                        };
                        let dv = versions[d];
                        alts.push(if dv > 1 && rng.chance(40) {
                            format!("{} >= {}", name(d), 1 + rng.below(dv as usize))
                        } else {
                            name(d)
                        });
                    }
                    depends.push(alts);
                }
                if rng.chance(5) {
                    depends.push(vec![virtuals[rng.below(virtuals.len())].to_string()]);
                }
            }
            let mut conflicts = Vec::new();
            if n > 0 && rng.chance(6) {
                let c = rng.below(n);
                conflicts.push(if versions[c] > 1 {
                    format!("{} < {}", name(c), versions[c])
                } else {
                    name(c)
                });
            }
            let mut provides = Vec::new();
            if rng.chance(4) {
                let vname = virtuals[rng.below(virtuals.len())];
                provides.push(vname.to_string());
                // Debian-style: a provider conflicts with other providers of the virtual.
                conflicts.push(vname.to_string());
            }
            let mut recommends = Vec::new();
            if n > 0 && rng.chance(30) {
                recommends.push(name(rng.below(n)));
            }
            pkgs.push(Pkg {
                name: n,
                version: v,
                depends,
                conflicts,
                provides,
                recommends,
            });
        }
    }
    // The initial installation: an old version of about a third of the names.
    let installed: Vec<bool> = pkgs
        .iter()
        .map(|p| {
            p.version == 1.max(versions[p.name] - u64::from(rng.chance(50)))
                && (p.name % 3 == 0 || rng.chance(15))
        })
        .collect();
    let mut text = text_with(&pkgs, &installed);
    // Make the initial installation consistent: drop offenders until none is left.
    let mut installed = installed;
    loop {
        let full = format!("{text}request: x\n");
        let doc = misc_cudf::parse_problem(&full).expect("generated CUDF parses");
        let bad: Vec<usize> = installed
            .iter()
            .enumerate()
            .filter(|&(i, &on)| on && offends(&doc, &installed, i))
            .map(|(i, _)| i)
            .collect();
        if bad.is_empty() {
            break;
        }
        for i in bad {
            installed[i] = false;
        }
        text = text_with(&pkgs, &installed);
    }
    let inst_names: Vec<usize> = {
        let mut v: Vec<usize> = pkgs
            .iter()
            .zip(&installed)
            .filter(|(_, &i)| i)
            .map(|(p, _)| p.name)
            .collect();
        v.dedup();
        v
    };
    let not_inst: Vec<usize> = (0..names).filter(|n| !inst_names.contains(n)).collect();
    let pick = |rng: &mut Rng, from: &[usize], k: usize| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for _ in 0..k * 4 {
            if out.len() >= k || from.is_empty() {
                break;
            }
            let n = name(from[rng.below(from.len())]);
            if !out.contains(&n) {
                out.push(n);
            }
        }
        out
    };
    let upgradable: Vec<usize> = inst_names
        .iter()
        .copied()
        .filter(|&n| {
            pkgs.iter()
                .zip(&installed)
                .any(|(p, &i)| i && p.name == n && p.version < versions[n])
        })
        .collect();
    let mut request = String::from("request: demo\n");
    match req {
        Req::Install(k) => {
            let _ = writeln!(
                request,
                "install: {}",
                pick(&mut rng, &not_inst, k).join(", ")
            );
        }
        Req::Remove(k) => {
            let _ = writeln!(
                request,
                "remove: {}",
                pick(&mut rng, &inst_names, k).join(", ")
            );
        }
        Req::Upgrade(k) => {
            let _ = writeln!(
                request,
                "upgrade: {}",
                pick(&mut rng, &upgradable, k).join(", ")
            );
        }
        Req::Mixed => {
            let _ = writeln!(
                request,
                "install: {}",
                pick(&mut rng, &not_inst, 3).join(", ")
            );
            let _ = writeln!(
                request,
                "remove: {}",
                pick(&mut rng, &inst_names, 1).join(", ")
            );
            let _ = writeln!(
                request,
                "upgrade: {}",
                pick(&mut rng, &upgradable, 1).join(", ")
            );
        }
        Req::Unsolvable => {
            // Install a name and remove it: no installation does both.
            let n = pick(&mut rng, &not_inst, 1).join("");
            let _ = writeln!(request, "install: {n}\nremove: {n}");
        }
    }
    text + &request
}

fn text_with(pkgs: &[Pkg], installed: &[bool]) -> String {
    let mut text = String::from("preamble: \nproperty: recommends: vpkgformula = [true!]\n\n");
    for (p, inst) in pkgs.iter().zip(installed) {
        let _ = writeln!(text, "package: {}\nversion: {}", name(p.name), p.version);
        if !p.depends.is_empty() {
            let d: Vec<String> = p.depends.iter().map(|a| a.join(" | ")).collect();
            let _ = writeln!(text, "depends: {}", d.join(", "));
        }
        if !p.conflicts.is_empty() {
            let _ = writeln!(text, "conflicts: {}", p.conflicts.join(", "));
        }
        if !p.provides.is_empty() {
            let _ = writeln!(text, "provides: {}", p.provides.join(", "));
        }
        if !p.recommends.is_empty() {
            let _ = writeln!(text, "recommends: {}", p.recommends.join(", "));
        }
        if *inst {
            text.push_str("installed: true\n");
        }
        text.push('\n');
    }
    text
}

/// Whether installed package `i` has an unsatisfied dependency or a conflict.
fn offends(doc: &misc_cudf::Document<'_>, installed: &[bool], i: usize) -> bool {
    let id = misc_cudf::PkgId(i as u32);
    let inst = misc_cudf::Installation::new(doc, installed);
    let deps_ok = doc
        .depends(id)
        .all(|alts| alts.iter().any(|&v| inst.satisfies(v)));
    let conflict = doc.conflicts(id).iter().any(|&v| {
        doc.versions_of(v.name).iter().any(|&q| {
            q != id && installed[q.index()] && v.constraint().matches(doc.package(q).version)
        }) || doc
            .providers_of(v.name)
            .iter()
            .any(|&(q, pv)| q != id && installed[q.index()] && v.constraint().matches_provided(pv))
    });
    !deps_ok || conflict
}

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "problems".into()));
    let plan: [(&str, &str, u64, usize, Req); 12] = [
        ("small", "install-3", 1, 25, Req::Install(3)),
        ("small", "remove-2", 2, 60, Req::Remove(2)),
        ("small", "upgrade-2", 3, 100, Req::Upgrade(2)),
        ("small", "unsolvable", 4, 40, Req::Unsolvable),
        ("medium", "install-5", 5, 250, Req::Install(5)),
        ("medium", "upgrade-3", 6, 400, Req::Upgrade(3)),
        ("medium", "mixed", 7, 500, Req::Mixed),
        ("medium", "remove-3", 8, 600, Req::Remove(3)),
        ("large", "install-10", 9, 1000, Req::Install(10)),
        ("large", "upgrade-5", 10, 1250, Req::Upgrade(5)),
        ("large", "mixed", 11, 1500, Req::Mixed),
        ("large", "remove-5", 12, 1500, Req::Remove(5)),
    ];
    for (cat, label, seed, names, req) in plan {
        let text = generate(seed, names, req);
        let doc = misc_cudf::parse_problem(&text).expect("generated problem parses");
        let dir = out.join(cat);
        std::fs::create_dir_all(&dir).expect("create the output folder");
        let path = dir.join(format!("{label}-{}.cudf.xz", doc.packages.len()));
        let mut enc = xz2::write::XzEncoder::new(Vec::new(), 9);
        enc.write_all(text.as_bytes()).expect("compress");
        let bytes = enc.finish().expect("compress");
        std::fs::write(&path, bytes).expect("write the problem");
        println!("{} ({} packages)", path.display(), doc.packages.len());
    }
}
