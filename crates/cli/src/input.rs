//! Reading CUDF documents from files: plain or compressed, detected by content.

use std::io::Read;
use std::path::Path;

use anyhow::Context;

/// Plain files from this size on are mapped into memory instead of read.
const MAP_MIN_LEN: u64 = 1 << 20;

/// The bytes of a document: a plain file mapped into memory, or the file's (decompressed)
/// content.
pub enum Input {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Input {
    /// The raw bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Input::Mapped(map) => map,
            Input::Owned(bytes) => bytes,
        }
    }
}

/// Whether a file may be mapped into memory instead of read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping {
    /// Map a large plain file: for problems, which nobody writes while they are checked.
    Large,
    /// Always read: for answers, which a solver writes.
    Never,
}

/// Reads a file, decompressing it if it is compressed. With [`Mapping::Large`], a large plain
/// file is mapped into memory (read straight from the page cache, no copy). The map is not
/// populated up front: the parser brings its pages in on two threads (see
/// `misc_cudf::parse_problem_bytes`), which is faster than one `MAP_POPULATE`.
pub fn read_input(path: &Path, mapping: Mapping) -> anyhow::Result<Input> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let metadata = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    let input = if mapping == Mapping::Large && metadata.is_file() && metadata.len() >= MAP_MIN_LEN
    {
        // SAFETY: the map is only read, and only while this process checks the document. A
        // problem file is the organiser's input, not written while it is checked; answers,
        // which a solver writes, are never mapped (`Mapping::Never`).
        let map = unsafe { memmap2::MmapOptions::new().map(&file) }
            .with_context(|| format!("cannot read {}", path.display()))?;
        Input::Mapped(map)
    } else {
        let mut bytes = Vec::with_capacity(metadata.len() as usize);
        file.read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Input::Owned(bytes)
    };
    if misc_cudf::Compression::detect(input.bytes()) == misc_cudf::Compression::None {
        return Ok(input);
    }
    let plain = misc_cudf::decompress(input.bytes())
        .with_context(|| format!("cannot decompress {}", path.display()))?
        .into_owned();
    Ok(Input::Owned(plain))
}
