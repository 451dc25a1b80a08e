//! Writes a synthetic fact table as Parquet for benchmarks:
//! `cargo run --release --example gen_table -- ROWS OUT.parquet [--changed FRACTION] [--head] [--seed N] [--titles N] [--shuffle SEED]`
//!
//! Ten columns: an i64 key, 3 strings, 4 floats, 2 ints, ~1% nulls, written
//! in row groups of 1M rows (so 100M rows need no more than one chunk in
//! memory, unless shuffled). The same seed gives the same rows, so a "head"
//! written with either option is compared against a base written without:
//! - `--changed F`: a fraction F of rows get `seconds` changed by 1.0;
//! - `--head`: 0.1% of the values of the nine non-key columns changed
//!   (nulls become values), 0.05% of rows missing, 0.05% extra rows, and
//!   the float column `f2` shifted by 0.001 on every row;
//! - `--titles N`: the `title` column takes N distinct values (default
//!   5000; 0 for one per row, as a column of names or URLs);
//! - `--shuffle SEED`: rows written in a random order (the permutation drawn
//!   from SEED), as parallel writers and hash partitioning leave them. The
//!   whole table is then held in memory while writing.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark program: it prints its figures"
)]

use std::fs::File;

use polars::prelude::*;
use rand::{Rng, SeedableRng};

const CHUNK: usize = 1 << 20;
const COUNTRIES: [&str; 6] = ["US", "FR", "DE", "BR", "JP", "MX"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rows: usize = args
        .first()
        .ok_or("usage: gen_table ROWS OUT [--changed F] [--head] [--seed N] [--titles N] [--shuffle SEED]")?
        .parse()?;
    let out = args.get(1).ok_or("missing OUT")?;
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(|v| v.parse::<f64>())
            .transpose()
    };
    let changed = flag("--changed")?.unwrap_or(0.0);
    let seed = flag("--seed")?.unwrap_or(1.0) as u64;
    let head = args.iter().any(|a| a == "--head");
    let titles = flag("--titles")?.unwrap_or(5000.0) as u64;
    let shuffle = flag("--shuffle")?.map(|s| s as u64);

    let spec = Spec {
        seed,
        changed,
        head,
        titles,
    };
    let chunks: Box<dyn Iterator<Item = _>> = match shuffle {
        None => Box::new(
            (0..rows)
                .step_by(CHUNK)
                .map(|start| chunk(start, (start + CHUNK).min(rows), &spec)),
        ),
        Some(order) => Box::new(shuffled(rows, &spec, order)?.map(Ok)),
    };
    let mut writer: Option<polars::io::parquet::write::BatchedWriter<File>> = None;
    for df in chunks {
        let mut df = df?;
        if writer.is_none() {
            writer = Some(ParquetWriter::new(File::create(out)?).batched(df.schema())?);
        }
        df.rechunk_mut();
        writer.as_mut().expect("set above").write_batch(&df)?;
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    eprintln!("wrote {rows} rows to {out}");
    Ok(())
}

#[derive(Clone, Copy)]
struct Spec {
    seed: u64,
    changed: f64,
    head: bool,
    titles: u64,
}

/// The whole table, its rows in a random order drawn from `order`, in
/// chunks of `CHUNK` rows.
fn shuffled(
    rows: usize,
    spec: &Spec,
    order: u64,
) -> Result<impl Iterator<Item = DataFrame>, Box<dyn std::error::Error>> {
    use rand::seq::SliceRandom;
    let mut all = chunk(0, rows.min(CHUNK), spec)?;
    for start in (CHUNK..rows).step_by(CHUNK) {
        all.vstack_mut(&chunk(start, (start + CHUNK).min(rows), spec)?)?;
    }
    let mut permutation: Vec<IdxSize> = (0..all.height() as IdxSize).collect();
    permutation.shuffle(&mut rand::rngs::StdRng::seed_from_u64(order));
    let all = all.take(&IdxCa::from_vec(PlSmallStr::EMPTY, permutation))?;
    let height = all.height();
    Ok((0..height)
        .step_by(CHUNK)
        .map(move |start| all.slice(start as i64, CHUNK.min(height - start))))
}

