use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::{Manifest, RunKey, RunRecord};

/// An error reading or writing the results store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Reading or writing a file of the store failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// `manifest.json` exists but is not a manifest this misc can read.
    #[error("{path}: not a manifest: {source}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// Why it could not be read as a manifest.
        #[source]
        source: serde_json::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What [`Store::load`] found besides the records.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LoadReport {
    /// Files and line numbers of torn last lines (a crash in the middle of an append), ignored.
    pub torn_lines: Vec<(PathBuf, usize)>,
    /// Records whose key was already seen in an earlier line or shard, ignored.
    pub duplicates: usize,
    /// Lines that are not run records (file, line number, why), skipped: the harness never
    /// writes them, so something else did (a solver, a person, a disk error). They are never a
    /// reason to refuse the other records.
    pub foreign: Vec<(PathBuf, usize, String)>,
}

impl LoadReport {
    /// One warning per ignored line, naming file and line (for the CLI's log).
    pub fn warnings(&self) -> Vec<String> {
        let mut w: Vec<String> = self
            .torn_lines
            .iter()
            .map(|(path, line)| {
                format!(
                    "{}:{line}: ignored a torn record (the harness was killed while writing it)",
                    path.display()
                )
            })
            .collect();
        w.extend(self.foreign.iter().map(|(path, line, why)| {
            format!(
                "{}:{line}: skipped a line that is not a run record written by misc ({why})",
                path.display()
            )
        }));
        w
    }
}

