//! How fast a keyed feature's deltas are taken in
//! (`swimlane::stats::paired::analyze`: counted while few distinct ones
//! have come, then kept and sorted), on 10M deltas of two shapes:
//!
//! - `shifted`: values each plus 0.001, as `examples/gen_table`'s `f2`
//!   (about 14 distinct deltas, from rounding);
//! - `spread`: deltas of 10M distinct values (counted, then let out and
//!   sorted).
//!
//! Prints the median of 5 rounds of each, and checks the counts.
//!
//! `cargo run --release --example bench_deltas -- [N]` (default 10M)
#![allow(
    clippy::print_stdout,
    reason = "a benchmark program: it prints its figures"
)]

use std::time::Instant;

use rand::{Rng, SeedableRng};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(10_000_000, |a| a.parse().expect("N is a number"));
    // Numbers in [0, 100).
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let values: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..100.0)).collect();
    let shapes: [(&str, Vec<f64>); 2] = [
        ("shifted", values.iter().map(|v| (v + 0.001) - v).collect()),
        ("spread", values.iter().map(|v| v - 50.0).collect()),
    ];
    println!("{n} deltas, median of 5 rounds:");
    for (name, d) in &shapes {
        let (up, down) = (
            d.iter().filter(|v| **v > 0.0).count() as u64,
            d.iter().filter(|v| **v < 0.0).count() as u64,
        );
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let a = swimlane::stats::paired::analyze(d);
            times.push(t.elapsed().as_secs_f64());
            assert_eq!((a.counts.positive, a.counts.negative), (up, down), "{name}");
        }
        times.sort_by(f64::total_cmp);
        println!("  {name:<10} {:.3} s", times[2]);
    }
}