/// Rows `start..end`: the same for a given seed whatever the options, then
/// changed as asked.
fn chunk(start: usize, end: usize, spec: &Spec) -> Result<DataFrame, Box<dyn std::error::Error>> {
    let Spec {
        seed,
        changed,
        head,
        titles,
    } = *spec;
    let chunk_seed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ start as u64;
    let mut rng = rand::rngs::StdRng::seed_from_u64(chunk_seed);
    let mut next = move || rng.random::<u64>();
    // Head's edits draw from their own stream, so the rows stay the same.
    let mut edits = rand::rngs::StdRng::seed_from_u64(chunk_seed ^ 0x5EED);
    let unit = |x: u64| (x >> 11) as f64 / (1u64 << 53) as f64;

    let n = end - start;
    let mut key = Vec::with_capacity(n);
    let (mut s1, mut s2, mut s3) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut f1, mut f2, mut f3, mut f4) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut i1, mut i2) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for r in start..end {
        let a = next();
        let null = |salt: u64| (a.rotate_left(salt as u32) % 100) == 0;
        let mut row = (
            r as i64 * 7 + 3,
            (!null(1)).then(|| COUNTRIES[(a % 6) as usize].to_string()),
            (!null(2)).then(|| format!("member-{}", a % 100_000)),
            (!null(3)).then(|| match titles {
                0 => format!("title {:x} of row {r}", a >> 40),
                n => format!("title {}", (a >> 20) % n),
            }),
            None,
            None,
            None,
            None,
            None,
            None,
        );
        let b = next();
        row.4 = (!null(4)).then(|| unit(b) * 1000.0);
        row.5 = (!null(5)).then(|| (unit(next()) * 10.0).ln_1p());
        row.6 = (!null(6)).then(|| unit(next()) - 0.5);
        let mut v4 = unit(next()) * 3600.0;
        // Always draw, so the same seed gives the same rows with or without
        // --changed.
        if unit(next()) < changed {
            v4 += 1.0;
        }
        row.7 = (!null(7)).then_some(v4);
        row.8 = (!null(8)).then_some((b % 5) as i64);
        row.9 = (!null(9)).then_some((b % 1_000_000) as i64);

        let mut copies = 1;
        if head {
            let p = edits.random::<f64>();
            if p < 0.0005 {
                copies = 0; // missing in head
            } else if p < 0.001 {
                copies = 2; // an extra row follows, under a key base lacks
            }
            let mut hit = || edits.random::<f64>() < 0.001;
            if hit() {
                row.1 = Some(format!("{}*", row.1.as_deref().unwrap_or("")));
            }
            if hit() {
                row.2 = Some(format!("{}*", row.2.as_deref().unwrap_or("")));
            }
            if hit() {
                row.3 = Some(format!("{}*", row.3.as_deref().unwrap_or("")));
            }
            if hit() {
                row.4 = Some(row.4.unwrap_or(0.0) + 1.0);
            }
            if hit() {
                row.5 = Some(row.5.unwrap_or(0.0) + 1.0);
            }
            if hit() {
                row.6 = Some(row.6.unwrap_or(0.0) + 1.0);
            }
            if hit() {
                row.7 = Some(row.7.unwrap_or(0.0) + 1.0);
            }
            if hit() {
                row.8 = Some(row.8.unwrap_or(0) + 1);
            }
            if hit() {
                row.9 = Some(row.9.unwrap_or(0) + 1);
            }
            row.5 = row.5.map(|v| v + 0.001);
        }
        for c in 0..copies {
            key.push(if c == 0 { row.0 } else { row.0 + 2 });
            s1.push(row.1.clone());
            s2.push(row.2.clone());
            s3.push(row.3.clone());
            f1.push(row.4);
            f2.push(row.5);
            f3.push(row.6);
            f4.push(row.7);
            i1.push(row.8);
            i2.push(row.9);
        }
    }
    Ok(df!(
        "id" => key,
        "country" => s1, "member" => s2, "title" => s3,
        "f1" => f1, "f2" => f2, "f3" => f3, "seconds" => f4,
        "rating" => i1, "count" => i2,
    )?)
}
