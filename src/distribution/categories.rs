//! Categorical features: both sides' counts per category (on every core,
//! by parts of their hashes), the categories in order, the chi-square,
//! PSI and TVD they take, and the plot of the most frequent.

use polars::prelude::*;
use polars_arrow::array::Array as _;
use rayon::prelude::*;

use crate::model::{Feature, TestName};
use crate::stats::categorical::compare_counts;
use crate::stats::summary;

/// Fills in a categorical feature from its counts per category (the same
/// categories on both sides, sorted) and its nulls.
pub(crate) fn fill_categorical<S: AsRef<str>>(feature: &mut Feature, counts: &Counts<S>) {
    let (names, counts_b, counts_h, nulls_b, nulls_h) = counts;
    feature.plot = Some(categorical_plot(names, counts_b, counts_h));
    feature.base = summary::categorical(counts_b, *nulls_b);
    feature.head = summary::categorical(counts_h, *nulls_h);
    if feature.test == TestName::ChiSquare {
        let r = compare_counts(counts_b, counts_h);
        feature.statistic = r.chi2;
        feature.p_value = r.p_value;
        feature.effect = r.tvd;
        feature.df = Some(r.df);
        feature.psi = Some(r.psi);
    }
}

/// Counts per category over the union of both sides' categories, in a
/// stable (sorted) category order; nulls counted separately. Names are
/// `String`s from Spark, and borrowed from the columns here.
pub(crate) type Counts<S = String> = (Vec<S>, Vec<u64>, Vec<u64>, u64, u64);

/// Fills `feature` from both sides' counts per category (the values as
/// text).
pub(super) fn fill_categories(
    feature: &mut Feature,
    base: &Series,
    head: &Series,
) -> PolarsResult<()> {
    let b = base.cast(&DataType::String)?;
    let h = head.cast(&DataType::String)?;
    let (b, h) = (b.str()?, h.str()?);
    let nulls = (b.null_count() as u64, h.null_count() as u64);
    fill_categorical(feature, &sorted_counts(count(b, h), nulls));
    Ok(())
}

/// Bits of a value's hash that choose its part.
const PART_BITS: u32 = 8;
/// Values hashed per job.
const PIECE: usize = 1 << 20;
/// Distinct values a job counts in a table of its own (4 MB) before it
/// sends the rest to their parts one by one.
const LOCAL_AT_MOST: usize = 1 << 17;

/// A piece's values with their hashes and counts, by part.
type Parts<'a> = Vec<Vec<(u64, &'a str, u64)>>;

