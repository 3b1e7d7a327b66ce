//! Loading a round's stored results (manifest and records) for the commands that only read them.

use std::path::Path;

use anyhow::Context;
use misc_results::{Manifest, RunRecord, Store};
use misc_score::SavedScoring;

/// The results store of a round, its manifest and its records; torn and duplicate records are
/// reported on stderr and left out.
pub fn load_results(round: &Path) -> anyhow::Result<(Store, Manifest, Vec<RunRecord>)> {
    let results = round.join("results");
    let store = Store::new(&results);
    let manifest = store.read_manifest()?.with_context(|| {
        format!(
            "{}: no manifest.json: has this round been run?",
            results.display()
        )
    })?;
    let (records, load) = store.load()?;
    for w in load.warnings() {
        crate::out::note!("warning: {w}");
    }
    if load.duplicates > 0 {
        crate::out::note!(
            "warning: {} duplicate record(s) ignored (the first of each run counts)",
            load.duplicates
        );
    }
    Ok((store, manifest, records))
}

/// The scoring options saved by `misc score --save`, if any.
pub fn read_saved(path: &Path) -> anyhow::Result<Option<SavedScoring>> {
    match std::fs::read(path) {
        Ok(bytes) => SavedScoring::from_json(&bytes)
            .map(Some)
            .with_context(|| path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| path.display().to_string()),
    }
}
