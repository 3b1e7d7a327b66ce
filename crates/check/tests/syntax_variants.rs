//! Syntactic variants of real answers and problems, judged by `cudf-check` (libCUDF 0.9, the
//! organisers' checker) and by misc: the verdicts must be equal on every one (misc-rules.md
//! 7.12: answers are read exactly as libCUDF reads them; problems that libCUDF accepts are
//! accepted).
//!
//! For every problem of ../shared/cudf-public and ../shared/data that cudf-check accepts,
//! aspcud's answer (computed once and cached under the target directory: real answers, not
//! written by hand) is rewritten in each variant below (CRLF, no final newline, a tab after
//! the colon, ...), and `misc check`'s verdict (`parse_answer_bytes` + `check_answer`) is
//! compared with cudf-check's `is_solution`. The same generator runs over the problems: every
//! variant cudf-check accepts, misc accepts. CI runs the problems under 2 MB, at most
//! [`CI_PROBLEMS`] of them; `full_syntax_variants_of_every_shared_problem_agree_with_cudf_check`
//! (ignored) runs them all. With `MISC_REQUIRE_TOOLS` set, a missing cudf-check, aspcud or
//! ../shared fails the test instead of skipping it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{cudf_check_verdict, run_with_timeout};

/// How many problems CI runs (the smallest answers of problems under 2 MB).
const CI_PROBLEMS: usize = 8;

/// One syntactic variant: its name and how it rewrites a document.
type Variant = (&'static str, fn(&str) -> Vec<u8>);

/// Puts `insert` after the first line of every stanza.
fn inside_stanzas(text: &str, insert: &str) -> String {
    let mut out = String::new();
    let mut at_stanza_start = true;
    for line in text.split_inclusive('\n') {
        out.push_str(line);
        if line.trim().is_empty() {
            at_stanza_start = true;
        } else if at_stanza_start && !line.starts_with('#') {
            out.push_str(insert);
            at_stanza_start = false;
        }
    }
    out
}

/// The stanzas of a document, each with its lines (without blank lines).
fn stanzas(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|s| s.trim_matches('\n'))
        .filter(|s| !s.is_empty())
        .map(|s| format!("{s}\n"))
        .collect()
}

/// The variants of a document (an answer or a problem) that the suite tries.
fn variants() -> Vec<Variant> {
    vec![
        ("as written", |t| t.as_bytes().to_vec()),
        ("CRLF line ends", |t| t.replace('\n', "\r\n").into_bytes()),
        ("CR line ends", |t| t.replace('\n', "\r").into_bytes()),
        ("no final newline", |t| {
            t.trim_end_matches('\n').as_bytes().to_vec()
        }),
        ("no blank after the colon", |t| {
            t.replace(": ", ":").into_bytes()
        }),
        ("several blanks after the colon", |t| {
            t.replace(": ", ":   ").into_bytes()
        }),
        ("a tab after the colon", |t| {
            t.replace(": ", ":\t").into_bytes()
        }),
        ("a blank and a tab after the colon", |t| {
            t.replace(": ", ": \t").into_bytes()
        }),
        ("trailing blanks", |t| t.replace('\n', "  \n").into_bytes()),
        ("trailing tab", |t| t.replace('\n', "\t\n").into_bytes()),
        ("leading blank lines", |t| {
            format!("\n\n \t\n\n{t}").into_bytes()
        }),
        ("comments between stanzas", |t| {
            format!("# first\n{}# last\n", t.replace("\n\n", "\n# between\n\n")).into_bytes()
        }),
        ("comments inside stanzas", |t| {
            inside_stanzas(t, "# inside\n").into_bytes()
        }),
        ("comment at the end without newline", |t| {
            format!("{t}# end").into_bytes()
        }),
        ("blank line inside a stanza", |t| {
            inside_stanzas(t, "\n").into_bytes()
        }),
        ("blank lines of blanks between stanzas", |t| {
            t.replace("\n\n", "\n \t \n").into_bytes()
        }),
        ("BOM", |t| format!("\u{feff}{t}").into_bytes()),
        ("NUL byte in a value", |t| {
            t.replacen("true\n", "true\0\n", 1).into_bytes()
        }),
        ("NUL byte in a comment", |t| {
            format!("# \0\n{t}").into_bytes()
        }),
        ("stanza order reversed", |t| {
            let s = stanzas(t);
            // The request (last in a problem) stays last.
            let (body, last) = match s.last() {
                Some(l) if l.starts_with("request:") => (&s[..s.len() - 1], Some(l)),
                _ => (&s[..], None),
            };
            let mut out: Vec<String> = body.iter().rev().cloned().collect();
            if let Some(pre) = out.iter().position(|x| x.starts_with("preamble:")) {
                let p = out.remove(pre);
                out.insert(0, p);
            }
            out.extend(last.cloned());
            out.join("\n").into_bytes()
        }),
        ("continuation lines", |t| {
            t.replace("installed: true\n", "installed: tr\n ue\n")
                .into_bytes()
        }),
    ]
}

