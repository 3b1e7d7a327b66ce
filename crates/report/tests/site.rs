//! Renders the demo round and checks the site: pages, links, winners, the MISC table, the
//! tie-break note, accessibility basics, escaping, offline-ness and the downloads.

mod common;

use std::path::Path;

use common::{pages, render_demo};
use misc_score::{SavedScoring, ScoreOptions, TieBreak};

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The values of every `name="..."` attribute in `html`.
fn attrs<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let pat = format!(" {name}=\"");
    html.match_indices(&pat)
        .filter_map(|(i, _)| {
            let rest = &html[i + pat.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

fn decode(href: &str) -> String {
    let href = href.replace("&amp;", "&");
    let bytes = href.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn the_demo_site_has_every_page_and_download() {
    let dir = tempfile::tempdir().unwrap();
    let (round, summary) = render_demo(dir.path(), None);
    let site = dir.path().join("site");
    assert_eq!(summary.index, site.join("index.html"));
    for f in [
        "index.html",
        "problems.html",
        "tracks/paranoid.html",
        "tracks/trendy.html",
        "problems/small__p1.cudf.xz.html",
        "problems/dudf-real__p6.cudf.xz.html",
        "solvers/aspcud-1.9.html",
        "solvers/naive-0.1.html",
        "results.csv",
        "results.json",
        "results/outputs/paranoid/aspcud-1.9/small/p1.out",
    ] {
        assert!(site.join(f).is_file(), "missing {f}");
    }
    // index + list + 2 tracks + 6 problems + 4 solvers
    assert_eq!(summary.pages, 14);
    assert_eq!(pages(&site).len(), 14);
    assert_eq!(summary.outputs_copied, round.outputs.len());
    assert_eq!(summary.outputs_missing, 0);

    let csv = read(&site.join("results.csv"));
    assert_eq!(csv.lines().count(), round.records.len() + 1);
    assert!(csv.starts_with("round,track,solver,solver_version,problem,category,outcome,points"));
    let json: serde_json::Value = serde_json::from_str(&read(&site.join("results.json"))).unwrap();
    assert_eq!(
        json["records"].as_array().unwrap().len(),
        round.records.len()
    );
    assert_eq!(json["scores"]["tracks"].as_array().unwrap().len(), 2);
    assert_eq!(json["manifest"]["round"], "misc-demo-2011");
}

#[test]
fn every_link_resolves_and_nothing_is_loaded_from_the_network() {
    let dir = tempfile::tempdir().unwrap();
    render_demo(dir.path(), None);
    let site = dir.path().join("site");
    let mut links = 0;
    for page in pages(&site) {
        let html = read(&page);
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "{}: absolute URL",
            page.display()
        );
        assert!(
            !html.contains("<link"),
            "{}: external stylesheet",
            page.display()
        );
        assert!(!html.contains("<script src"), "{}", page.display());
        assert!(
            !html.contains("@import") && !html.contains("url("),
            "{}",
            page.display()
        );
        for href in attrs(&html, "href").into_iter().chain(attrs(&html, "src")) {
            if href.starts_with('#') {
                continue;
            }
            let path = decode(href.split('#').next().unwrap());
            let target = page.parent().unwrap().join(&path);
            assert!(
                target.is_file(),
                "{}: link {href} -> {} does not exist",
                page.display(),
                target.display()
            );
            links += 1;
        }
    }
    assert!(links > 100, "only {links} links checked");
}

#[test]
fn index_shows_the_round_and_the_winners() {
    let dir = tempfile::tempdir().unwrap();
    render_demo(dir.path(), None);
    let index = read(&dir.path().join("site/index.html"));
    for needle in [
        "misc-demo-2011",
        "2011-06-01 04:00 UTC",
        "CPU time 300 s",
        "Intel Xeon E5-2620",
        "<code>misc2011</code>",
        "<code>success-time</code>",
        "<strong class=\"winner\">aspcud-1.9</strong>",
        "<strong class=\"winner\">mccs-1.1</strong>",
        "ol class=\"podium\"",
        "The tie-break decided the winner",
        misc_results::HARNESS_VERSION,
    ] {
        assert!(index.contains(needle), "index lacks {needle:?}");
    }
}

#[test]
fn track_pages_show_the_misc_table_and_the_tie_break_note() {
    let dir = tempfile::tempdir().unwrap();
    render_demo(dir.path(), None);
    let paranoid = read(&dir.path().join("site/tracks/paranoid.html"));
    // aspcud and p2cudf tie on 14; aspcud's success time is lower.
    assert!(paranoid.contains("<strong class=\"winner\">aspcud-1.9</strong>"));
    assert!(paranoid.contains("class=\"note tie-note\">The tie-break decided the winner: aspcud-1.9 and p2cudf-1.14 scored 14 points each"));
    assert!(paranoid.contains("(by tie-break)"));
    assert!(paranoid.contains("m = 4 solvers, 6 problems"));
    // Category cells are `score (time)`; the Total row too.
    assert!(
        paranoid.contains("<td class=\"num best\">14 (306.20)</td>"),
        "{paranoid}"
    );
    assert!(paranoid.contains(">Total</th>"));
    for cat in ["small", "medium", "dudf-real"] {
        assert!(paranoid.contains(&format!("<th scope=\"row\">{cat}</th>")));
    }
    // Three plots: cactus, by category, scatter of the first two.
    assert_eq!(paranoid.matches("<svg ").count(), 3);
    let trendy = read(&dir.path().join("site/tracks/trendy.html"));
    assert!(trendy.contains("<strong class=\"winner\">mccs-1.1</strong>"));
    assert!(!trendy.contains("tie-note"));
    assert!(
        trendy.contains("have no record"),
        "the missing run is reported"
    );
}

#[test]
fn problem_pages_explain_every_run() {
    let dir = tempfile::tempdir().unwrap();
    render_demo(dir.path(), None);
    let p2 = read(&dir.path().join("site/problems/small__p2.cudf.xz.html"));
    for needle in [
        "o-solved\">solved<",
        "o-fail\">FAIL<",
        "o-wrong\">wrong<",
        "<code>(0, 1)</code>",
        "<code>unsatisfied-dependency</code>",
        "MiB",
        "exited (exit 0)",
        "../results/outputs/paranoid/naive-0.1/small/p2.out",
    ] {
        assert!(p2.contains(needle), "problem page lacks {needle:?}");
    }
    // The checker's message is escaped, never markup.
    assert!(p2.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends"));
    assert!(!p2.contains("<script>alert"));
    let p3 = read(&dir.path().join("site/problems/medium__p3.cudf.xz.html"));
    assert!(p3.contains("cpu-limit (signal 9)") && p3.contains("not kept"));
    assert!(p3.contains("wall-limit"), "trendy section of p3");
}

#[test]
fn solver_pages_list_tracks_categories_slowest_and_failed_runs() {
    let dir = tempfile::tempdir().unwrap();
    render_demo(dir.path(), None);
    let naive = read(&dir.path().join("site/solvers/naive-0.1.html"));
    assert!(naive.contains("Slowest runs") && naive.contains("Runs without a valid solution"));
    assert!(naive.contains("o-missing\">missing<"));
    assert!(naive.contains("memory-limit") || naive.contains("cpu-limit"));
    assert!(naive.contains(">41<"), "{naive}");
    let aspcud = read(&dir.path().join("site/solvers/aspcud-1.9.html"));
    assert!(aspcud.contains("1 of 4 (by tie-break)"));
    // The solver.toml description recorded in the manifest (mccs's says what it counts).
    let mccs = read(&dir.path().join("site/solvers/mccs-1.1.html"));
    assert!(
        mccs.contains("<p class=\"description\">Multi-criteria CUDF solver. Counts package names, not (name, version) pairs.</p>"),
        "{mccs}"
    );
    assert!(
        !aspcud.contains("class=\"description\""),
        "no description, no paragraph"
    );
}

/// How answers were read is on the index (and, when leniently, on every page's footer).
#[test]
fn the_answer_reading_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    render_demo(dir.path(), None);
    let index = read(&dir.path().join("site/index.html"));
    assert!(
        index.contains("<dt>Answers read</dt><dd>exactly as libCUDF"),
        "{index}"
    );
    assert!(!index.contains("Answers were read leniently"));

    let mut round = misc_report::synthetic::demo();
    round.manifest.answers = Some(misc_results::AnswerReading::Lenient);
    let round_dir = dir.path().join("lenient-round");
    round.write_to(&round_dir).unwrap();
    let scores = misc_score::score_round(&round.manifest, &round.records, None).unwrap();
    let lenient = dir.path().join("lenient");
    misc_report::render_site(
        &round.manifest,
        &round.records,
        &scores,
        Some(&round_dir.join("results")),
        &lenient,
    )
    .unwrap();
    let index = read(&lenient.join("index.html"));
    assert!(
        index.contains("<dt>Answers read</dt><dd>leniently"),
        "{index}"
    );
    for page in pages(&lenient) {
        let text = read(&page);
        assert!(
            text.contains("<strong>Answers were read leniently</strong>"),
            "{}",
            page.display()
        );
    }
}

#[test]
fn pages_are_accessible_enough() {
    let dir = tempfile::tempdir().unwrap();
    render_demo(dir.path(), None);
    for page in pages(&dir.path().join("site")) {
        let html = read(&page);
        let name = page.display();
        assert!(
            html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"),
            "{name}"
        );
        assert!(html.contains("name=\"viewport\""), "{name}");
        for (open, close) in [
            ("<table", "</table>"),
            ("<tr", "</tr>"),
            ("<td", "</td>"),
            ("<th", "</th>"),
            ("<svg", "</svg>"),
            ("<section", "</section>"),
            ("<ul", "</ul>"),
        ] {
            // `<th` also matches `<thead`; count both sides the same way.
            let opens = html.matches(open).count()
                - if open == "<th" {
                    html.matches("<thead").count()
                } else {
                    0
                };
            let closes = html.matches(close).count();
            assert_eq!(opens, closes, "{name}: {open} vs {close}");
        }
        for table in html.split("<table").skip(1) {
            let table = &table[..table.find("</table>").unwrap()];
            assert!(
                table.contains("<th scope=\"col\""),
                "{name}: table without column heads"
            );
            assert!(table.contains("<caption>"), "{name}: table without caption");
            for th in table.split("<th").skip(1).filter(|t| !t.starts_with("ead")) {
                assert!(
                    th.starts_with(" scope="),
                    "{name}: <th{}",
                    &th[..20.min(th.len())]
                );
            }
        }
        for svg in html.split("<svg").skip(1) {
            let head = &svg[..svg.find('>').unwrap()];
            assert!(
                head.contains("role=\"img\"") && head.contains("aria-label=\""),
                "{name}"
            );
            assert!(
                svg[head.len()..].starts_with("><title>"),
                "{name}: svg without title"
            );
        }
    }
}

#[test]
fn a_saved_tie_break_is_used_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let saved = SavedScoring {
        options: ScoreOptions {
            tie_break: TieBreak::None,
            ..ScoreOptions::default()
        },
    };
    render_demo(dir.path(), Some(&saved));
    let site = dir.path().join("site");
    let index = read(&site.join("index.html"));
    assert!(index.contains("<code>none</code>"));
    assert!(index.contains("The round was run with rules misc2011 and tie-break success-time"));
    let paranoid = read(&site.join("tracks/paranoid.html"));
    assert!(paranoid.contains(
        "aspcud-1.9 and p2cudf-1.14 share first place with 14 points: no tie-break is in use."
    ));
    assert!(paranoid.contains("<strong class=\"winner\">aspcud-1.9, p2cudf-1.14</strong>"));

    // Re-rendering with par2 into the same folder shows the new rule and its column.
    let round = misc_report::synthetic::demo();
    let saved = SavedScoring {
        options: ScoreOptions {
            tie_break: TieBreak::Par2,
            ..ScoreOptions::default()
        },
    };
    let scores = misc_score::score_round(&round.manifest, &round.records, Some(&saved)).unwrap();
    misc_report::render_site(&round.manifest, &round.records, &scores, None, &site).unwrap();
    let paranoid = read(&site.join("tracks/paranoid.html"));
    assert!(paranoid.contains("By the tie-break par2"));
    assert!(paranoid.contains("par2 (s)</th>"));
    assert!(read(&site.join("index.html")).contains("<code>par2</code>"));
}

#[test]
fn stale_pages_of_an_earlier_report_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    render_demo(dir.path(), None);
    let site = dir.path().join("site");
    std::fs::write(site.join("problems/gone.html"), "old").unwrap();
    std::fs::write(site.join("problems/notes.txt"), "kept").unwrap();
    let (_, summary) = render_demo(dir.path(), None);
    assert_eq!(summary.stale_removed, 1);
    assert!(!site.join("problems/gone.html").exists());
    assert!(site.join("problems/notes.txt").exists());
}

#[test]
fn a_larger_synthetic_round_renders() {
    let round = misc_report::synthetic::generate(2, 5, 100);
    let scores = misc_score::score_round(&round.manifest, &round.records, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary =
        misc_report::render_site(&round.manifest, &round.records, &scores, None, dir.path())
            .unwrap();
    // index + list + 2 tracks + 100 problems + 5 solvers
    assert_eq!(summary.pages, 109);
    assert_eq!(summary.outputs_copied, 0);
    assert_eq!(summary.outputs_missing, round.outputs.len());
}

/// An entrant that could not start (the manifest's `not_run`, no record) counts in m but gets
/// no place: here it would rank first on points (every run of the other entrant is wrong, its
/// missing runs score as FAIL), yet the podium, the winner and the ranking name the entrant
/// that ran, and the pages say "not run: REASON" (misc-rules.md 7.4).
#[test]
fn entrants_that_did_not_run_get_no_place() {
    use misc_results::Outcome;
    let mut round = misc_report::synthetic::demo();
    let wrong = round
        .records
        .iter()
        .find(|r| r.outcome == Outcome::Wrong && r.track == "paranoid")
        .unwrap()
        .clone();
    round.manifest.tracks.retain(|t| t.name == "paranoid");
    let track = &mut round.manifest.tracks[0];
    track.solvers = vec![wrong.solver.clone(), "ghost".into()];
    round.records = track
        .problems
        .iter()
        .map(|p| {
            let mut r = wrong.clone();
            r.problem = p.clone();
            r.category = p.rsplit('/').nth(1).unwrap().to_owned();
            r
        })
        .collect();
    let why = "`ghost` is not installed (not beside misc, not on PATH)";
    round.manifest.not_run.insert("ghost".into(), why.into());
    let scores = misc_score::score_round(&round.manifest, &round.records, None).unwrap();
    let t = scores.track("paranoid").unwrap();
    assert_eq!(t.m, 2);
    assert_eq!(
        t.entry("ghost").unwrap().rank,
        1,
        "the case this test is about"
    );

    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    misc_report::render_site(&round.manifest, &round.records, &scores, None, &site).unwrap();
    let index = read(&site.join("index.html"));
    let podium = &index[index.find("<ol class=\"podium\"").unwrap()..];
    let podium = &podium[..podium.find("</ol>").unwrap()];
    assert!(!podium.contains("ghost"), "{podium}");
    assert!(podium.contains(&wrong.solver), "{podium}");
    assert!(index.contains(&format!(
        "<strong class=\"winner\">{}</strong>",
        wrong.solver
    )));
    assert!(
        index.contains("ghost</a>: not run: `ghost` is not installed"),
        "{index}"
    );
    assert!(index.contains("paranoid: not run: `ghost`"), "{index}");
    let page = read(&site.join("tracks/paranoid.html"));
    let ranking = &page[page.find("id=\"ranking\"").unwrap()..];
    let ranking = &ranking[..ranking.find("</table>").unwrap()];
    assert!(!ranking.contains("ghost"), "{ranking}");
    assert!(page.contains("Entered but not run"), "{page}");
    assert!(page.contains("ghost</a>: not run: `ghost` is not installed"));
    let page = read(&site.join("solvers/ghost.html"));
    assert!(page.contains("paranoid: not run: `ghost`"), "{page}");
    assert!(!page.contains("1st"), "{page}");
}

/// `s` as the pages escape it (misc-report's one escaper: `& < > " '`, `/` kept).
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Replaces every JSON string equal to `from` (and every object key equal to it) by `to`.
fn rename(v: &mut serde_json::Value, from: &str, to: &str) {
    match v {
        serde_json::Value::String(s) if s == from => *s = to.to_owned(),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| rename(x, from, to)),
        serde_json::Value::Object(o) => {
            if let Some(x) = o.remove(from) {
                o.insert(to.to_owned(), x);
            }
            o.values_mut().for_each(|x| rename(x, from, to));
        }
        _ => {}
    }
}

#[test]
fn hostile_names_are_escaped_on_every_page_they_appear_on() {
    // A solver, a problem, a track, a category, a round, a version and a description chosen
    // to break out of text, of attributes and of paths (rendered by the real site builder).
    let solver = r#"<script>alert("s")</script>'&/x"#;
    let problem = r#"problems/small/<img src=x onerror="p">&'q'.cudf"#;
    let track = r#"trendy<i>"&'/"#;
    let category = r#"sm<b>all"&'/"#;
    let round_name = r#"demo</title><script>alert('r')</script>"#;
    let version = r#"1.1"><script>alert('v')</script>"#;
    let description = r#"Counts <b>"names"</b> & 'pairs'"#;
    let mut round = misc_report::synthetic::demo();
    let mut manifest = serde_json::to_value(&round.manifest).unwrap();
    let mut records = serde_json::to_value(&round.records).unwrap();
    for v in [&mut manifest, &mut records] {
        rename(v, "mccs-1.1", solver);
        rename(v, "problems/small/p1.cudf.xz", problem);
        rename(v, "trendy", track);
        rename(v, "small", category);
        rename(v, "misc-demo-2011", round_name);
    }
    manifest["solver_versions"][solver] = version.into();
    manifest["solver_descriptions"][solver] = description.into();
    round.manifest = serde_json::from_value(manifest).unwrap();
    round.records = serde_json::from_value(records).unwrap();

    let dir = tempfile::tempdir().unwrap();
    common::render_round(&round, dir.path(), None);
    let site = dir.path().join("site");

    let hostile = [
        solver,
        problem,
        track,
        category,
        round_name,
        version,
        description,
    ];
    let mut shown = std::collections::BTreeMap::<&str, usize>::new();
    let all = pages(&site);
    assert_eq!(all.len(), 14, "the same pages as the demo's");
    for page in &all {
        let html = read(page);
        let name = page.strip_prefix(&site).unwrap().display().to_string();
        for h in hostile {
            assert!(!html.contains(h), "{name}: {h:?} unescaped");
        }
        for needle in [
            "<script>alert",
            "<img src=x",
            "<i>\"",
            "<b>all",
            "<b>\"names",
        ] {
            assert!(
                !html.contains(needle),
                "{name}: markup {needle:?} got through"
            );
        }
        for h in hostile {
            if html.contains(&escaped(h)) {
                *shown.entry(h).or_default() += 1;
            }
        }
        // Every page names the round (title) and every track (navigation).
        for h in [round_name, track] {
            assert!(
                html.contains(&escaped(h)),
                "{name}: {h:?} not shown escaped"
            );
        }
    }
    let on = |file: &str| read(&site.join(file));
    let solver_page = all
        .iter()
        .map(|p| read(p))
        .find(|html| html.contains(&format!("<h1>Solver {}", escaped(solver))))
        .unwrap_or_else(|| panic!("no page titled with the solver's escaped name"));
    for h in [version, description] {
        assert!(solver_page.contains(&escaped(h)), "solver page lacks {h:?}");
    }
    assert!(on("index.html").contains(&escaped(solver)));
    assert!(on("problems.html").contains(&escaped(problem)));
    assert!(on("problems.html").contains(&escaped(category)));
    // The solver is on the index, both track pages, its own page, the others' (scatter
    // against it) and the problem pages of its runs.
    assert!(
        shown[solver] >= 10,
        "solver shown escaped on {} pages",
        shown[solver]
    );
    // The problem is on the list, its own page and both track pages.
    assert!(
        shown[problem] >= 4,
        "problem shown escaped on {} pages",
        shown[problem]
    );
}
