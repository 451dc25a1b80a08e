//! Times profiling one side of a table, alone: `cargo run --release
//! --example bench_profile -- FILE.parquet [ROUNDS [COLUMN...]]` reads the
//! file, then profiles each column (or the COLUMNs named) ROUNDS times
//! (default 5) on one thread, and prints
//! each column's median and least time and their totals, so a change to
//! `profile.rs` is measured without the comparison's noise around it (the
//! least time is the steadier figure on a shared machine).
#![allow(
    clippy::print_stdout,
    reason = "a benchmark program: it prints its figures"
)]

use std::time::Instant;

use polars::prelude::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: bench_profile FILE.parquet [ROUNDS [COLUMN...]]");
    let rounds: usize = args.next().map_or(5, |r| r.parse().expect("ROUNDS"));
    let only: Vec<String> = args.collect();
    let df = ParquetReader::new(std::fs::File::open(&path).expect("the file opens"))
        .finish()
        .expect("the file reads");
    println!("{path}: {} rows", df.height());
    let (mut total, mut least) = (0.0, 0.0);
    for c in df.columns() {
        if !only.is_empty() && !only.iter().any(|o| o == c.name().as_str()) {
            continue;
        }
        let s = c.as_materialized_series();
        let mut times: Vec<f64> = (0..rounds)
            .map(|_| {
                let t = Instant::now();
                let p = swimlane::profile::column(s).expect("the column profiles");
                std::hint::black_box(p);
                t.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let median = times[rounds / 2];
        total += median;
        least += times[0];
        println!(
            "  {:<12} {:<8} {:>8.1} ms (least {:.1} ms)",
            s.name(),
            s.dtype(),
            median * 1000.0,
            times[0] * 1000.0
        );
    }
    println!(
        "total {:.1} ms, least {:.1} ms (median and least of {rounds} per column, one thread)",
        total * 1000.0,
        least * 1000.0
    );
}
