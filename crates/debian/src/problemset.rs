//! Writing problem sets: CUDF documents (plain, gzip or xz) into a folder that appears whole or
//! not at all (written under a temporary name beside it, renamed at the end).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::universe::{Package, Universe, PREAMBLE};
use crate::Error;

/// How problem files are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compress {
    /// Plain text, `.cudf` (as dose writes it).
    None,
    /// gzip, `.cudf.gz`.
    Gz,
    /// xz, `.cudf.xz` (the default: MISC's problems were xz).
    #[default]
    Xz,
}

impl Compress {
    /// The file-name suffix, after `.cudf`.
    pub fn suffix(self) -> &'static str {
        match self {
            Compress::None => "",
            Compress::Gz => ".gz",
            Compress::Xz => ".xz",
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// An output folder being written: files go to a temporary folder beside it, which
/// [`OutDir::commit`] renames into place. Dropped without a commit, it removes the temporary
/// folder, so a problem set is never half-written.
#[derive(Debug)]
pub struct OutDir {
    target: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl OutDir {
    /// Starts writing `out`. An existing, non-empty `out` is refused unless `force`, in which
    /// case it is replaced at the commit.
    pub fn create(out: &Path, force: bool) -> Result<OutDir, Error> {
        if let Ok(mut entries) = std::fs::read_dir(out) {
            if entries.next().is_some() && !force {
                return Err(Error::Usage(format!(
                    "{} exists and is not empty; give --force to replace it",
                    out.display()
                )));
            }
        } else if out.exists() {
            return Err(Error::Usage(format!(
                "{} exists and is not a folder",
                out.display()
            )));
        }
        let name = out
            .file_name()
            .ok_or_else(|| Error::Usage(format!("{} cannot be an output folder", out.display())))?
            .to_string_lossy()
            .into_owned();
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
        }
        std::fs::create_dir(&tmp).map_err(io(&tmp))?;
        Ok(OutDir {
            target: out.to_path_buf(),
            tmp,
            committed: false,
        })
    }

    /// The temporary folder files are written into.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Writes a file of the set (a relative path; folders are created).
    pub fn write(&self, relative: &str, bytes: &[u8]) -> Result<(), Error> {
        let path = self.tmp.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, bytes).map_err(io(&path))
    }

    /// Writes a CUDF document `relative` + `.cudf` + the compression suffix, returning the
    /// file name used (relative to the set).
    pub fn write_cudf(
        &self,
        relative: &str,
        compress: Compress,
        universe: &Universe<'_>,
        packages: &[&Package<'_>],
        request: &str,
    ) -> Result<String, Error> {
        let name = format!("{relative}.cudf{}", compress.suffix());
        let path = self.tmp.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let file = std::fs::File::create(&path).map_err(io(&path))?;
        let data = |e: DocError| match e {
            DocError::Io(source) => Error::Io {
                path: path.display().to_string(),
                source,
            },
            DocError::Data(e) => e,
        };
        match compress {
            Compress::None => {
                let mut sink = file;
                write_document(universe, packages, request, &mut sink).map_err(data)?;
            }
            Compress::Gz => {
                let mut sink = flate2::write::GzEncoder::new(file, flate2::Compression::default());
                write_document(universe, packages, request, &mut sink).map_err(data)?;
                sink.finish().map_err(io(&path))?;
            }
            Compress::Xz => {
                let mut sink = xz2::write::XzEncoder::new(file, 6);
                write_document(universe, packages, request, &mut sink).map_err(data)?;
                sink.finish().map_err(io(&path))?;
            }
        }
        Ok(name)
    }

    /// Renames the temporary folder into place (replacing an old `out` given `--force`).
    pub fn commit(mut self) -> Result<PathBuf, Error> {
        if self.target.exists() {
            let old = self.tmp.with_extension("old");
            std::fs::rename(&self.target, &old).map_err(io(&self.target))?;
            std::fs::rename(&self.tmp, &self.target).map_err(io(&self.target))?;
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        } else {
            std::fs::rename(&self.tmp, &self.target).map_err(io(&self.target))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// A failure writing a document: the sink's, or the data's (a malformed relation).
#[derive(Debug)]
pub enum DocError {
    /// The sink failed.
    Io(std::io::Error),
    /// The data is malformed.
    Data(Error),
}

/// Writes a whole CUDF document: the preamble, the packages, the request stanza (`request`
/// holds its lines after `request:`, each ending with a newline, or is empty).
pub fn write_document(
    universe: &Universe<'_>,
    packages: &[&Package<'_>],
    request: &str,
    sink: &mut dyn Write,
) -> Result<(), DocError> {
    let mut buf = String::with_capacity(1 << 21);
    buf.push_str(PREAMBLE);
    for p in packages {
        universe
            .write_package(&mut buf, p)
            .map_err(DocError::Data)?;
        buf.push('\n');
        if buf.len() >= 1 << 20 {
            sink.write_all(buf.as_bytes()).map_err(DocError::Io)?;
            buf.clear();
        }
    }
    buf.push_str("request: misc-problems\n");
    buf.push_str(request);
    sink.write_all(buf.as_bytes()).map_err(DocError::Io)?;
    Ok(())
}

/// One row of a problem set's `INDEX.tsv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexRow {
    /// The problem file, relative to the set.
    pub problem: String,
    /// Its category (folder), empty for none.
    pub category: String,
    /// Packages in its universe.
    pub packages: usize,
    /// Installed packages in its universe.
    pub installed: usize,
    /// The request in one line (`install: ...; remove: ...`), empty for none.
    pub request: String,
    /// The seed of a generated request.
    pub seed: Option<u64>,
    /// Stanzas merged while building the universe.
    pub merges: usize,
    /// The inputs it was made from (positions among those given to [`index_tsv`]); empty for
    /// all of them.
    pub sources: Vec<usize>,
}

/// The text of `INDEX.tsv`: a header, then one line per problem with the inputs (each
/// `LABEL:SHA256`, comma-separated) it was made from.
pub fn index_tsv(inputs: &[crate::universe::Input], rows: &[IndexRow]) -> String {
    let source = |i: &crate::universe::Input| format!("{}:{}", i.label, i.sha256);
    let all: Vec<String> = inputs.iter().map(source).collect();
    let all = all.join(",");
    let clean = |s: &str| s.replace(['\t', '\n'], " ");
    let mut out =
        String::from("problem\tcategory\tpackages\tinstalled\trequest\tsources\tseed\tmerges\n");
    for r in rows {
        let sources = if r.sources.is_empty() {
            all.clone()
        } else {
            let some: Vec<String> = r
                .sources
                .iter()
                .filter_map(|&i| inputs.get(i))
                .map(source)
                .collect();
            some.join(",")
        };
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            clean(&r.problem),
            clean(&r.category),
            r.packages,
            r.installed,
            clean(&r.request),
            sources,
            r.seed.map(|s| s.to_string()).unwrap_or_default(),
            r.merges
        ));
    }
    out
}
