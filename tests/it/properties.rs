//! Properties of the comparison on random tables (proptest): what must hold
//! for any data, not just the cases someone thought of.

use polars::prelude::*;
use proptest::prelude::*;
use swimlane::config::{CompareMode, Format, Table};
use swimlane::diff::compare_exact;
use swimlane::model::Verdict;
use swimlane::stats::ks::{Alternative, Method, ks_2samp_sorted};

type Row = (i64, Option<f64>, Option<String>);

/// A row of narrow types: key, int32, float32, a µs timestamp.
type Narrow = (i64, Option<i32>, Option<f32>, Option<i64>);

fn narrow_rows(max: usize) -> impl Strategy<Value = Vec<Narrow>> {
    prop::collection::vec(
        (
            -20i64..20,
            prop::option::of(-3i32..3),
            prop::option::of(prop_oneof![Just(f32::NAN), -2.0f32..2.0, Just(0.5)]),
            prop::option::of(-3i64..3),
        ),
        0..max,
    )
}

/// `rows` as a frame; `wide` writes the columns as int64, float64 and
/// nanoseconds, `float_key` the key as float64.
fn narrow_frame(rows: &[Narrow], wide: bool, float_key: bool) -> DataFrame {
    let id = Series::new("id".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>());
    let n = Series::new("n".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>());
    let f = Series::new("f".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>());
    let t = Series::new("t".into(), rows.iter().map(|r| r.3).collect::<Vec<_>>())
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    let cast = |s: Series, to: DataType| if wide { s.cast(&to).unwrap() } else { s };
    let id = if float_key {
        id.cast(&DataType::Float64).unwrap()
    } else {
        id
    };
    DataFrame::new_infer_height(vec![
        id.into(),
        cast(n, DataType::Int64).into(),
        cast(f, DataType::Float64).into(),
        cast(t, DataType::Datetime(TimeUnit::Nanoseconds, None)).into(),
    ])
    .unwrap()
}

fn rows(max: usize) -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (
            -50i64..50,
            prop::option::of(prop_oneof![
                Just(f64::NAN),
                -1e3f64..1e3,
                Just(0.0),
                Just(-0.0)
            ]),
            prop::option::of("[a-c]{0,3}"),
        ),
        0..max,
    )
}

fn frame(rows: &[Row]) -> DataFrame {
    df!(
        "id" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        "x" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        "s" => rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>(),
    )
    .unwrap()
}

