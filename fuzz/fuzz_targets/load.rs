//! Any bytes as a CSV or NDJSON output: a frame or an error naming the file, never a
//! panic. The first byte picks the format.
#![no_main]

use libfuzzer_sys::fuzz_target;
use swimlane::config::{CompareMode, Format, Table};
use swimlane::load::read_file;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let format = if pick % 2 == 0 { Format::Csv } else { Format::Ndjson };
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(&mut file, body).expect("write");
    let table = Table::new("t", "", format, CompareMode::Exact);
    if let Err(e) = read_file(file.path(), &table) {
        // Every error names the file it is about.
        let path = file.path().display().to_string();
        assert!(e.to_string().contains(&path), "{e}");
    }
});
