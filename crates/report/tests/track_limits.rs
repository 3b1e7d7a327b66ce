//! Limits per track on the site (MISC 2012: "the time limit now depends on the track"): each
//! track page states its own limits; the index lists them per track when they differ; a track
//! whose records were run under different limits says so.

mod common;

use misc_report::synthetic;
use misc_results::Limits;

/// The index and the two track pages of `round`'s site.
fn render(round: &synthetic::SyntheticRound, dir: &std::path::Path) -> (String, String, String) {
    common::render_round(round, dir, None);
    let site = dir.join("site");
    let read = |f: &str| std::fs::read_to_string(site.join(f)).unwrap();
    (
        read("index.html"),
        read("tracks/paranoid.html"),
        read("tracks/trendy.html"),
    )
}

#[test]
fn one_set_of_limits_is_stated_once() {
    let dir = tempfile::tempdir().unwrap();
    let (index, paranoid, trendy) = render(&synthetic::demo(), dir.path());
    assert!(!index.contains("per track"), "{index}");
    assert!(index.contains("CPU time 300 s, wall clock 600 s"));
    for page in [&paranoid, &trendy] {
        assert!(
            page.contains("CPU 300 s, wall clock 600 s, memory 1 GiB"),
            "{page}"
        );
        assert!(!page.contains("limits-warning"));
    }
}

#[test]
fn tracks_with_their_own_limits_show_them() {
    let mut round = synthetic::demo();
    let trendy = Limits {
        cpu_time: 100.0,
        wall_time: 200.0,
        memory: 2 << 30,
        ..Limits::default()
    };
    let t = round
        .manifest
        .tracks
        .iter_mut()
        .find(|t| t.name == "trendy")
        .unwrap();
    t.cpu_time_limit = 100.0;
    t.limits = Some(trendy.clone());
    // Every trendy record but one was run under the track's limits; that one under the
    // round's (the definition changed between runs).
    let mut left = true;
    for r in round.records.iter_mut().filter(|r| r.track == "trendy") {
        if left && r.solver == "naive-0.1" {
            left = false;
            continue;
        }
        r.limits = trendy.clone();
    }
    let dir = tempfile::tempdir().unwrap();
    let (index, paranoid, trendy_page) = render(&round, dir.path());
    assert!(index.contains("per track"), "{index}");
    assert!(
        index.contains("paranoid: CPU 300 s, wall clock 600 s, memory 1 GiB"),
        "{index}"
    );
    assert!(
        index.contains("trendy: CPU 100 s, wall clock 200 s, memory 2 GiB"),
        "{index}"
    );
    assert!(
        paranoid.contains("CPU 300 s, wall clock 600 s"),
        "{paranoid}"
    );
    assert!(!paranoid.contains("limits-warning"));
    assert!(
        trendy_page.contains("CPU 100 s, wall clock 200 s, memory 2 GiB"),
        "{trendy_page}"
    );
    assert!(trendy_page.contains("100 s in this track"), "{trendy_page}");
    assert!(trendy_page.contains("limits-warning"), "{trendy_page}");
    assert!(
        trendy_page.contains("different limits") && trendy_page.contains("naive-0.1 on"),
        "{trendy_page}"
    );
    assert!(index.contains("different limits"), "{index}");
}
