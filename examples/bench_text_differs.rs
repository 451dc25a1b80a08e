//! Where two string columns differ, on long values with one prefix (the
//! shape of `examples/gen_table`'s `title`: "title {hex} of row {r}"),
//! base in row order and head gathered from a shuffled copy, as a keyed
//! comparison puts head in pair order: polars' `not_equal_missing` against
//! `swimlane::diff::text::text_differs`, which reads each row's bytes a few
//! rows ahead. Prints the median and the least of 7 rounds of each, in ms.
//!
//! `cargo run --release --example bench_text_differs -- [ROWS]` (default 10M)
#![allow(
    clippy::print_stdout,
    reason = "a benchmark program: it prints its figures"
)]

use std::time::Instant;

use polars::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;

const ROUNDS: usize = 7;

fn main() -> PolarsResult<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(10_000_000, |a| a.parse().expect("ROWS is a number"));
    let title = |r: usize| {
        format!(
            "title {:x} of row {r}",
            (r as u64).wrapping_mul(0x9e37_79b9) >> 8
        )
    };
    let base = Series::new("title".into(), (0..n).map(title).collect::<Vec<_>>());
    // Head: the same values, one in 1,000 changed, written shuffled, then
    // gathered back into base's order.
    let mut order: Vec<IdxSize> = (0..n as IdxSize).collect();
    order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(1));
    let written = Series::new(
        "title".into(),
        order
            .iter()
            .map(|&r| {
                let r = r as usize;
                if r % 1000 == 7 {
                    format!("{} changed", title(r))
                } else {
                    title(r)
                }
            })
            .collect::<Vec<_>>(),
    );
    let mut position = vec![0 as IdxSize; n];
    for (i, &r) in order.iter().enumerate() {
        position[r as usize] = i as IdxSize;
    }
    let head = written.take(&IdxCa::from_vec("rows".into(), position))?;
    drop(written);
    let timed =
        |f: &dyn Fn() -> PolarsResult<BooleanChunked>| -> PolarsResult<(f64, f64, IdxSize)> {
            let mut times = Vec::new();
            let mut changed = 0;
            for _ in 0..ROUNDS {
                let t = Instant::now();
                let mask = f()?;
                times.push(t.elapsed().as_secs_f64() * 1e3);
                changed = mask.sum().unwrap_or(0);
            }
            times.sort_by(f64::total_cmp);
            Ok((times[ROUNDS / 2], times[0], changed))
        };
    let polars = timed(&|| base.not_equal_missing(&head))?;
    let ours = timed(&|| {
        Ok(swimlane::diff::text::text_differs(&base, &head)?.expect("two string columns"))
    })?;
    assert_eq!(polars.2, ours.2, "both find the same differences");
    println!("{n} rows, {} differ; median / least of {ROUNDS}:", ours.2);
    println!(
        "polars not_equal_missing: {:.0} / {:.0} ms",
        polars.0, polars.1
    );
    println!("text_differs:             {:.0} / {:.0} ms", ours.0, ours.1);
    Ok(())
}
