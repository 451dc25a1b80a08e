//! Times profiling one side of a table, alone: `cargo run --release
//! --example bench_profile -- FILE.parquet [ROUNDS [COLUMN...]]` reads the
//! file, then profiles each column (or the COLUMNs named) ROUNDS times
//! (default 5) on one thread, and prints
//! each column's median and least time and their totals, so a change to
//! `profile.rs` is measured without the comparison's noise around it (the
//! least time is the steadier figure on a shared machine). Beside each, a
//! floor: one pass that reads every value once (numbers summed, text
//! columns' views' lengths summed), what any profile of the column must at
//! least do.
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
    let (mut total, mut least, mut floor) = (0.0, 0.0, 0.0);
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
        let pass = one_pass(s, rounds);
        floor += pass;
        println!(
            "  {:<12} {:<8} {:>8.1} ms (least {:.1} ms; one pass {:.1} ms)",
            s.name(),
            s.dtype(),
            median * 1000.0,
            times[0] * 1000.0,
            pass * 1000.0
        );
    }
    println!(
        "total {:.1} ms, least {:.1} ms (median and least of {rounds} per column, one thread); \
         one pass over every value {:.1} ms (least of {rounds})",
        total * 1000.0,
        least * 1000.0,
        floor * 1000.0
    );
}

/// The least time of `rounds` passes that read each of `s`'s values once:
/// numbers (as floats, cast before the clock starts) summed, text views'
/// lengths summed; other types 0.
fn one_pass(s: &Series, rounds: usize) -> f64 {
    let numbers = s.dtype().is_primitive_numeric() || s.dtype().is_temporal();
    let floats = numbers.then(|| {
        s.to_physical_repr()
            .cast(&DataType::Float64)
            .expect("numbers cast to floats")
    });
    let time = |f: &dyn Fn() -> f64| {
        (0..rounds)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    match (&floats, s.str()) {
        (Some(f), _) => {
            let ca = f.f64().expect("cast to floats");
            time(&|| {
                ca.downcast_iter()
                    .map(|a| a.values().iter().sum::<f64>())
                    .sum()
            })
        }
        (None, Ok(ca)) => time(&|| {
            ca.downcast_iter()
                .map(|a| a.views().iter().map(|v| f64::from(v.length)).sum::<f64>())
                .sum()
        }),
        _ => 0.0,
    }
}
