//! Reading CUDF documents from files: plain or compressed, detected by content.

use std::path::Path;

use anyhow::Context;

/// Reads a file and returns its decompressed text, or an error naming the file.
pub fn read_document(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bytes = if misc_cudf::Compression::detect(&bytes) == misc_cudf::Compression::None {
        bytes
    } else {
        misc_cudf::decompress(&bytes)
            .with_context(|| format!("cannot decompress {}", path.display()))?
            .into_owned()
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let err = misc_cudf::check_utf8(e.as_bytes())
                .err()
                .map(|e| e.in_file(path.display().to_string()).to_string())
                .unwrap_or_else(|| format!("{}: invalid UTF-8", path.display()));
            anyhow::bail!(err)
        }
    }
}
