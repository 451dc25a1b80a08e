//! How fast the distribution path's floats are put in order:
//! `swimlane::stats::sort::floats` (an AVX-512 quicksort where the
//! processor has it) against voracious's radix sort, on 10M floats drawn
//! uniform and normal, one sort at a time and two at once (as the
//! distribution path sorts on two cores). Prints the median of 7 rounds
//! of each in milliseconds.
//!
//! `cargo run --release --example bench_float_sort -- [VALUES]` (default 10M)
#![allow(
    clippy::print_stdout,
    reason = "a benchmark program: it prints its figures"
)]

use std::time::Instant;

use rand::SeedableRng;
use rand_distr::{Distribution, Normal, Uniform};

/// A sort of floats, shared by the two threads of a round.
type Sort<'a> = &'a (dyn Fn(&mut [f64]) + Sync);

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map_or(10_000_000, |a| a.parse().expect("VALUES is a number"));
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let uniform: Vec<f64> = Uniform::new(0.0, 1.0)
        .expect("a range")
        .sample_iter(&mut rng)
        .take(count)
        .collect();
    let normal: Vec<f64> = Normal::new(0.0, 1.0)
        .expect("a spread")
        .sample_iter(&mut rng)
        .take(count)
        .collect();
    let radix = |v: &mut [f64]| voracious_radix_sort::RadixSort::voracious_sort(v);
    let sorts: [(&str, Sort); 2] = [
        ("stats::sort::floats", &swimlane::stats::sort::floats),
        ("voracious", &radix),
    ];
    println!("| values | sort | one at a time ms | two at once ms |");
    println!("| --- | --- | ---: | ---: |");
    for (shape, values) in [("uniform", &uniform), ("normal", &normal)] {
        for (name, sort) in sorts {
            let one = median(|| {
                let mut v = values.clone();
                let t = Instant::now();
                sort(&mut v);
                let elapsed = t.elapsed().as_secs_f64();
                assert!(v.is_sorted());
                elapsed
            });
            let two = median(|| {
                let (mut a, mut b) = (values.clone(), values.clone());
                let t = Instant::now();
                rayon::join(|| sort(&mut a), || sort(&mut b));
                let elapsed = t.elapsed().as_secs_f64();
                assert!(a.is_sorted() && b.is_sorted());
                elapsed
            });
            println!(
                "| {count} {shape} | {name} | {:.1} | {:.1} |",
                one * 1e3,
                two * 1e3
            );
        }
    }
}

/// The median of 7 rounds' seconds.
fn median(mut round: impl FnMut() -> f64) -> f64 {
    let mut times: Vec<f64> = (0..7).map(|_| round()).collect();
    times.sort_by(f64::total_cmp);
    times[3]
}