/// Each value of `base` and `head` (not null) with how often each side
/// holds it, in no order, counted on every core. Each piece of an array is
/// counted in a table of its own while its values are few (a category
/// column: the table stays in cache), and its counts are sent to one of
/// 256 parts by their hash; past LOCAL_AT_MOST distinct values (names,
/// ids) the piece's values go to their parts one by one. Then each part is
/// counted on its own, in a table small enough to stay in cache. One table
/// for all (polars' map, a side per core, then merged) took 7 s of a
/// 10M-value column's 8.8: every insert and lookup a miss in 0.5 GB, and
/// the merge on one core.
fn count<'a>(base: &'a StringChunked, head: &'a StringChunked) -> Vec<(&'a str, u64, u64)> {
    use std::hash::BuildHasher as _;
    let hasher = PlFixedStateQuality::with_seed(0);
    let parts = 1usize << PART_BITS;
    let part = |hash: u64| (hash >> (64 - PART_BITS)) as usize;
    // Pieces of both sides' arrays, each a job: (side, array, rows).
    let mut pieces = Vec::new();
    for (side, ca) in [(0usize, base), (1, head)] {
        for arr in ca.downcast_iter() {
            for start in (0..arr.len()).step_by(PIECE) {
                pieces.push((side, arr, start..(start + PIECE).min(arr.len())));
            }
        }
    }
    let hashed: Vec<(usize, Parts)> = pieces
        .into_par_iter()
        .map(|(side, arr, rows)| {
            let mut out: Parts = vec![Vec::new(); parts];
            let mut local: hashbrown::HashTable<(u64, &str, u64)> = hashbrown::HashTable::new();
            let mut one_by_one = false;
            let valid = arr.validity().filter(|v| v.unset_bits() > 0);
            let end = rows.end;
            for i in rows {
                if valid.is_some_and(|v| !v.get_bit(i)) {
                    continue;
                }
                // SAFETY: `i` is below the array's length.
                let v = unsafe { arr.value_unchecked(i) };
                let hash = hasher.hash_one(v);
                if one_by_one {
                    out[part(hash)].push((hash, v, 1));
                    continue;
                }
                match local.find_mut(hash, |e| e.0 == hash && e.1 == v) {
                    Some(e) => e.2 += 1,
                    None => {
                        local.insert_unique(hash, (hash, v, 1), |e| e.0);
                        if local.len() > LOCAL_AT_MOST {
                            // Room for each part's share of the rest and a
                            // margin: no part grows by copying.
                            let left = end - i;
                            let room = left / parts + left / parts / 4 + 16;
                            out.iter_mut().for_each(|p| p.reserve(room));
                            one_by_one = true;
                        }
                    }
                }
            }
            for e in local {
                out[part(e.0)].push(e);
            }
            (side, out)
        })
        .collect();
    (0..parts)
        .into_par_iter()
        .flat_map_iter(|p| {
            let mut table: hashbrown::HashTable<(u64, &str, [u64; 2])> =
                hashbrown::HashTable::new();
            // The table sees the hash turned: its tag is the top seven bits,
            // which every value of a part shares; turned, the part's bits
            // lie where neither the tag nor a bucket's place is taken.
            let turned = |hash: u64| hash.rotate_right(PART_BITS);
            for (side, out) in &hashed {
                for &(hash, v, c) in &out[p] {
                    match table.find_mut(turned(hash), |e| e.0 == hash && e.1 == v) {
                        Some(e) => e.2[*side] += c,
                        None => {
                            let mut counts = [0; 2];
                            counts[*side] = c;
                            table.insert_unique(turned(hash), (hash, v, counts), |e| turned(e.0));
                        }
                    }
                }
            }
            table.into_iter().map(|(_, v, [b, h])| (v, b, h))
        })
        .collect()
}

/// [`Counts`] from (category, base count, head count) in any order and
/// both sides' nulls: the categories sorted.
pub(crate) fn sorted_counts<S: AsRef<str> + Sync>(
    cats: Vec<(S, u64, u64)>,
    nulls: (u64, u64),
) -> Counts<S> {
    let order = crate::byte_order::sorted_order(&cats, |c| c.0.as_ref().as_bytes());
    let mut cats: Vec<Option<(S, u64, u64)>> = cats.into_iter().map(Some).collect();
    let (mut names, mut counts_b, mut counts_h) = (
        Vec::with_capacity(cats.len()),
        Vec::with_capacity(cats.len()),
        Vec::with_capacity(cats.len()),
    );
    for i in order {
        let (name, b, h) = cats[i as usize].take().expect("each category once");
        names.push(name);
        counts_b.push(b);
        counts_h.push(h);
    }
    (names, counts_b, counts_h, nulls.0, nulls.1)
}

/// Categories drawn before the rest are summed as `(other)`.
const TOP_CATEGORIES: usize = 20;