/// Answers only: stanzas `installed: false` for packages of the universe the answer does not
/// list (libCUDF reads and ignores them), and a property with no space after its colon.
fn answer_variants(answer: &str, problem: &misc_cudf::Document<'_>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let listed: Vec<(String, u64)> = stanzas(answer)
        .iter()
        .filter_map(|s| {
            let name = s.lines().find_map(|l| l.strip_prefix("package: "))?;
            let version = s.lines().find_map(|l| l.strip_prefix("version: "))?;
            Some((name.trim().to_string(), version.trim().parse().ok()?))
        })
        .collect();
    let mut extra = String::new();
    for p in problem.package_ids().take(400) {
        let pkg = problem.package(p);
        let name = problem.name(pkg.name);
        if !listed.iter().any(|(n, v)| n == name && *v == pkg.version) && extra.len() < 20_000 {
            extra += &format!(
                "package: {name}\nversion: {}\ninstalled: false\n\n",
                pkg.version
            );
        }
    }
    out.push((
        "`installed: false` stanzas".to_string(),
        format!("{answer}\n{extra}").into_bytes(),
    ));
    out.push((
        "`installed:true` once".to_string(),
        answer
            .replacen("installed: true", "installed:true", 1)
            .into_bytes(),
    ));
    out
}

/// A problem of the shared data, decompressed.
struct SharedProblem {
    name: String,
    text: String,
}

/// Every CUDF document of the shared data that cudf-check accepts as a problem (with a
/// request), smallest first.
fn shared_problems(shared: &Path, dir: &Path, max_len: usize) -> Vec<SharedProblem> {
    let mut files = Vec::new();
    for root in ["cudf-public", "data/problems"] {
        collect(&shared.join(root), &mut files);
    }
    let mut out = Vec::new();
    for path in files {
        let name = path
            .strip_prefix(shared)
            .unwrap_or(&path)
            .display()
            .to_string();
        if name.contains("-sol") || name.ends_with(".sol") || name.contains("sol.cudf") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(plain) = misc_cudf::decompress(&bytes) else {
            continue;
        };
        let Ok(text) = String::from_utf8(plain.into_owned()) else {
            continue;
        };
        if !text.contains("request:") || text.len() > max_len {
            continue;
        }
        let file = dir.join("accepted.cudf");
        std::fs::write(&file, &text).unwrap();
        if cudf_check_accepts(&file) {
            out.push(SharedProblem { name, text });
        }
    }
    out.sort_by_key(|p| p.text.len());
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out);
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".cudf") || n.ends_with(".cudf.xz"))
        {
            out.push(path);
        }
    }
}

/// Whether `cudf-check -cudf` reads the problem (an inconsistent initial installation is
/// still read).
fn cudf_check_accepts(problem: &Path) -> bool {
    let Ok(out) = Command::new("cudf-check")
        .arg("-cudf")
        .arg(problem)
        .output()
    else {
        return false;
    };
    String::from_utf8_lossy(&out.stdout).contains("original installation status")
}

/// aspcud's answer to a problem, computed once and cached under the target directory.
fn aspcud_answer(problem: &SharedProblem, dir: &Path, timeout: u64) -> Option<String> {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("aspcud-answers");
    std::fs::create_dir_all(&cache).ok()?;
    let key = format!(
        "{}-{}.sol",
        problem.name.replace('/', "_"),
        problem.text.len()
    );
    let cached = cache.join(&key);
    if let Ok(text) = std::fs::read_to_string(&cached) {
        return Some(text);
    }
    let input = dir.join("problem.cudf");
    std::fs::write(&input, &problem.text).ok()?;
    let output = dir.join("aspcud.sol");
    let _ = std::fs::remove_file(&output);
    let mut cmd = Command::new("aspcud");
    cmd.arg(&input).arg(&output).arg("paranoid");
    run_with_timeout(&mut cmd, timeout);
    let text = std::fs::read_to_string(&output).ok()?;
    std::fs::write(&cached, &text).ok()?;
    Some(text)
}

/// Our verdict on an answer given as bytes, read exactly as libCUDF reads it.
fn our_verdict(doc: &misc_cudf::Document<'_>, answer: &[u8]) -> (bool, String) {
    match misc_cudf::parse_answer_bytes(answer, doc, misc_cudf::AnswerReading::Exact) {
        Err(e) => (false, format!("unparseable: {e}")),
        Ok(a) => {
            let report = misc_check::check_answer(doc, &a);
            let why = report
                .violations
                .first()
                .map_or(String::new(), |v| v.message.clone());
            (report.verdict == misc_check::Verdict::Valid, why)
        }
    }
}

