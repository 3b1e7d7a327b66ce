//! Loads every page of the demo site in headless Chromium.
//!
//! Runs only when `chromium` (or `chromium-browser`, or the program in `$CHROMIUM`) is on PATH;
//! otherwise it prints why it skipped and passes (and fails when `MISC_REQUIRE_TOOLS` is set,
//! see misc-testkit). For every page it asserts that Chromium
//! exits cleanly, that the rendered DOM is the page (its heading and the round's name), that the
//! sorting script ran (its buttons are in the DOM), that the index and track pages name the
//! expected winners, that a crashed run's stderr tail is on its problem page, and that Chromium logged no console message and no uncaught exception.
//! Chromium logs every console level (log, warn, error) as `INFO:CONSOLE`, so any console line
//! fails the test: the pages log nothing when they work.
//!
//! Screenshots of the index and of the `paranoid` track page (1280×900) go to
//! `$MISC_ARTIFACTS_DIR` (default `target/report-artifacts` in the workspace), with a copy of
//! the site in `site/` beside them.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let found = ["chromium", "chromium-browser"]
        .into_iter()
        .find_map(misc_testkit::find_tool);
    if found.is_none() {
        misc_testkit::skip("no `chromium` on PATH (apt-get install chromium, or set CHROMIUM)");
    }
    found
}

/// What one Chromium run printed.
struct Run {
    stdout: String,
    stderr: String,
}

/// Runs Chromium headless on `url` with `extra` flags and a fresh profile; fails after 90 s.
fn chromium(bin: &Path, url: &str, extra: &[String]) -> Run {
    let profile = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish on {url} within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let run = Run {
        stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
    };
    assert!(
        status.success(),
        "chromium on {url}: {status}\n{}",
        run.stderr
    );
    run
}

/// Console messages and uncaught exceptions in Chromium's log.
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("CONSOLE(")
                || l.contains("Uncaught")
                || l.contains("console error")
        })
        .collect()
}

fn artifacts_dir() -> PathBuf {
    match std::env::var_os("MISC_ARTIFACTS_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-artifacts"),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn every_page_renders_in_headless_chromium() {
    let Some(bin) = find_chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (round, _) = common::render_demo(dir.path(), None);
    let site = dir.path().join("site").canonicalize().unwrap();
    let pages = common::pages(&site);
    assert_eq!(pages.len(), 14);

    for page in &pages {
        let rel = page.strip_prefix(&site).unwrap().display().to_string();
        let url = format!("file://{}", page.display());
        let run = chromium(&bin, &url, &["--dump-dom".to_owned()]);
        let dom = &run.stdout;
        assert!(
            dom.contains("</html>"),
            "{rel}: no DOM dumped\n{}",
            run.stderr
        );
        assert!(
            dom.contains("<main id=\"main\">") && dom.contains("<h1>"),
            "{rel}"
        );
        assert!(dom.contains(&round.manifest.round), "{rel}: round name");
        assert!(
            dom.contains("<button type=\"button\" class=\"sort\">"),
            "{rel}: the table-sorting script did not run"
        );
        let errors = console_errors(&run.stderr);
        assert!(
            errors.is_empty(),
            "{rel}: console output:\n{}",
            errors.join("\n")
        );
        let winners: &[&str] = match rel.as_str() {
            "index.html" => &["aspcud-1.9", "mccs-1.1"],
            "tracks/paranoid.html" => &["aspcud-1.9"],
            "tracks/trendy.html" => &["mccs-1.1"],
            _ => &[],
        };
        // The crashing run's stderr tail is on its problem page (escaped as text).
        if rel == "problems/dudf-real__p6.cudf.xz.html" {
            assert!(
                dom.contains(misc_report::synthetic::SEGV_STDERR)
                    && dom.contains("last lines of stderr"),
                "{rel}: the solver's stderr is not shown"
            );
        }
        for w in winners {
            assert!(
                dom.contains(&format!("<strong class=\"winner\">{w}</strong>")),
                "{rel}: winner {w} not shown"
            );
        }
    }

    let artifacts = artifacts_dir();
    std::fs::create_dir_all(&artifacts).unwrap();
    for (page, name) in [
        ("index.html", "index.png"),
        ("tracks/paranoid.html", "track-paranoid.png"),
    ] {
        let shot = artifacts.join(name);
        let _ = std::fs::remove_file(&shot);
        let run = chromium(
            &bin,
            &format!("file://{}", site.join(page).display()),
            &[
                format!("--screenshot={}", shot.display()),
                "--window-size=1280,900".to_owned(),
                "--hide-scrollbars".to_owned(),
            ],
        );
        let errors = console_errors(&run.stderr);
        assert!(errors.is_empty(), "{page}: {}", errors.join("\n"));
        let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display()));
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "{name}");
    }
    let _ = std::fs::remove_dir_all(artifacts.join("site"));
    copy_dir(&site, &artifacts.join("site"));
    println!("screenshots and site in {}", artifacts.display());
}
