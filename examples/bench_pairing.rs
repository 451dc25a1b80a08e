//! How fast the keyed comparison pairs two sides' integer keys
//! (`swimlane::diff::pair_integer_keys`, the step every keyed comparison
//! of a shuffled pair waits on), on keys of three shapes, each side
//! shuffled its own way:
//!
//! - `sparse`: `examples/gen_table`'s ids, `7 r + 3`, head with 0.05% of
//!   base's keys missing and 0.05% extra keys (`7 r + 5`);
//! - `dense`: ids 0, 1, 2 ... with the same rows missing and extra;
//! - `wide`: random 64-bit keys (no range to lean on).
//!
//! and the sparse keys in key order. Prints the median of 5 rounds of
//! each, and checks every shape's pairing against a hash map's.
//!
//! `cargo run --release --example bench_pairing -- [ROWS]` (default 10M)
#![allow(
    clippy::print_stdout,
    reason = "a benchmark program: it prints its figures"
)]

use std::collections::HashMap;
use std::time::Instant;

use polars::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// A shape's key of a row.
type Key<'a> = Box<dyn Fn(usize) -> i64 + 'a>;

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .map_or(10_000_000, |a| a.parse().expect("ROWS is a number"));
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let random: Vec<i64> = (0..rows).map(|_| rng.random()).collect();
    let shapes: [(&str, Key, Key, bool); 4] = [
        (
            "sparse, shuffled",
            Box::new(|r| r as i64 * 7 + 3),
            Box::new(|r| r as i64 * 7 + 5),
            true,
        ),
        (
            "dense, shuffled",
            Box::new(|r| r as i64),
            Box::new(|r| (rows + r) as i64),
            true,
        ),
        (
            "wide, shuffled",
            Box::new(|r| random[r]),
            Box::new(|r| !random[r]),
            true,
        ),
        (
            "sparse, key order",
            Box::new(|r| r as i64 * 7 + 3),
            Box::new(|r| r as i64 * 7 + 5),
            false,
        ),
    ];
    println!("{rows} keys a side, median of 5 rounds:");
    for (name, key, extra_key, shuffle) in shapes {
        let mut base: Vec<i64> = (0..rows).map(&key).collect();
        // Head: a key in 2,000 missing, one in 2,000 followed by an extra.
        let mut head = Vec::with_capacity(rows + rows / 2000);
        for r in 0..rows {
            match r % 2000 {
                0 => {}
                1000 => head.extend([key(r), extra_key(r)]),
                _ => head.push(key(r)),
            }
        }
        if shuffle {
            base.shuffle(&mut rand::rngs::StdRng::seed_from_u64(1));
            head.shuffle(&mut rand::rngs::StdRng::seed_from_u64(2));
        }
        let (b, h) = (
            Int64Chunked::from_vec("b".into(), base.clone()),
            Int64Chunked::from_vec("h".into(), head.clone()),
        );
        let mut times = Vec::new();
        let mut paired = None;
        for _ in 0..5 {
            let t = Instant::now();
            let p = swimlane::diff::pair_integer_keys(&b, &h);
            times.push(t.elapsed().as_secs_f64());
            paired = Some(p);
        }
        times.sort_by(f64::total_cmp);
        let (head_of_base, extra) = paired.expect("five rounds");
        let at: HashMap<i64, u32> = head.iter().zip(0u32..).map(|(&k, r)| (k, r)).collect();
        let want: Vec<u32> = base
            .iter()
            .map(|k| at.get(k).copied().unwrap_or(u32::MAX))
            .collect();
        assert_eq!(head_of_base, want, "{name}: base's head rows");
        let mut taken = vec![false; head.len()];
        want.iter()
            .filter(|&&r| r != u32::MAX)
            .for_each(|&r| taken[r as usize] = true);
        let want_extra: Vec<u32> = (0u32..)
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|(r, _)| r)
            .collect();
        assert_eq!(extra, want_extra, "{name}: head's extra rows");
        println!("  {name:<20} {:.3} s", times[2]);
    }
}