fn table(key: bool) -> Table {
    Table {
        key: if key { vec!["id".into()] } else { vec![] },
        ..Table::new("t", "t.parquet", Format::Parquet, CompareMode::Exact)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_table_equals_itself(rows in rows(40), keyed in any::<bool>()) {
        let df = frame(&rows);
        let r = compare_exact(&table(keyed), &df, &df).unwrap();
        prop_assert_eq!(r.verdict(), Verdict::Pass, "{:?}", r.findings());
        let c = r.rows.unwrap();
        prop_assert_eq!((c.missing, c.extra, c.matched), (0, 0, rows.len() as u64));
    }

    #[test]
    fn a_permutation_of_the_rows_changes_nothing(rows in rows(40), seed in any::<u64>(), keyed in any::<bool>()) {
        let mut shuffled = rows.clone();
        // A deterministic Fisher-Yates from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let r = compare_exact(&table(keyed), &frame(&rows), &frame(&shuffled)).unwrap();
        // Duplicate keys pair by occurrence: a permutation that reorders
        // rows sharing a key can pair them differently, so the keyed
        // property is stated for unique keys.
        let unique = { let mut k: Vec<i64> = rows.iter().map(|r| r.0).collect(); k.sort(); k.dedup(); k.len() == rows.len() };
        if !keyed || unique {
            prop_assert_eq!(r.verdict(), Verdict::Pass, "{:?}", r.findings());
        }
        let c = r.rows.unwrap();
        prop_assert_eq!((c.missing, c.extra), (0, 0));
    }

    #[test]
    fn swapping_sides_swaps_missing_and_extra_and_counts_add_up(a in rows(30), b in rows(30), keyed in any::<bool>()) {
        let (fa, fb) = (frame(&a), frame(&b));
        let ab = compare_exact(&table(keyed), &fa, &fb).unwrap().rows.unwrap();
        let ba = compare_exact(&table(keyed), &fb, &fa).unwrap().rows.unwrap();
        prop_assert_eq!((ab.missing, ab.extra), (ba.extra, ba.missing));
        prop_assert_eq!(ab.matched, ba.matched);
        prop_assert_eq!(ab.matched + ab.missing, a.len() as u64);
        prop_assert_eq!(ab.matched + ab.extra, b.len() as u64);
        if let Some(changed) = ab.changed {
            prop_assert!(changed <= ab.matched);
            prop_assert_eq!(Some(changed), ba.changed);
        }
    }

    #[test]
    fn widened_columns_and_a_retyped_key_pair_and_count_as_the_same_types(
        a in narrow_rows(40),
        b in narrow_rows(40),
        float_key_side in 0u8..3,
    ) {
        let t = table(true);
        let same = compare_exact(&t, &narrow_frame(&a, false, false), &narrow_frame(&b, false, false)).unwrap();
        // Head widened (int32 -> int64, float32 -> float64, µs -> ns), and
        // the key written as float64 on neither, one or the other side.
        let base = narrow_frame(&a, false, float_key_side == 1);
        let head = narrow_frame(&b, true, float_key_side == 2);
        let widened = compare_exact(&t, &base, &head).unwrap();
        prop_assert_eq!(same.rows, widened.rows);
        let counts = |r: &swimlane::model::TableReport| {
            r.columns.iter().map(|c| (c.name.clone(), c.mismatches)).collect::<Vec<_>>()
        };
        prop_assert_eq!(counts(&same), counts(&widened));
        prop_assert!(widened.schema.changed.iter().all(|c| c.compared_as.is_some()), "{:?}", widened.schema.changed);
        prop_assert!(widened.key_notes.is_empty());
        // Samples show keys as each side wrote them (1 or 1.0): as many.
        prop_assert_eq!(same.missing_samples.len(), widened.missing_samples.len());
        prop_assert_eq!(same.duplicates.map(|d| d.new_in_head), widened.duplicates.map(|d| d.new_in_head));
    }

    #[test]
    fn a_csv_file_reads_as_polars_reads_it_with_the_inferred_types(
        kinds in prop::collection::vec(prop::collection::vec(0usize..6, 1..3), 2..5),
        picks in prop::collection::vec(prop::collection::vec(any::<u16>(), 5), 1..40),
        crlf in any::<bool>(),
    ) {
        // Fields of each kind (integers, floats, booleans, text, empty,
        // quoted); a column draws from the kinds it was given.
        const FIELDS: [&[&str]; 6] = [
            &["0", "-1", "42", "123456789012345678", "-9223372036854775808", "9223372036854775807"],
            &["1.5", "-0.0", ".5", "7.", "1e5", "-2E-3", "inf", "-inf", "NaN", "+1.25", "0.1"],
            &["true", "FALSE", "True"],
            &["a", "x y", "é", "long text over twelve bytes", "1a", "-", ".", " 1"],
            &[""],
            &["\"a,b\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"", "\"\"", "\"1\"", "\"\"\"\"\"\""],
        ];
        let end = if crlf { "\r\n" } else { "\n" };
        let names: Vec<String> = (0..kinds.len()).map(|c| format!("c{c}")).collect();
        let mut text = names.join(",") + end;
        for row in &picks {
            let fields: Vec<&str> = kinds.iter().enumerate().map(|(c, kinds)| {
                let kind = kinds[row[c] as usize % kinds.len()];
                FIELDS[kind][row[(c + 1) % 5] as usize % FIELDS[kind].len()]
            }).collect();
            text += &(fields.join(",") + end);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).unwrap();
        let declared = swimlane::config::Declared::CompareFlags;
        let ours = swimlane::csv_file::read(&path, b',', declared).unwrap();
        let (schema, _) = swimlane::csv_file::schema(&path, b',', declared).unwrap();
        let theirs = CsvReadOptions::default()
            .with_has_header(true)
            .with_schema(Some(Arc::new(schema)))
            .try_into_reader_with_file_path(Some(path))
            .unwrap()
            .finish()
            .unwrap();
        prop_assert_eq!(ours.schema(), theirs.schema());
        prop_assert!(ours.equals_missing(&theirs), "{}\n{}\n{}", text, ours, theirs);
        // The types too, against polars inferring them from every row,
        // which types `"1"` as a number where swimlane keeps quoted fields
        // text (`"01234"` keeps its zero, as the README says).
        if !text.contains('"') {
            let inferred = CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(None)
                .try_into_reader_with_file_path(Some(dir.path().join("t.csv")))
                .unwrap()
                .finish()
                .unwrap();
            prop_assert_eq!(ours.schema(), inferred.schema(), "{}", text);
            prop_assert!(ours.equals_missing(&inferred), "{}\n{}\n{}", text, ours, inferred);
        }
    }

    #[test]
    fn any_csv_body_reads_as_many_records_as_the_csv_crate_or_is_an_error(
        body in prop::collection::vec(
            prop::sample::select(&["a", "1", ",", "\"", "\n", "\r\n", ".", "-", " "][..]),
            0..80,
        ),
    ) {
        // Quotes in and out of place, blank lines, CRLF: never a panic, and
        // a frame holds every record the csv crate reads. (A CR alone ends
        // a record for the csv crate, not for polars: left out.)
        let mut text = b"x,y\n".to_vec();
        text.extend(body.concat().bytes());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, &text).unwrap();
        if let Ok(df) = swimlane::csv_file::read(&path, b',', swimlane::config::Declared::CompareFlags) {
            let records = csv::ReaderBuilder::new()
                .from_reader(&text[..])
                .byte_records()
                .count();
            prop_assert_eq!(df.height(), records, "{:?}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn ks_of_a_sample_with_itself_is_zero_and_d_is_symmetric(
        x in prop::collection::vec(-1e6f64..1e6, 1..200),
        y in prop::collection::vec(prop_oneof![-1e6f64..1e6, Just(1.0), Just(2.0)], 1..200),
    ) {
        let (mut x, mut y) = (x, y);
        x.sort_by(f64::total_cmp);
        y.sort_by(f64::total_cmp);
        let same = ks_2samp_sorted(&x, &x, Alternative::TwoSided, Method::Auto, None);
        prop_assert_eq!((same.statistic, same.p_value), (0.0, 1.0));
        let xy = ks_2samp_sorted(&x, &y, Alternative::TwoSided, Method::Auto, None);
        let yx = ks_2samp_sorted(&y, &x, Alternative::TwoSided, Method::Auto, None);
        prop_assert_eq!(xy.statistic, yx.statistic);
        prop_assert!((xy.p_value - yx.p_value).abs() <= 1e-12);
        prop_assert!((0.0..=1.0).contains(&xy.statistic) && (0.0..=1.0).contains(&xy.p_value));
    }
}
