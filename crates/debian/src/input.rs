//! Reading index files: plain, gzip, xz or lz4 (apt's own lists), recognised by content.

use std::io::Read;
use std::path::Path;

use crate::universe::{Input, Kind};
use crate::Error;

/// A compression format recognised by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip (`.gz`).
    Gzip,
    /// xz (`.xz`).
    Xz,
    /// The lz4 frame format (apt's `.lz4` lists).
    Lz4,
}

impl Compression {
    /// Recognises the format from the first bytes; `Err` names a compression we do not read.
    pub fn detect(bytes: &[u8]) -> Result<Compression, &'static str> {
        Ok(match bytes {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => Compression::Xz,
            [0x04, 0x22, 0x4d, 0x18, ..] => Compression::Lz4,
            [b'B', b'Z', b'h', ..] => return Err("bzip2"),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => return Err("zstd"),
            [0x5d, 0, 0, ..] => return Err("lzma"),
            _ => Compression::None,
        })
    }
}

/// Reads a file whole, decompressing it when it is gzip, xz or lz4, and returns its text.
///
/// Invalid UTF-8 (an old status file in Latin-1) is replaced, not refused: only package
/// descriptions can contain it, and they are not read.
pub fn read_text(path: &Path) -> Result<String, Error> {
    read_text_and_digest(path).map(|(text, _)| text)
}

/// Reads an input file as [`read_text`] does and labels it: the label is `label`, else the
/// file name; the digest is the SHA-256 of the file's bytes as stored (hex).
pub fn read_input(path: &Path, label: Option<&str>, kind: Kind) -> Result<Input, Error> {
    let (text, sha256) = read_text_and_digest(path)?;
    let label = match label {
        Some(l) => l.to_string(),
        None => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string()),
    };
    Ok(Input {
        label,
        file: path.display().to_string(),
        kind,
        text,
        sha256,
    })
}

/// Reads a file as [`read_text`] does, with the SHA-256 (hex) of its stored bytes.
pub fn read_text_and_digest(path: &Path) -> Result<(String, String), Error> {
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let raw = std::fs::read(path).map_err(io)?;
    let compression = Compression::detect(&raw).map_err(|what| Error::UnknownCompression {
        path: path.display().to_string(),
        what,
    })?;
    let decode = |source: std::io::Error| Error::Decompress {
        path: path.display().to_string(),
        source,
    };
    let sha256 = {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&raw);
        digest.iter().fold(String::with_capacity(64), |mut s, b| {
            use std::fmt::Write;
            let _ = write!(s, "{b:02x}");
            s
        })
    };
    let plain = match compression {
        Compression::None => raw,
        Compression::Gzip => {
            let mut out = Vec::with_capacity(raw.len() * 4);
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .map_err(decode)?;
            out
        }
        Compression::Xz => {
            let mut out = Vec::with_capacity(raw.len() * 5);
            xz2::read::XzDecoder::new_multi_decoder(&raw[..])
                .read_to_end(&mut out)
                .map_err(decode)?;
            out
        }
        Compression::Lz4 => {
            let mut out = Vec::with_capacity(raw.len() * 3);
            lz4_flex::frame::FrameDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .map_err(decode)?;
            out
        }
    };
    let text = match String::from_utf8(plain) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok((text, sha256))
}
