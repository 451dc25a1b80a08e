//! Times reading CSV files three ways, in one release binary, on the same
//! files: swimlane's reader (one structural and type pass, then polars with
//! that schema), polars inferring types from every row (swimlane's reader
//! before it), and polars inferring from the first 100 rows (what polars
//! does by default, from Python too).
//!
//!     cargo run --release --example csv_read -- FILE [FILE...] [--runs N] [--check | --read]
//!
//! Prints the median wall time of each way over N runs (default 5), every
//! file read in turn per run, and checks that the frames agree. `--check`
//! times swimlane's checking pass alone (`csv_file::schema`), file by file;
//! `--read` swimlane's whole reader alone (for `perf`).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark program: it prints its figures"
)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;
use swimlane::config::Declared;

fn polars_read(path: &Path, infer: Option<usize>) -> DataFrame {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(infer)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .expect("polars reads the file")
}

fn main() {
    let mut files = Vec::new();
    let mut runs = 5usize;
    let mut check = false;
    let mut read_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--check" {
            check = true;
        } else if a == "--read" {
            read_only = true;
        } else if a == "--runs" {
            runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N");
        } else {
            files.push(PathBuf::from(a));
        }
    }
    assert!(
        !files.is_empty(),
        "usage: csv_read FILE [FILE...] [--runs N] [--check | --read]"
    );
    if check || read_only {
        alone(&files, runs, read_only);
        return;
    }
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    type Way<'a> = (&'a str, Box<dyn Fn(&PathBuf) -> DataFrame>);
    let ways: Vec<Way> = vec![
        (
            "swimlane csv_file::read (rows checked, types from every row)",
            Box::new(|p| swimlane::csv_file::read(p, b',', Declared::CompareFlags).unwrap()),
        ),
        (
            "polars, types from every row (the reader before)",
            Box::new(|p| polars_read(p, None)),
        ),
        (
            "polars, types from 100 rows (its default)",
            Box::new(|p| polars_read(p, Some(100))),
        ),
    ];
    let mut frames: Vec<Vec<DataFrame>> = Vec::new();
    let mut seconds: Vec<Vec<f64>> = vec![Vec::new(); ways.len()];
    for _ in 0..runs {
        // Alternating, so that the page cache and the machine's state are
        // shared alike.
        for (i, (_, read)) in ways.iter().enumerate() {
            let t = Instant::now();
            let read: Vec<DataFrame> = files.iter().map(read).collect();
            seconds[i].push(t.elapsed().as_secs_f64());
            if frames.len() < ways.len() {
                frames.push(read);
            }
        }
    }
    println!(
        "{} file(s), {:.1} MB, {} rows each run, {runs} runs",
        files.len(),
        bytes as f64 / 1e6,
        frames[0].iter().map(DataFrame::height).sum::<usize>()
    );
    for (i, (name, _)) in ways.iter().enumerate() {
        let mut s = seconds[i].clone();
        s.sort_by(f64::total_cmp);
        println!("{:>7.3} s  median  {name}", s[s.len() / 2]);
    }
    for (i, f) in frames[0].iter().enumerate() {
        assert!(
            f.equals_missing(&frames[1][i]),
            "swimlane and polars (every row) read {} differently",
            files[i].display()
        );
    }
    println!("frames identical: swimlane's reader and polars inferring from every row");
}

/// The checking pass alone (every row's field count and every field's
/// type), or with `read` the whole reader alone.
fn alone(files: &[PathBuf], runs: usize, read: bool) {
    let what = if read { "reading" } else { "checking pass of" };
    for file in files {
        let mut seconds: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                if read {
                    swimlane::csv_file::read(file, b',', Declared::CompareFlags)
                        .expect("swimlane reads the file");
                } else {
                    swimlane::csv_file::schema(file, b',', Declared::CompareFlags)
                        .expect("the file passes the check");
                }
                t.elapsed().as_secs_f64()
            })
            .collect();
        seconds.sort_by(f64::total_cmp);
        println!(
            "{:>7.3} s  median, {:.3} s least  {what} {}",
            seconds[seconds.len() / 2],
            seconds[0],
            file.display()
        );
    }
}
