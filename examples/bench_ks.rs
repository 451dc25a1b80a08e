//! KS timing for BENCHMARKS.md:
//! `cargo run --release --example bench_ks -- [ROWS_PER_SIDE...]`
//!
//! For each size: two N(0,1) vs N(0.01,1) samples; times the sort of both
//! sides (radix sort) and the merge that computes D and the p-value, and the
//! whole distribution comparison of a one-column table (cast, null
//! filtering, sort, summaries, test). Median of 5 runs.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark program: it prints its figures"
)]

use std::time::Instant;

use polars::prelude::*;
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use swimlane::config::{CompareMode, Format, Table};
use swimlane::distribution::compare_distribution;
use swimlane::stats::ks::{Alternative, Method, ks_2samp_sorted};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("sizes are row counts"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000_000, 10_000_000]
    } else {
        sizes
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    println!(
        "| rows per side | sort both (ms) | merge + p-value (ms) | KS total (ms) | table comparison, 1 column (ms) | D |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
    for n in sizes {
        let a: Vec<f64> = Normal::new(0.0, 1.0)
            .unwrap()
            .sample_iter(&mut rng)
            .take(n)
            .collect();
        let b: Vec<f64> = Normal::new(0.01, 1.0)
            .unwrap()
            .sample_iter(&mut rng)
            .take(n)
            .collect();
        let (mut sort_ms, mut merge_ms, mut table_ms) = (Vec::new(), Vec::new(), Vec::new());
        let mut d = 0.0;
        for _ in 0..5 {
            let (mut x, mut y) = (a.clone(), b.clone());
            let t = Instant::now();
            // As `distribution::sorted_values` sorts.
            voracious_radix_sort::RadixSort::voracious_sort(&mut x);
            voracious_radix_sort::RadixSort::voracious_sort(&mut y);
            sort_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let r = ks_2samp_sorted(&x, &y, Alternative::TwoSided, Method::Auto, Some(1e-12));
            merge_ms.push(t.elapsed().as_secs_f64() * 1e3);
            d = r.statistic;
        }
        let table = Table::new("t", "t.parquet", Format::Parquet, CompareMode::Distribution);
        let base = df!("x" => &a).unwrap();
        let head = df!("x" => &b).unwrap();
        for _ in 0..5 {
            let t = Instant::now();
            let r = compare_distribution(&table, &base, &head).unwrap();
            table_ms.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(r.features[0].statistic, d);
        }
        let (s, m) = (median(sort_ms), median(merge_ms));
        println!(
            "| {n} | {s:.0} | {m:.0} | {:.0} | {:.0} | {d:.5} |",
            s + m,
            median(table_ms)
        );
    }
}
