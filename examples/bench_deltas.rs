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

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(10_000_000, |a| a.parse().expect("N is a number"));
    // xorshift: numbers in [0, 100) without a crate's generator.
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64 * 100.0
    };
    let values: Vec<f64> = (0..n).map(|_| next()).collect();
    let shapes: [(&str, Vec<f64>); 2] = [
        ("shifted", values.iter().map(|v| (v + 0.001) - v).collect()),
        ("spread", values.iter().map(|v| v - 50.0).collect()),
    ];
    println!("{n} deltas, median of 5 rounds:");
    for (name, d) in &shapes {
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let a = swimlane::stats::paired::analyze(d);
            times.push(t.elapsed().as_secs_f64());
            let (up, down) = (
                d.iter().filter(|v| **v > 0.0).count() as u64,
                d.iter().filter(|v| **v < 0.0).count() as u64,
            );
            assert_eq!((a.counts.positive, a.counts.negative), (up, down), "{name}");
        }
        times.sort_by(f64::total_cmp);
        println!("  {name:<10} {:.3} s", times[2]);
    }
}
