//! How the keyed comparison sorts a side's (key, row) pairs: a stable radix
//! sort against rayon's parallel comparison sort, and keys packed with
//! their rows into words (`(key - min) << 32 | row`) sorted by
//! `swimlane::diff::sort_words`, on shuffled i64 keys of the shape
//! `examples/gen_table` writes, both sides sorted at once as the alignment
//! does. Each round builds the pairs or words and sorts them. Prints the
//! median of 5 rounds of each.
//!
//! `cargo run --release --example bench_key_sort -- [ROWS]` (default 10M)
#![allow(
    clippy::print_stdout,
    reason = "a benchmark program: it prints its figures"
)]

use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rayon::prelude::*;

/// One side's (key, row) pairs.
type Pairs = Vec<(i64, u32)>;

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .map_or(10_000_000, |a| a.parse().expect("ROWS is a number"));
    let side = |seed: u64| {
        let mut keys: Vec<i64> = (0..rows as i64).map(|r| r * 7 + 3).collect();
        keys.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        keys
    };
    let (base, head) = (side(1), side(2));
    let pairs = |keys: &[i64]| -> Pairs {
        keys.iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect()
    };
    let median = |sort: &(dyn Fn(&mut Pairs) + Sync)| {
        let mut times: Vec<f64> = (0..5)
            .map(|_| {
                let t = Instant::now();
                let (mut b, mut h) = rayon::join(|| pairs(&base), || pairs(&head));
                rayon::join(|| sort(&mut b), || sort(&mut h));
                let elapsed = t.elapsed().as_secs_f64();
                assert!(b.is_sorted() && h.is_sorted());
                elapsed
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[2]
    };
    let radix = median(&|v| radsort::sort_by_key(v, |p| p.0));

    let comparison = median(&|v| v.par_sort_unstable());
    let words = |keys: &[i64]| -> Vec<u64> {
        let min = keys.iter().copied().min().unwrap_or(0);
        keys.iter()
            .enumerate()
            .map(|(i, &k)| ((k - min) as u64) << 32 | i as u64)
            .collect()
    };
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let (mut b, mut h) = rayon::join(|| words(&base), || words(&head));
            rayon::join(
                || swimlane::diff::sort_words(&mut b, 32),
                || swimlane::diff::sort_words(&mut h, 32),
            );
            let elapsed = t.elapsed().as_secs_f64();
            assert!(b.is_sorted() && h.is_sorted());
            elapsed
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let packed = times[2];
    println!("{rows} shuffled keys a side, both sides at once, median of 5:");
    println!("  radix sort (radsort, stable)      {radix:.3} s");
    println!("  par_sort_unstable (rayon)         {comparison:.3} s");
    println!("  packed words (sort_words)         {packed:.3} s");
}
