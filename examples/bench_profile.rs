//! Times profiling one side of a table, alone: `cargo run --release
//! --example bench_profile -- FILE.parquet [ROUNDS [COLUMN...]]` reads the
//! file, then profiles each column (or the COLUMNs named) ROUNDS times
//! (default 5) on one thread, and prints
//! each column's median and least time and their totals, so a change to
//! `profile/` is measured without the comparison's noise around it (the
//! least time is the steadier figure on a shared machine). Beside each, a
//! floor: one pass that reads every value once (numbers summed, text
//! columns' views' lengths summed), what any profile of the column must at
//! least do.
//!
//! `bench_profile BASE.parquet ROUNDS --pair HEAD.parquet KEY [COLUMN...]`
//! times instead both sides' profiles of each numeric and text column,
//! each side on
//! its own and then the two at once from what they share
//! (`profile::of_pair`), the rows pairing by the integer column KEY.
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
    let mut only: Vec<String> = args.collect();
    let read = |path: &str| {
        ParquetReader::new(std::fs::File::open(path).expect("the file opens"))
            .finish()
            .expect("the file reads")
    };
    let df = read(&path);
    if only.first().map(String::as_str) == Some("--pair") {
        let head = read(&only[1]);
        let key = only[2].clone();
        only.drain(..3);
        return pairs(&df, &head, &key, rounds, &only);
    }
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

/// Times each numeric and text column's two profiles, on their own and
/// shared.
fn pairs(base: &DataFrame, head: &DataFrame, key: &str, rounds: usize, only: &[String]) {
    let keys = |df: &DataFrame| -> Vec<Option<i64>> {
        let k = df
            .column(key)
            .expect("the key column")
            .cast(&DataType::Int64);
        k.expect("an integer key")
            .i64()
            .expect("i64")
            .iter()
            .collect()
    };
    let (bk, hk) = (keys(base), keys(head));
    let head_row: std::collections::HashMap<i64, usize> = hk
        .iter()
        .enumerate()
        .filter_map(|(r, k)| Some(((*k)?, r)))
        .collect();
    let pair_of: Vec<Option<usize>> = bk.iter().map(|k| head_row.get(&(*k)?).copied()).collect();
    let (mut apart, mut shared) = (0.0, 0.0);
    for c in base.columns() {
        let name = c.name().as_str();
        let numeric = c.dtype().is_primitive_numeric();
        let text = c.dtype() == &DataType::String;
        let wanted = only.is_empty() || only.iter().any(|o| o == name);
        if name == key || !(numeric || text) || !wanted {
            continue;
        }
        let b = c.as_materialized_series();
        let h = head
            .column(name)
            .expect("head has the column")
            .as_materialized_series();
        // Values alike as the comparison's exact test has them: numbers
        // by value (null and NaN alike), text byte for byte.
        let floats = |s: &Series| -> Vec<Option<f64>> {
            if !numeric {
                return Vec::new();
            }
            let f = s.cast(&DataType::Float64).expect("floats");
            f.f64().expect("f64").iter().collect()
        };
        let (bv, hv) = (floats(b), floats(h));
        let (bt, ht) = (b.str().ok(), h.str().ok());
        let alike = |r: usize, q: usize| match (bt, ht) {
            (Some(bt), Some(ht)) => bt.get(r) == ht.get(q),
            _ => match (bv[r], hv[q]) {
                (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
                (None, None) => true,
                _ => false,
            },
        };
        let mut unshared = swimlane::load::Unshared::default();
        let mut paired = vec![false; h.len()];
        for (r, p) in pair_of.iter().enumerate() {
            match p {
                Some(q) => {
                    paired[*q] = true;
                    if !alike(r, *q) {
                        unshared.base.push(r as IdxSize);
                        unshared.head.push(*q as IdxSize);
                    }
                }
                None => unshared.base.push(r as IdxSize),
            }
        }
        unshared
            .head
            .extend((0..h.len()).filter(|&q| !paired[q]).map(|q| q as IdxSize));
        unshared.head.sort_unstable();
        let least = |f: &dyn Fn()| {
            (0..rounds)
                .map(|_| {
                    let t = Instant::now();
                    f();
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
        };
        let own = least(&|| {
            let p = (
                swimlane::profile::column(b).expect("profiles"),
                swimlane::profile::column(h).expect("profiles"),
            );
            std::hint::black_box(p);
        });
        let both = least(&|| {
            let p = swimlane::profile::of_pair(b, h, &unshared).expect("the pair profiles");
            std::hint::black_box(p);
        });
        let (ob, oh) = (
            swimlane::profile::column(b).expect("profiles"),
            swimlane::profile::column(h).expect("profiles"),
        );
        let (sb, sh) = swimlane::profile::of_pair(b, h, &unshared).expect("profiles");
        let same = |x: &swimlane::model::profile::ColumnProfile,
                    y: &swimlane::model::profile::ColumnProfile| {
            x.distinct == y.distinct
                && x.null_count == y.null_count
                && x.text == y.text
                && x.numbers
                    .as_ref()
                    .map(|n| (n.p01, n.p50, n.p99, n.min, n.max))
                    == y.numbers
                        .as_ref()
                        .map(|n| (n.p01, n.p50, n.p99, n.min, n.max))
        };
        apart += own;
        shared += both;
        println!(
            "  {name:<12} {:<8} each side on its own {:>6.1} ms, shared {:>6.1} ms ({} and {} rows apart; same counts and quantiles: {})",
            b.dtype(),
            own * 1000.0,
            both * 1000.0,
            unshared.base.len(),
            unshared.head.len(),
            same(&ob, &sb) && same(&oh, &sh)
        );
    }
    println!(
        "total: on their own {:.1} ms, shared {:.1} ms (least of {rounds}, one thread)",
        apart * 1000.0,
        shared * 1000.0
    );
}