/// The results folder of a round: `runs.jsonl`, per-task shards `runs.*.jsonl`, `manifest.json`
/// and the kept outputs under `outputs/`.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The store in `dir` (created on first append).
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The results folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The main record file.
    pub fn runs_path(&self) -> PathBuf {
        self.dir.join("runs.jsonl")
    }

    /// The manifest file.
    pub fn manifest_path(&self) -> PathBuf {
        self.dir.join("manifest.json")
    }

    /// Appends one record to `runs.jsonl` durably (see the crate docs).
    pub fn append(&self, record: &RunRecord) -> Result<(), StoreError> {
        self.append_to(&self.runs_path(), record)
    }

    /// Appends one record to a shard file `runs.<shard>.jsonl` (one writer per shard, e.g. one
    /// Slurm array task); [`Store::load`] merges the shards.
    pub fn append_shard(&self, shard: &str, record: &RunRecord) -> Result<(), StoreError> {
        let path = self.dir.join(format!("runs.{shard}.jsonl"));
        self.append_to(&path, record)
    }

    fn append_to(&self, path: &Path, record: &RunRecord) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(path)
            .map_err(io_err(path))?;
        let mut line = serde_json::to_vec(record).expect("a run record always serializes");
        line.push(b'\n');
        // A torn last line (a crash mid-write) has no newline: end it first so that this record
        // starts on a line of its own.
        let len = file.metadata().map_err(io_err(path))?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1)).map_err(io_err(path))?;
            file.read_exact(&mut last).map_err(io_err(path))?;
            if last[0] != b'\n' {
                line.insert(0, b'\n');
            }
        }
        file.write_all(&line).map_err(io_err(path))?;
        file.sync_data().map_err(io_err(path))?;
        Ok(())
    }

    /// All record files of the store: `runs.jsonl` first, then the shards in name order.
    pub fn record_files(&self) -> Result<Vec<PathBuf>, StoreError> {
        let mut shards = Vec::new();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&self.dir)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io_err(&self.dir))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("runs.") && name.ends_with(".jsonl") && name != "runs.jsonl" {
                shards.push(entry.path());
            }
        }
        shards.sort();
        let mut files = Vec::new();
        if self.runs_path().exists() {
            files.push(self.runs_path());
        }
        files.extend(shards);
        Ok(files)
    }

    /// Loads every record, merging shards; the first record of a key wins. A line that does not
    /// parse is a torn line (the last line of its file, or one a later append terminated) or a
    /// foreign one; both are reported in the [`LoadReport`] and skipped.
    pub fn load(&self) -> Result<(Vec<RunRecord>, LoadReport), StoreError> {
        let mut records = Vec::new();
        let mut report = LoadReport::default();
        let mut seen: HashSet<RunKey> = HashSet::new();
        for path in self.record_files()? {
            let text = std::fs::read(&path).map_err(io_err(&path))?;
            let ends_with_newline = text.last() == Some(&b'\n');
            let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
            let n = lines.len();
            for (i, line) in lines.into_iter().enumerate() {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match serde_json::from_slice::<RunRecord>(line) {
                    Ok(record) => {
                        if seen.insert(record.key()) {
                            records.push(record);
                        } else {
                            report.duplicates += 1;
                        }
                    }
                    Err(e) => {
                        // A torn line is the last line without a newline, or a line that a later
                        // append terminated (the start of a record: it then does not end in
                        // `}`). Anything else is foreign.
                        let is_last = i + 1 == n && !ends_with_newline;
                        let unterminated =
                            line.first() == Some(&b'{') && line.last() != Some(&b'}');
                        if is_last || unterminated {
                            report.torn_lines.push((path.clone(), i + 1));
                        } else {
                            report.foreign.push((path.clone(), i + 1, e.to_string()));
                        }
                    }
                }
            }
        }
        Ok((records, report))
    }

    /// Writes the manifest atomically (temporary file, then rename).
    pub fn write_manifest(&self, manifest: &Manifest) -> Result<(), StoreError> {
        std::fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let path = self.manifest_path();
        let tmp = self.dir.join(".manifest.json.tmp");
        let mut file = File::create(&tmp).map_err(io_err(&tmp))?;
        let text = serde_json::to_vec_pretty(manifest).expect("a manifest always serializes");
        file.write_all(&text).map_err(io_err(&tmp))?;
        file.sync_all().map_err(io_err(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io_err(&path))?;
        Ok(())
    }

    /// Reads the manifest, if the round has one.
    pub fn read_manifest(&self) -> Result<Option<Manifest>, StoreError> {
        let path = self.manifest_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| StoreError::Manifest { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(&path)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, Outcome, Termination};

    /// A manifest written before solver descriptions were recorded (the CLI's old-round
    /// fixture) loads with none, writes none back, and a description round-trips.
    #[test]
    fn manifests_without_solver_descriptions_load() {
        let old = include_str!("../../cli/tests/fixtures/old-round/results/manifest.json");
        let mut m: Manifest = serde_json::from_str(old).unwrap();
        assert!(m.solver_descriptions.is_empty());
        assert!(!serde_json::to_string(&m)
            .unwrap()
            .contains("solver_descriptions"));
        m.solver_descriptions
            .insert("mccs".into(), "counts names".into());
        let back: Manifest = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
        assert_eq!(back.solver_descriptions["mccs"], "counts names");
    }

    fn record(problem: &str) -> RunRecord {
        RunRecord {
            round: "r".into(),
            track: "paranoid".into(),
            solver: "naive".into(),
            solver_version: "1".into(),
            problem: problem.into(),
            category: "c".into(),
            outcome: Outcome::Solved,
            termination: Termination::Exited,
            cpu_time: 1.5,
            user_time: 1.0,
            system_time: 0.5,
            wall_time: 2.0,
            memory: 1024,
            exit_code: Some(0),
            signal: None,
            measured_by: "proc".into(),
            criteria: Some(vec![0, 3]),
            readings: None,
            violations: vec![],
            detail: String::new(),
            problem_hash: "ab".into(),
            solver_hash: "cd".into(),
            output: None,
            limits: Limits::default(),
            started_at: 0.0,
            host: "h".into(),
            harness_version: "0".into(),
            logs: None,
        }
    }

    #[test]
    fn append_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.append(&record("a")).unwrap();
        store.append(&record("b")).unwrap();
        let (records, report) = store.load().unwrap();
        assert_eq!(records, vec![record("a"), record("b")]);
        assert_eq!(report, LoadReport::default());
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_the_next_append_survives() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.append(&record("a")).unwrap();
        // Simulate a crash in the middle of writing the second record.
        let full = serde_json::to_string(&record("b")).unwrap();
        let mut f = OpenOptions::new()
            .append(true)
            .open(store.runs_path())
            .unwrap();
        f.write_all(&full.as_bytes()[..full.len() / 2]).unwrap();
        drop(f);
        let (records, report) = store.load().unwrap();
        assert_eq!(records, vec![record("a")]);
        assert_eq!(report.torn_lines.len(), 1);
        // Resuming appends the record again; the torn fragment stays ignored.
        store.append(&record("b")).unwrap();
        let (records, report) = store.load().unwrap();
        assert_eq!(records, vec![record("a"), record("b")]);
        assert_eq!(report.torn_lines.len(), 1);
    }

    #[test]
    fn shards_are_merged_without_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.append(&record("a")).unwrap();
        store.append_shard("7-0", &record("a")).unwrap();
        store.append_shard("7-1", &record("c")).unwrap();
        let (records, report) = store.load().unwrap();
        assert_eq!(records, vec![record("a"), record("c")]);
        assert_eq!(report.duplicates, 1);
    }

    /// Issue 16: a solver that could reach the store must not make the round unscorable.
    #[test]
    fn forged_and_malformed_lines_are_reported_and_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.append(&record("a")).unwrap();
        let mut f = OpenOptions::new()
            .append(true)
            .open(store.runs_path())
            .unwrap();
        // A forged record (not every field of a run record) and a malformed line.
        f.write_all(b"{\"round\":\"r\",\"track\":\"paranoid\",\"solver\":\"evil\",\"problem\":\"x\",\"outcome\":\"solved\"}\n")
            .unwrap();
        f.write_all(b"not a record}\n").unwrap();
        drop(f);
        store.append(&record("b")).unwrap();
        store.append_shard("7-0", &record("c")).unwrap();
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join("runs.7-0.jsonl"))
            .unwrap();
        f.write_all(b"[1, 2]\n").unwrap();
        drop(f);
        store.append_shard("7-0", &record("d")).unwrap();
        let (records, report) = store.load().unwrap();
        assert_eq!(
            records,
            vec![record("a"), record("b"), record("c"), record("d")]
        );
        let foreign: Vec<(String, usize)> = report
            .foreign
            .iter()
            .map(|(p, l, _)| (p.file_name().unwrap().to_string_lossy().into_owned(), *l))
            .collect();
        assert_eq!(
            foreign,
            vec![
                ("runs.jsonl".to_owned(), 2),
                ("runs.jsonl".to_owned(), 3),
                ("runs.7-0.jsonl".to_owned(), 2)
            ]
        );
        assert!(report.torn_lines.is_empty());
        let warnings = report.warnings();
        assert_eq!(warnings.len(), 3);
        assert!(
            warnings[0].contains("runs.jsonl:2: skipped"),
            "{warnings:?}"
        );
    }
}
