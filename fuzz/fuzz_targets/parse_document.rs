//! Any bytes: decompression, UTF-8 check, document parsing, writing back and re-parsing, and the
//! initial-installation check must never panic; a document we write must parse again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = misc_cudf::decompress(data);
    let Ok(text) = misc_cudf::check_utf8(data) else {
        return;
    };
    if let Ok(doc) = misc_cudf::parse(text) {
        let _ = misc_check::check_initial(&doc);
        let written = misc_cudf::write_document(&doc);
        let again = misc_cudf::parse(&written).expect("a written document parses again");
        assert_eq!(misc_cudf::write_document(&again), written);
    }
});