/// Runs the suite on the first `limit` problems under `max_len` bytes; returns the table of
/// variants with cudf-check's verdicts, and panics on any disagreement.
fn run_suite(max_len: usize, limit: usize, timeout: u64) {
    if misc_testkit::require_tool("cudf-check", "apt-get install cudf-tools").is_none()
        || misc_testkit::require_tool("aspcud", "apt-get install aspcud").is_none()
    {
        return;
    }
    let Some(shared) = misc_testkit::require_shared("cudf-public") else {
        return;
    };
    let shared = shared.parent().unwrap().to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    let problems = shared_problems(&shared, dir.path(), max_len);
    assert!(!problems.is_empty(), "no problem that cudf-check accepts");
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut answers = 0;
    // (variant, cudf-check's verdicts) for the report.
    let mut table: Vec<(String, usize, usize)> = Vec::new();
    let note = |table: &mut Vec<(String, usize, usize)>, name: &str, verdict: bool| {
        let row = match table.iter().position(|r| r.0 == name) {
            Some(i) => i,
            None => {
                table.push((name.to_string(), 0, 0));
                table.len() - 1
            }
        };
        if verdict {
            table[row].1 += 1;
        } else {
            table[row].2 += 1;
        }
    };
    let problem_file = dir.path().join("p.cudf");
    let answer_file = dir.path().join("s.cudf");
    for problem in &problems {
        if answers >= limit {
            break;
        }
        // Problems: every variant cudf-check accepts, misc accepts.
        for (name, rewrite) in variants() {
            let bytes = rewrite(&problem.text);
            std::fs::write(&problem_file, &bytes).unwrap();
            let reference = cudf_check_accepts(&problem_file);
            note(&mut table, &format!("problem: {name}"), reference);
            let ours = misc_cudf::check_utf8(&bytes)
                .ok()
                .map(|t| misc_cudf::parse_problem(t).map(|_| ()));
            if reference && !matches!(ours, Some(Ok(()))) {
                failures.push(format!(
                    "{} ({name}): cudf-check accepts the problem, misc refuses it: {ours:?}",
                    problem.name
                ));
            }
            compared += 1;
        }
        std::fs::write(&problem_file, &problem.text).unwrap();
        let doc = misc_cudf::parse_problem(&problem.text).expect("cudf-check accepts it");
        let Some(answer) = aspcud_answer(problem, dir.path(), timeout) else {
            continue;
        };
        std::fs::write(&answer_file, &answer).unwrap();
        if cudf_check_verdict(&problem_file, &answer_file) != Some(true) {
            // Only valid answers are rewritten (FAIL, or none within the time).
            continue;
        }
        answers += 1;
        let mut cases: Vec<(String, Vec<u8>)> = variants()
            .into_iter()
            .map(|(name, rewrite)| (name.to_string(), rewrite(&answer)))
            .collect();
        cases.extend(answer_variants(&answer, &doc));
        // Answers only: a problem must be UTF-8 (ARCHITECTURE.md, "Where the rules are
        // silent"), libCUDF reads any byte in a comment.
        let mut bad_utf8 = b"# \xff\xfe\n".to_vec();
        bad_utf8.extend_from_slice(answer.as_bytes());
        cases.push(("invalid UTF-8 in a comment".to_string(), bad_utf8));
        for (name, bytes) in cases {
            std::fs::write(&answer_file, &bytes).unwrap();
            let Some(reference) = cudf_check_verdict(&problem_file, &answer_file) else {
                failures.push(format!(
                    "{} ({name}): cudf-check gave no verdict",
                    problem.name
                ));
                continue;
            };
            note(&mut table, &format!("answer: {name}"), reference);
            let (ours, why) = our_verdict(&doc, &bytes);
            compared += 1;
            if ours != reference {
                failures.push(format!(
                    "{} ({name}): cudf-check says is_solution {reference}, misc says {ours} ({why})",
                    problem.name
                ));
            }
        }
    }
    eprintln!("{compared} comparisons, {answers} valid aspcud answers, variants (cudf-check: accepted / rejected):");
    for (name, yes, no) in &table {
        eprintln!("  {name}: {yes} / {no}");
    }
    assert!(answers > 0, "no valid aspcud answer to compare");
    assert!(
        failures.is_empty(),
        "{} disagreements with cudf-check:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn syntax_variants_of_small_shared_problems_agree_with_cudf_check() {
    run_suite(2 << 20, CI_PROBLEMS, 30);
}

/// Every problem of ../shared, every variant (cudf-check takes seconds on the large ones).
#[test]
#[ignore]
fn full_syntax_variants_of_every_shared_problem_agree_with_cudf_check() {
    run_suite(usize::MAX, usize::MAX, 300);
}
