//! Times judging history: `cargo run --release --example bench_history --
//! [SERIES] [POINTS]` (default 2000 × 400). Builds SERIES series of POINTS
//! points (noise, some with a step, some with a spike), then times the
//! anomaly rule over every point and change points over the last 100 of
//! each, as `swimlane audit` does; and writes one recorded point of a
//! 10-column profile to a store to print the segment's size.
#![allow(
    clippy::print_stdout,
    reason = "a benchmark program: it prints its figures"
)]

use std::collections::BTreeMap;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use swimlane::history::watch::{self, Point};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("SERIES and POINTS are numbers"))
        .collect();
    let (n_series, n_points) = (
        args.first().copied().unwrap_or(2000),
        args.get(1).copied().unwrap_or(400),
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut series = BTreeMap::new();
    for s in 0..n_series {
        let points: Vec<Point> = (0..n_points)
            .map(|i| {
                let step = if s % 3 == 0 && i > n_points / 2 {
                    5.0
                } else {
                    0.0
                };
                let spike = if s % 7 == 0 && i == n_points - 1 {
                    50.0
                } else {
                    0.0
                };
                Point {
                    run: format!("r{i:05}"),
                    as_of: i as i64,
                    recorded_at: i as i64,
                    value: 100.0 + rng.random::<f64>() * 2.0 + step + spike,
                    commit: None,
                    label: None,
                }
            })
            .collect();
        series.insert(format!("t.c{s}.mean"), points);
    }
    let mut times = Vec::new();
    let mut flagged = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let judged = watch::judge(
            series.clone(),
            &[],
            &Default::default(),
            &Default::default(),
        );
        times.push(t.elapsed().as_secs_f64());
        flagged = judged
            .iter()
            .filter(|j| j.anomaly_at(j.points.len() - 1))
            .count();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{n_series} series x {n_points} points: judged in {:.3} s (median of 5; min {:.3}, max {:.3}); {flagged} latest points anomalous",
        times[2], times[0], times[4]
    );

    // One recorded point: a 10-column table's profile (4 floats, 3 ints,
    // 3 strings), as `profile --record` writes it.
    let n = 100_000;
    let df = polars::df!(
        "id" => (0..n as i64).collect::<Vec<_>>(),
        "a" => (0..n).map(|_| rng.random::<f64>()).collect::<Vec<_>>(),
        "b" => (0..n).map(|_| rng.random::<f64>()).collect::<Vec<_>>(),
        "c" => (0..n).map(|_| rng.random::<f64>()).collect::<Vec<_>>(),
        "d" => (0..n).map(|_| rng.random::<f64>()).collect::<Vec<_>>(),
        "e" => (0..n).map(|i| (i % 7) as i64).collect::<Vec<_>>(),
        "f" => (0..n).map(|i| (i % 1000) as i64).collect::<Vec<_>>(),
        "s1" => (0..n).map(|i| ["x", "y", "z"][i % 3]).collect::<Vec<_>>(),
        "s2" => (0..n).map(|i| format!("m{}", i % 50)).collect::<Vec<_>>(),
        "s3" => (0..n).map(|i| format!("u{i}")).collect::<Vec<_>>(),
    )
    .expect("a frame");
    let profile = swimlane::profile::of_frame(&df, Some(0)).expect("a profile");
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = swimlane::history::store::Store::dir(dir.path().to_path_buf());
    let meta = swimlane::history::Meta::now(None, Some("0123abcd".into()), None);
    let rows = swimlane::history::rows(&meta, &[("t", &profile)]);
    let path = store.record(&rows).expect("recorded");
    let bytes = std::fs::metadata(&path).expect("written").len();
    println!(
        "one recorded point of a 10-column table: {} rows (metrics and sketches), {bytes} bytes on disk",
        rows.len()
    );
}
