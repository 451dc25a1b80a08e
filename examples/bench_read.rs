//! Reading one table the way a comparison reads it, for BENCHMARKS.md
//! (`bench/databases.sh`):
//!
//!   bench_read parquet PATH
//!   bench_read duckdb|sqlite PATH TABLE
//!   bench_read postgres postgresql://user@host/db TABLE
//!
//! Prints the rows read, the seconds and the rows per second; the script
//! measures peak memory around it.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark program: it prints its figures"
)]

use std::path::Path;
use std::time::Instant;

use swimlane::config::{CompareMode, Format, Relation, Table};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (format, location) = match args.as_slice() {
        [f, l, ..] => (f.as_str(), l.as_str()),
        _ => {
            eprintln!("usage: bench_read FORMAT LOCATION [TABLE]");
            std::process::exit(2);
        }
    };
    let format = match format {
        "parquet" => Format::Parquet,
        "duckdb" => Format::Duckdb,
        "sqlite" => Format::Sqlite,
        "postgres" => Format::Postgres,
        other => {
            eprintln!("unknown format {other}");
            std::process::exit(2);
        }
    };
    let mut table = Table::new("t", location, format, CompareMode::Exact);
    table.relation = args.get(2).map(|t| Relation::Table(t.clone()));
    let (dir, pattern) = match format {
        Format::Postgres => (Path::new("."), location.to_string()),
        _ => {
            let p = Path::new(location);
            (
                p.parent().unwrap_or(Path::new(".")),
                p.file_name().unwrap().to_string_lossy().into_owned(),
            )
        }
    };
    let t = Instant::now();
    let loaded = match swimlane::load::load(dir, &pattern, &table) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {}", swimlane::error::chain(&e));
            std::process::exit(1);
        }
    };
    let seconds = t.elapsed().as_secs_f64();
    let rows = loaded.frame.height();
    println!(
        "{rows} rows, {} columns, {seconds:.2} s, {:.0} rows/s",
        loaded.frame.width(),
        rows as f64 / seconds
    );
}