/// The most frequent categories (by both sides together), then `(other)`.
fn categorical_plot<S: AsRef<str>>(names: &[S], base: &[u64], head: &[u64]) -> crate::model::Plot {
    // The most frequent first, ties in the categories' order: only the
    // top ones are put in order (a column may have millions).
    let rank = |i: usize| (std::cmp::Reverse(base[i] + head[i]), i);
    let mut order: Vec<usize> = (0..names.len()).collect();
    if order.len() > TOP_CATEGORIES {
        order.select_nth_unstable_by_key(TOP_CATEGORIES, |&i| rank(i));
    }
    let shown = order.len().min(TOP_CATEGORIES);
    let (top, rest) = order.split_at_mut(shown);
    top.sort_unstable_by_key(|&i| rank(i));
    let mut plot = (Vec::new(), Vec::new(), Vec::new());
    for &i in top.iter() {
        plot.0.push(names[i].as_ref().to_string());
        plot.1.push(base[i]);
        plot.2.push(head[i]);
    }
    if !rest.is_empty() {
        plot.0.push("(other)".to_string());
        plot.1.push(rest.iter().map(|&i| base[i]).sum());
        plot.2.push(rest.iter().map(|&i| head[i]).sum());
    }
    crate::model::Plot::Categorical {
        categories: plot.0,
        base: plot.1,
        head: plot.2,
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    /// Counted in parts by hash, on pieces of arrays, each side's values
    /// are counted as a plain map counts them: nulls left out, values of
    /// one side only, an array longer than a piece whose first piece has
    /// more distinct values than a piece's own table holds, a second chunk.
    #[test]
    fn counts_per_category_in_parts_equal_a_plain_count() {
        let distinct = LOCAL_AT_MOST + LOCAL_AT_MOST / 2;
        let value = move |i: usize| (!i.is_multiple_of(13)).then(|| format!("v{}", i % distinct));
        let mut base = StringChunked::from_iter((0..PIECE + 100).map(value));
        base.append(&StringChunked::from_iter((0..50).map(|i| value(i * 7))))
            .unwrap();
        let head = StringChunked::from_iter((0..3000).map(|i| value(i + 500)));
        assert_eq!(base.chunks().len(), 2);
        let mut expected = std::collections::BTreeMap::<&str, (u64, u64)>::new();
        for v in base.iter().flatten() {
            expected.entry(v).or_default().0 += 1;
        }
        for v in head.iter().flatten() {
            expected.entry(v).or_default().1 += 1;
        }
        let mut counted: Vec<(&str, u64, u64)> = count(&base, &head);
        counted.sort_unstable();
        let expected: Vec<(&str, u64, u64)> =
            expected.into_iter().map(|(k, (b, h))| (k, b, h)).collect();
        assert_eq!(counted, expected);
    }

    /// Eight bytes at a time orders strings as comparing them whole does:
    /// empty ones, NUL bytes (a string before itself with NULs after),
    /// prefixes of each other, common prefixes of 8, 16 and 30 bytes,
    /// multibyte characters; runs of one first word longer than a piece.
    #[test]
    fn categories_sorted_eight_bytes_at_a_time_are_in_string_order() {
        use rand::Rng as _;
        let mut rng = StdRng::seed_from_u64(5);
        let alphabet = ["a", "b", "\0", "é", "z", "~"];
        for case in 0..60 {
            let common = ["", "title 7e", "https://example.com/", "0123456789abcdef"][case % 4];
            let mut names: Vec<String> = (0..rng.random_range(0..3000))
                .map(|_| {
                    let len = rng.random_range(0..20);
                    let tail: String = (0..len)
                        .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                        .collect();
                    format!("{}{tail}", &common[..rng.random_range(0..=common.len())])
                })
                .collect();
            names.extend(["", "\0", "\0\0", "a", "a\0", "a\0\0\0\0\0\0\0\0"].map(String::from));
            names.sort_unstable();
            names.dedup();
            let mut shuffled = names.clone();
            shuffled.sort_by_cached_key(|_| rng.random::<u64>());
            let cats = shuffled.iter().map(|n| (n.as_str(), 0, 0)).collect();
            let (sorted, ..) = sorted_counts(cats, (0, 0));
            assert_eq!(sorted, names, "case {case}");
        }
        // One first word shared by more names than a piece holds.
        let names: Vec<String> = (0..40_000)
            .rev()
            .map(|i| format!("title 7e{i:06}"))
            .collect();
        let order = crate::byte_order::sorted_order(&names, |n| n.as_bytes());
        let sorted: Vec<&String> = order.iter().map(|&i| &names[i as usize]).collect();
        assert!(sorted.windows(2).all(|w| w[0] < w[1]));
    }
}
