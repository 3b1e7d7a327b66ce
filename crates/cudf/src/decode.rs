//! In-memory decoding of compressed documents: MISC problem sets were shipped as .gz, .bz2 and
//! .xz. The format is detected from the content (magic bytes), not from the file name.

use std::borrow::Cow;
use std::io::Read;

/// A compression format recognised by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed: the bytes are the document.
    None,
    /// gzip (magic `1f 8b`).
    Gzip,
    /// bzip2 (magic `BZh`).
    Bzip2,
    /// xz (magic `fd 37 7a 58 5a 00`).
    Xz,
}

impl Compression {
    /// Detects the format from the first bytes of the content.
    pub fn detect(bytes: &[u8]) -> Compression {
        match bytes {
            [0x1f, 0x8b, ..] => Compression::Gzip,
            [b'B', b'Z', b'h', ..] => Compression::Bzip2,
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Compression::Xz,
            _ => Compression::None,
        }
    }
}

/// A compressed document that does not decompress.
#[derive(Debug, thiserror::Error)]
#[error("cannot decompress {format:?} data: {source}")]
pub struct DecodeError {
    /// The format the content's magic bytes announced.
    pub format: Compression,
    /// The decompressor's error (corrupt or truncated data).
    #[source]
    pub source: std::io::Error,
}

/// Returns the document's bytes, decompressing them if they are compressed.
pub fn decompress(bytes: &[u8]) -> Result<Cow<'_, [u8]>, DecodeError> {
    let format = Compression::detect(bytes);
    let mut out = Vec::with_capacity(bytes.len() * 8);
    let result = match format {
        Compression::None => return Ok(Cow::Borrowed(bytes)),
        Compression::Gzip => flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out),
        Compression::Bzip2 => bzip2::read::MultiBzDecoder::new(bytes).read_to_end(&mut out),
        Compression::Xz => xz2::read::XzDecoder::new_multi_decoder(bytes).read_to_end(&mut out),
    };
    result.map_err(|source| DecodeError { format, source })?;
    Ok(Cow::Owned(out))
}
