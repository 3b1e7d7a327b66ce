//! Any bytes: decompression, UTF-8 check, document parsing, writing back and re-parsing, and the
//! initial-installation check must never panic; a document we write must parse again; reading
//! a document in chunks on two threads (as large documents are read) gives what reading it in
//! one part gives.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = misc_cudf::decompress(data);
    let Ok(text) = misc_cudf::check_utf8(data) else {
        return;
    };
    if let Err(e) = misc_cudf::compare_parse_paths(text) {
        panic!("{e}");
    }
    if let Ok(doc) = misc_cudf::parse(text) {
        let _ = misc_check::check_initial(&doc);
        for n in 0..doc.name_count() as u32 {
            let name = doc.name(misc_cudf::NameId(n));
            assert_eq!(doc.name_id(name), Some(misc_cudf::NameId(n)));
        }
        let written = misc_cudf::write_document(&doc);
        let again = misc_cudf::parse(&written).expect("a written document parses again");
        assert_eq!(misc_cudf::write_document(&again), written);
    }
});
