//! A numeric or text column's two sides profiled at once from what they
//! share: the comparison tells which rows of each side hold a value the
//! other side's pair does not (`load::Unshared`); every other value is read
//! once, for both sides' profiles (`of_pair`). The columns wait for that word in a
//! [`Pairing`], from the [`Pair`] of collectors the comparison tells.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use polars::prelude::*;
use polars_arrow::array::{Utf8ViewArray, View};

use super::{
    Collector, ColumnKeys, Counter, First, Found, Native, TOP_OF_DISTINCT, TextCounts, add_squares,
    at_ranks_of_counts, beside_or_here, column, column_profile, count_text, counted, first_pass,
    hash_text, lock, number_profile, sketch_of, starts_ascending, wanted_ranks,
};
use crate::load::{PairObserver, Unshared};
use crate::model::profile::{ColumnProfile, NumberProfile, TextProfile};
use crate::stats::{distinct, quantiles};
use crate::wide::Wide;

/// The columns of a table's two sides held for a profile of the pair
/// (`of_pair`), until the comparison tells what they share: announced by
/// [`PairObserver::expect`], each side's column held when read, and
/// both profiled at once when [`PairObserver::shared`] comes.
#[derive(Default)]
pub(super) struct Pairing {
    pub(super) waiting: Mutex<Waiting>,
    /// The profiles of pairs running beside the comparison, at most
    /// `beside` (held while they are joined, so that a second joiner waits
    /// for the first to be done).
    pub(super) running: Mutex<Vec<(String, std::thread::JoinHandle<()>)>>,
    /// Any pair's profile that failed.
    pub(super) error: Mutex<Option<String>>,
}

#[derive(Default)]
pub(super) struct Waiting {
    /// The pairs announced and not yet told of: (base's name, head's).
    pub(super) expected: Vec<(String, String)>,
    /// Each side's columns read and held for them, by name.
    pub(super) held: [HashMap<String, Series>; 2],
}

impl Waiting {
    /// Whether column `name` of `side` waits for its pair.
    pub(super) fn expects(&self, side: usize, name: &str) -> bool {
        self.expected.iter().any(|p| [&p.0, &p.1][side] == name)
    }
}

/// Both sides' collectors as a table's comparison tells them what its
/// column pairs share.
pub struct Pair(pub Arc<Collector>, pub Arc<Collector>);

impl PairObserver for Pair {
    fn expect(&self, columns: &[(String, String)]) {
        if let Some(pairing) = &self.0.pairing {
            lock(&pairing.waiting).expected.extend_from_slice(columns);
        }
    }

    fn shared(&self, base: &str, head: &str, unshared: Option<Unshared>) {
        let Some(pairing) = &self.0.pairing else {
            return;
        };
        let (b, h) = {
            let mut waiting = lock(&pairing.waiting);
            let Some(at) = waiting
                .expected
                .iter()
                .position(|(b, h)| b == base && h == head)
            else {
                return;
            };
            waiting.expected.swap_remove(at);
            (waiting.held[0].remove(base), waiting.held[1].remove(head))
        };
        match (b, h, unshared) {
            (Some(b), Some(h), Some(unshared)) => {
                let (bc, hc) = (Arc::clone(&self.0), Arc::clone(&self.1));
                let job = move || match of_pair(&b, &h, &unshared) {
                    Ok((pb, ph)) => {
                        lock(&bc.seen).push(pb);
                        lock(&hc.seen).push(ph);
                    }
                    // (Both sides fail: neither profile leaves the column
                    // out.)
                    Err(e) => {
                        lock(&bc.error).get_or_insert(e.to_string());
                        lock(&hc.error).get_or_insert(e.to_string());
                    }
                };
                beside_or_here(&pairing.running, self.0.beside, &pairing.error, base, job);
            }
            (b, h, _) => {
                // Each side on its own, as a column not announced.
                if let Some(b) = b {
                    self.0.start(b);
                }
                if let Some(h) = h {
                    self.1.start(h);
                }
            }
        }
    }
}

/// The profiles of a column's two sides, `base` and `head`, that the
/// comparison paired row by row: `unshared` names the rows of each side
/// whose value no row of the other side holds alike (see
/// [`Unshared`]). The values every other row holds are read once, from
/// base, for both sides' figures (numbers: [`numbers_shared`]; text:
/// [`shared_text`]); columns of other types, columns mostly unlike, and
/// sides that call for another way of counting are profiled each on its
/// own.
pub fn of_pair(
    base: &Series,
    head: &Series,
    unshared: &Unshared,
) -> PolarsResult<(ColumnProfile, ColumnProfile)> {
    // Every row not named is one of a pair: as many on each side.
    let within = |rows: &[IdxSize], len: usize| rows.last().is_none_or(|&r| (r as usize) < len);
    let pairs = |rows: &[IdxSize], len: usize| len.checked_sub(rows.len());
    let whole = within(&unshared.base, base.len())
        && within(&unshared.head, head.len())
        && pairs(&unshared.base, base.len()) == pairs(&unshared.head, head.len());
    debug_assert!(whole, "rows told apart that do not pair the rest");
    if whole && base.dtype() == head.dtype() && unshared.worth_sharing(base.len(), head.len()) {
        macro_rules! shared {
            ($get:ident) => {
                shared_numbers(base.$get()?, head.$get()?, unshared)
            };
        }
        let shared = match base.dtype() {
            DataType::Float64 => shared!(f64),
            DataType::Float32 => shared!(f32),
            DataType::Int64 => shared!(i64),
            DataType::Int32 => shared!(i32),
            DataType::Int16 => shared!(i16),
            DataType::Int8 => shared!(i8),
            DataType::UInt64 => shared!(u64),
            DataType::UInt32 => shared!(u32),
            DataType::UInt16 => shared!(u16),
            DataType::UInt8 => shared!(u8),
            _ => None,
        };
        // (NaN, which has no number, counts as null.)
        let numbers = |s: &Series, (n, found, numbers)| {
            column_profile(s, s.len() - n, found, Some(numbers), None)
        };
        if let Some([b, h]) = shared {
            return Ok((numbers(base, b), numbers(head, h)));
        }
        let text = |s: &Series, (count, estimated, text)| {
            column_profile(
                s,
                s.null_count(),
                Found { count, estimated },
                None,
                Some(text),
            )
        };
        if base.dtype() == &DataType::String
            && let Some([b, h]) = shared_text(base.str()?, head.str()?, unshared)
        {
            return Ok((text(base, b), text(head, h)));
        }
    }
    Ok((column(base)?, column(head)?))
}

/// [`numbers_shared`] of two sides of one physical numeric type.
fn shared_numbers<T: PolarsNumericType>(
    base: &ChunkedArray<T>,
    head: &ChunkedArray<T>,
    unshared: &Unshared,
) -> Option<[(usize, Found, NumberProfile); 2]>
where
    T::Native: Native,
{
    if starts_ascending(base) || starts_ascending(head) {
        return None;
    }
    let own = |ca: &ChunkedArray<T>, rows: &[IdxSize]| -> Vec<u64> {
        rows.iter()
            .filter_map(|&r| ca.get(r as usize))
            .filter_map(|v| {
                let (k, number) = v.key_if();
                number.then_some(k)
            })
            .collect()
    };
    let (own_base, own_head) = (own(base, &unshared.base), own(head, &unshared.head));
    let keep = kept_rows(base.len(), &unshared.base);
    let common = ColumnKeys {
        ca: base,
        len: 0,
        keep: Some(&keep),
    };
    numbers_shared(common, [&own_base, &own_head])
}

/// A bit for each of `rows` rows, set but for the rows `but` (ascending).
fn kept_rows(rows: usize, but: &[IdxSize]) -> Vec<u64> {
    let mut keep = vec![u64::MAX; rows.div_ceil(64)];
    for &r in but {
        keep[r as usize / 64] &= !(1 << (r % 64));
    }
    keep
}

/// The text profiles of two sides of a text column (see [`of_pair`]): the
/// values of the rows both sides hold alike counted once, from base, and
/// each side's own counted on a copy of those counts. The same figures as
/// each side's own profile: the counts are a sum, and an estimate of the
/// distinct values is HyperLogLog's of their union (made from the counts
/// where a side's own values take it past the values counted). `None`
/// for sides of at most `EXACT_DISTINCT_UP_TO` values.
fn shared_text<'a>(
    base: &'a StringChunked,
    head: &'a StringChunked,
    unshared: &Unshared,
) -> Option<[(u64, bool, TextProfile); 2]> {
    let valid = |ca: &StringChunked| ca.len() - ca.null_count();
    if counted(valid(base)) || counted(valid(head)) {
        return None;
    }
    let keep = kept_rows(base.len(), &unshared.base);
    let arrays: Vec<&Utf8ViewArray> = base.downcast_iter().collect();
    let most = TOP_OF_DISTINCT as usize;
    let common = count_text(&arrays, Some(&keep), most);
    let own = |ca: &'a StringChunked, rows: &[IdxSize]| -> Vec<&'a str> {
        rows.iter().filter_map(|&r| ca.get(r as usize)).collect()
    };
    let head_counts = common.with(&own(head, &unshared.head), most);
    let base_counts = common.with(&own(base, &unshared.base), most);
    Some([base_counts.profile(), head_counts.profile()])
}

impl<'a> TextCounts<'a> {
    /// These counts and `more` values counted with them, while at most
    /// `most` are distinct; else estimated (HyperLogLog's registers of
    /// every value, as a count that went on to estimate makes them).
    fn with(&self, more: &[&'a str], most: usize) -> TextCounts<'a> {
        let mut c = self.clone();
        for &t in more {
            c.empty += u64::from(t.is_empty());
            // A string of at most 12 bytes by its view, as counted.
            let short = (t.len() <= 12).then(|| View::new_inline(t.as_bytes()).as_u128());
            match (&mut c.estimate, short) {
                (Some(d), Some(view)) => d.add(distinct::hash_u128(view)),
                (Some(d), None) => d.add(hash_text(t)),
                (None, Some(view)) => *c.short.entry(view).or_default() += 1,
                (None, None) => *c.long.entry(t).or_default() += 1,
            }
        }
        if c.estimate.is_none() && c.short.len() + c.long.len() > most {
            c.estimate = Some(sketch_of(&c.short, &c.long));
        }
        c
    }
}

/// The numbers of a column's two sides that hold most of their values
/// alike (see [`of_pair`]): `common`, the keys both sides hold, read once
/// for both; `own[i]`, the keys side `i` holds besides. Each side's count,
/// range, distinct count, quantiles and sketch are those its own profile
/// finds (the distinct values of a side counted by HyperLogLog from the
/// same registers: HyperLogLog is a union's); its mean and deviations are
/// summed in another order (equal but for the last bits). `None`, before
/// a second pass, where a side would be counted or selected otherwise
/// than the shared way (a side that starts in order, of at most
/// `EXACT_DISTINCT_UP_TO` keys, whose ranks' buckets hold many keys, or
/// whose distinct values the shared count would count where the side's
/// own estimates them): each side is then profiled on its own.
fn numbers_shared<T: PolarsNumericType>(
    mut common: ColumnKeys<T>,
    own: [&[u64]; 2],
) -> Option<[(usize, Found, NumberProfile); 2]>
where
    T::Native: Native,
{
    let value = <T::Native as Native>::value;
    let wide = Wide::here();
    let floats = <T::Native as Native>::FLOAT;
    let mut first = First::NONE;
    let mut early: Option<quantiles::Early> = None;
    quantiles::Keys::for_each_batch(&common, |b| {
        first_pass::<T::Native, false>(wide, b, &mut first);
        early
            .get_or_insert_with(|| quantiles::Early::of_first(b, floats))
            .add(b);
    });
    let early = early?;
    common.len = first.n;
    let mean_common = first.sum.iter().sum::<f64>() / first.n as f64;
    // Every common key and its count, when the buckets held one each:
    // then each side's are those and its own, wherever its own lie.
    let common_counts = early.exact((first.lo, first.hi));
    // Each side's first pass and buckets: the common keys' and its own.
    let sides = own.map(|keys| {
        let mut side = first;
        first_pass::<T::Native, false>(wide, keys, &mut side);
        let mut buckets = early.clone();
        buckets.add(keys);
        let exact = common_counts
            .as_deref()
            .map(|counted| with_counts(counted, keys));
        (side, buckets, exact)
    });
    let ranks = sides
        .each_ref()
        .map(|(side, ..)| wanted_ranks(side.n.max(1)));
    // How the common keys' distinct values are counted, for the sides
    // whose buckets do not count them: as each side's own count does.
    let common_range = (first.lo, first.hi);
    let mut common_counter = Counter::of_range(common_range);
    for (side, _, exact) in &sides {
        let estimates = Counter::estimates((side.lo, side.hi));
        if counted(side.n) || (exact.is_none() && estimates != Counter::estimates(common_range)) {
            return None;
        }
    }
    let (mut m2, mut seen) = ([0.0f64; 4], 0usize);
    let gathered = if sides.iter().all(|(.., exact)| exact.is_some()) {
        [None, None]
    } else {
        let wanted = |i: usize| sides[i].2.is_none().then_some(&ranks[i][..]);
        quantiles::Early::keys_at_ranks_shared(
            &common,
            [
                (&sides[0].1, own[0], wanted(0)),
                (&sides[1].1, own[1], wanted(1)),
            ],
            |batch| {
                add_squares::<T::Native>(wide, &mut m2, seen, batch, mean_common);
                seen += batch.len();
                common_counter.add(batch);
            },
        )?
    };
    let m2_common: f64 = m2.iter().sum();
    let mut out = sides.into_iter().zip(own).zip(gathered).zip(ranks).map(
        |((((side, _, exact), own), gathered), ranks)| {
            let n = side.n;
            let mean = side.sum.iter().sum::<f64>() / n as f64;
            let (distinct, m2, found) = match (exact, gathered) {
                (Some(counted), _) => {
                    // As a side's own profile reads its counts.
                    let m2 = counted
                        .iter()
                        .map(|&(k, c)| f64::from(c) * (value(k) - mean).powi(2))
                        .sum();
                    let distinct = Found {
                        count: counted.len() as u64,
                        estimated: false,
                    };
                    (distinct, m2, at_ranks_of_counts(&counted, &ranks))
                }
                (None, Some(found)) => {
                    // The common keys' deviations moved to this side's
                    // mean, and its own keys'.
                    let common_n = common.len as f64;
                    let own_m2: f64 = own.iter().map(|&k| (value(k) - mean).powi(2)).sum();
                    let m2 = m2_common + common_n * (mean_common - mean).powi(2) + own_m2;
                    (common_counter.with(own), m2, found)
                }
                (None, None) => unreachable!("a side not counted exactly is gathered"),
            };
            let numbers =
                number_profile::<T::Native>(n, (side.lo, side.hi), mean, m2, &ranks, found);
            (n, distinct, numbers)
        },
    );
    let (b, h) = (out.next()?, out.next()?);
    Some([b, h])
}

/// Keys in ascending order with their counts (`counted`), and `more`
/// (in any order) counted among them.
fn with_counts(counted: &[(u64, u32)], more: &[u64]) -> Vec<(u64, u32)> {
    let mut more = more.to_vec();
    more.sort_unstable();
    let mut runs = more
        .chunk_by(|a, b| a == b)
        .map(|r| (r[0], r.len() as u32))
        .peekable();
    let mut out = Vec::with_capacity(counted.len() + more.len());
    let mut counted = counted.iter().copied().peekable();
    loop {
        let next = match (counted.peek(), runs.peek()) {
            (Some(&(k, c)), Some(&(m, d))) if k == m => {
                counted.next();
                runs.next();
                (k, c + d)
            }
            (Some(&(k, _)), Some(&(m, _))) if m < k => runs.next().expect("peeked"),
            (Some(_), _) => counted.next().expect("peeked"),
            (None, Some(_)) => runs.next().expect("peeked"),
            (None, None) => return out,
        };
        out.push(next);
    }
}

impl Counter {
    /// How many distinct keys were counted and `own` holds (in any
    /// number), of a counter that counted bits or estimated.
    pub(super) fn with(&self, own: &[u64]) -> Found {
        let mut both = self.clone();
        let bits = match &both {
            Counter::Word { lo, .. } => Some((*lo, 64)),
            Counter::Bits { lo, words } => Some((*lo, words.len() as u64 * 64)),
            _ => None,
        };
        // Keys outside the bits' range are none of those counted.
        let mut outside = Vec::new();
        match bits {
            Some((lo, width)) => {
                let inside: Vec<u64>;
                (inside, outside) = own.iter().partition(|&&k| k >= lo && k - lo < width);
                both.add(&inside);
            }
            None => own.chunks(quantiles::BATCH).for_each(|b| both.add(b)),
        }
        outside.sort_unstable();
        outside.dedup();
        let mut found = both
            .found()
            .expect("a shared count counts bits or estimates");
        found.count += outside.len() as u64;
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// More values than `EXACT_DISTINCT_UP_TO`: only such sides are
    /// profiled from what they share.
    const N: usize = (crate::profile::EXACT_DISTINCT_UP_TO * 9) / 8;

    /// A head paired with `base` row for row, in another order, but for
    /// rows dropped, rows added (`extra` makes them) and values changed
    /// (`change`); and the rows that say so.
    fn pair_of<T: Clone>(
        base: &[Option<T>],
        rng: &mut rand::rngs::StdRng,
        change: impl Fn(Option<T>) -> Option<T>,
        extra: impl Fn(&mut rand::rngs::StdRng) -> Option<T>,
    ) -> (Vec<Option<T>>, Unshared) {
        let mut head: Vec<(Option<T>, bool)> = Vec::with_capacity(base.len());
        let mut unshared = Unshared::default();
        for (r, v) in base.iter().enumerate() {
            match rng.random_range(0..1000) {
                0..3 => unshared.base.push(r as IdxSize),
                3..6 => {
                    unshared.base.push(r as IdxSize);
                    head.push((change(v.clone()), true));
                }
                6..8 => {
                    head.push((v.clone(), false));
                    head.push((extra(rng), true));
                }
                _ => head.push((v.clone(), false)),
            }
        }
        // Head's rows shuffled in runs, as a key-ordered pair is not.
        let mut order: Vec<usize> = (0..head.len()).collect();
        for i in (1..order.len()).rev().step_by(7) {
            let j = rng.random_range(0..=i);
            order.swap(i, j);
        }
        let values = order.iter().map(|&i| head[i].0.clone()).collect();
        unshared.head = (0..order.len())
            .filter(|&r| head[order[r]].1)
            .map(|r| r as IdxSize)
            .collect();
        (values, unshared)
    }

    /// Two profiles alike: every figure equal, but for the mean and the
    /// standard deviation, summed in another order (to 1e-12 relative).
    fn assert_alike(shared: &ColumnProfile, own: &ColumnProfile, what: &str) {
        let (mut a, mut b) = (shared.clone(), own.clone());
        if let (Some(x), Some(y)) = (&mut a.numbers, &mut b.numbers) {
            for (p, q, name) in [
                (&mut x.mean, &mut y.mean, "mean"),
                (&mut x.std, &mut y.std, "std"),
            ] {
                let close = p.to_bits() == q.to_bits()
                    || (*p - *q).abs() <= 1e-12 * p.abs().max(q.abs()).max(1e-300);
                assert!(close, "{what}: {name} {p} against {q}");
                // (NaN, of infinities of both signs, is no NaN's equal.)
                (*p, *q) = (0.0, 0.0);
            }
        }
        assert_eq!(a, b, "{what}");
    }

    /// Both sides' profiles from what they share, and each on its own;
    /// asserts the shared way was taken.
    fn check<T: PolarsNumericType>(
        base: &[Option<T::Native>],
        head: &[Option<T::Native>],
        unshared: &Unshared,
        what: &str,
    ) where
        ChunkedArray<T>: IntoSeries,
        T::Native: Native,
    {
        let (base, head) = (series::<T>(base), series::<T>(head));
        let taken = shared_numbers(
            base.unpack::<T>().unwrap(),
            head.unpack::<T>().unwrap(),
            unshared,
        );
        assert!(
            taken.is_some(),
            "{what}: the sides were profiled each on its own"
        );
        let (b, h) = of_pair(&base, &head, unshared).unwrap();
        assert_alike(&b, &column(&base).unwrap(), &format!("{what}, base"));
        assert_alike(&h, &column(&head).unwrap(), &format!("{what}, head"));
    }

    /// In seven chunks, whose lengths are no multiple of 64 (of `N`
    /// values): the rows kept do not start a chunk on a word.
    fn series<T: PolarsNumericType>(values: &[Option<T::Native>]) -> Series
    where
        ChunkedArray<T>: IntoSeries,
    {
        super::super::tests::chunked::<T>(values, 7)
    }

    #[test]
    fn a_pair_read_once_where_it_agrees_profiles_as_each_side_on_its_own() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        // Floats of both signs, nulls, NaN and signed zeros; changed
        // values and added rows beyond base's range. (Zeros and infinities
        // not among the first values, whose range the buckets span: past
        // it, the keys of the values between a zero and the least of the
        // rest fill a few buckets, and each side is selected on its own.)
        let special = [f64::NAN, -0.0, 0.0];
        let floats: Vec<Option<f64>> = (0..N)
            .map(|i| match i % 97 {
                0 => None,
                1 if i > 1000 => Some(special[i % 3]),
                _ => Some(rng.random::<f64>() * 200.0 - 100.0),
            })
            .collect();
        let (head, unshared) = pair_of(
            &floats,
            &mut rng,
            |v| v.map(|x| x + 1.0),
            |r| Some(r.random::<f64>() * 1e6),
        );
        check::<Float64Type>(&floats, &head, &unshared, "f64");
        // And infinities.
        let infinite: Vec<Option<f64>> = floats
            .iter()
            .enumerate()
            .map(|(i, &v)| match i % 89 {
                1 if i > 1000 => Some(if i % 2 == 0 {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                }),
                _ => v,
            })
            .collect();
        let (head, unshared) = pair_of(&infinite, &mut rng, |_| Some(f64::INFINITY), |_| None);
        check::<Float64Type>(&infinite, &head, &unshared, "inf");
        let narrow: Vec<Option<f32>> = floats.iter().map(|v| v.map(|x| x as f32)).collect();
        let (head, unshared) = pair_of(&narrow, &mut rng, |_| None, |_| Some(f32::NAN));
        check::<Float32Type>(&narrow, &head, &unshared, "f32");
        // A rating of five values counted in its buckets; head's new value
        // lies past every common one.
        let rating: Vec<Option<i64>> = (0..N).map(|_| Some(rng.random_range(0..5))).collect();
        let (head, unshared) = pair_of(&rating, &mut rng, |v| v.map(|x| x + 1), |_| Some(7));
        check::<Int64Type>(&rating, &head, &unshared, "rating");
        // Codes counted a bit each; ids too wide for bits, estimated.
        let codes: Vec<Option<u32>> = (0..N).map(|_| Some(rng.random_range(0..500_000))).collect();
        let (head, unshared) = pair_of(&codes, &mut rng, |v| v.map(|x| x / 2), |_| Some(600_000));
        check::<UInt32Type>(&codes, &head, &unshared, "codes");
        let ids: Vec<Option<i64>> = (0..N).map(|_| Some(rng.random::<i64>())).collect();
        let (head, unshared) = pair_of(&ids, &mut rng, |_| Some(i64::MIN), |r| Some(r.random()));
        check::<Int64Type>(&ids, &head, &unshared, "ids");
        let small: Vec<Option<i8>> = (0..N)
            .map(|i| (i % 11 != 0).then(|| rng.random()))
            .collect();
        let (head, unshared) =
            pair_of(&small, &mut rng, |v| v.map(|x| x.wrapping_add(1)), |_| None);
        check::<Int8Type>(&small, &head, &unshared, "i8");
    }

    #[test]
    fn columns_held_for_their_pair_are_profiled_when_told_or_at_the_finish() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(18);
        let x: Vec<Option<f64>> = (0..N).map(|_| Some(rng.random())).collect();
        let (head_x, unshared) = pair_of(&x, &mut rng, |v| v.map(|x| -x), |_| Some(2.0));
        let frame = |x: &[Option<f64>]| {
            let n = x.len();
            df!(
                "x" => x,
                "y" => (0..n as i64).map(|i| i * 7 % 1000).collect::<Vec<_>>(),
                "s" => (0..n).map(|i| format!("v{}", i % 13)).collect::<Vec<_>>(),
                "late" => (0..n).map(|i| (i % 3 == 0).then_some(i as i32)).collect::<Vec<_>>(),
            )
            .unwrap()
        };
        let (mut base, mut head) = (frame(&x), frame(&head_x));
        let dir = tempfile::tempdir().unwrap();
        super::super::tests::write_sides(dir.path(), &mut base, &mut head);
        let expected = [
            super::super::of_frame(&base, None).unwrap(),
            super::super::of_frame(&head, None).unwrap(),
        ];
        for beside in [0, 1] {
            let ((b, h), (cb, ch)) = super::super::tests::observed_sides(dir.path(), beside);
            let pair = Pair(Arc::clone(&cb), Arc::clone(&ch));
            let pairs = ["x", "y", "late"].map(|n| (n.to_string(), n.to_string()));
            pair.expect(&pairs);
            for name in ["x", "y", "s", "late"] {
                let _read = (b.column(name).unwrap(), h.column(name).unwrap());
            }
            {
                let waiting = lock(&cb.pairing.as_ref().unwrap().waiting);
                assert_eq!(
                    (waiting.held[0].len(), waiting.held[1].len()),
                    (3, 3),
                    "the announced columns wait"
                );
            }
            // `x` from what its sides share; `y` each on its own; `late`
            // never told of (the comparison stopped short).
            pair.shared("x", "x", Some(unshared.clone()));
            pair.shared("y", "y", None);
            pair.shared("x", "x", None);
            for (side, c, want) in [(&b, &cb, &expected[0]), (&h, &ch, &expected[1])] {
                let p = c.finish(side, None).unwrap();
                assert_eq!(p.columns.len(), want.columns.len(), "{beside} beside");
                for (got, want) in p.columns.iter().zip(&want.columns) {
                    assert_alike(got, want, &format!("{}, {beside} beside", want.name));
                }
            }
        }
    }

    /// Text in chunks of uneven lengths.
    fn text(values: &[Option<String>]) -> Series {
        let part =
            |v: &[Option<String>]| StringChunked::from_iter_options("s".into(), v.iter().cloned());
        let mut ca = part(&values[..777]);
        for rest in values[777..].chunks(50_003) {
            ca.append_owned(part(rest)).unwrap();
        }
        ca.into_series()
    }

    #[test]
    fn text_read_once_where_the_sides_agree_profiles_as_each_side_on_its_own() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(19);
        let long = |i: u64| format!("a string longer than twelve bytes {i}");
        // Categories, empties and nulls, short and long; head's changes
        // make a category base lacks.
        let categories: Vec<Option<String>> = (0..N)
            .map(|i| match i % 50 {
                0 => None,
                1 => Some(String::new()),
                2..10 => Some(long(i as u64 % 3)),
                _ => Some(["US", "FR", "DE"][i % 3].to_string()),
            })
            .collect();
        // Ids, one per row: estimated on both sides.
        let ids: Vec<Option<String>> = (0..N).map(|i| Some(format!("id-{i}"))).collect();
        // Just under the values counted: head's own values take it past
        // them, and its distinct values are estimated where base's are
        // counted.
        let near: Vec<Option<String>> = (0..N)
            .map(|i| {
                Some(match i % 9_990 {
                    v if v % 2 == 0 => format!("v{v}"),
                    v => long(v as u64),
                })
            })
            .collect();
        type Change = fn(Option<String>) -> Option<String>;
        let cases: [(&str, &Vec<Option<String>>, Change); 3] = [
            ("categories", &categories, |v| v.map(|s| s + "*")),
            ("ids", &ids, |_| None),
            ("near", &near, |v| v.map(|s| s.repeat(2))),
        ];
        for (what, values, change) in cases {
            let (head, unshared) = pair_of(values, &mut rng, change, |r| {
                Some(format!("new {}", r.random_range(0..400)))
            });
            let (b, h) = (text(values), text(&head));
            let shared = shared_text(b.str().unwrap(), h.str().unwrap(), &unshared);
            assert!(
                shared.is_some(),
                "{what}: the sides were profiled each on its own"
            );
            let (pb, ph) = of_pair(&b, &h, &unshared).unwrap();
            assert_eq!(pb, column(&b).unwrap(), "{what}, base");
            assert_eq!(ph, column(&h).unwrap(), "{what}, head");
            if what == "near" {
                assert_eq!(
                    (pb.distinct_error > 0.0, ph.distinct_error > 0.0),
                    (false, true),
                    "{what}: counted in base, estimated in head"
                );
            }
        }
    }

    #[test]
    fn sides_mostly_apart_in_order_or_small_are_profiled_each_on_its_own() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(17);
        let random: Vec<Option<f64>> = (0..N).map(|_| Some(rng.random())).collect();
        let in_order: Vec<Option<f64>> = (0..N).map(|i| Some(i as f64)).collect();
        let small: Vec<Option<f64>> = random[..5_000].to_vec();
        for (values, what) in [
            (&random, "apart"),
            (&in_order, "in order"),
            (&small, "small"),
        ] {
            let (mut head, mut unshared) = pair_of(values, &mut rng, |v| v, |_| Some(0.5));
            if what == "apart" {
                // Every value shifted: nothing shared.
                head.iter_mut().for_each(|v| *v = v.map(|x| x + 1.0));
                unshared.base = (0..values.len() as IdxSize).collect();
                unshared.head = (0..head.len() as IdxSize).collect();
            }
            let (b, h) = (series::<Float64Type>(values), series::<Float64Type>(&head));
            let shared = shared_numbers(b.f64().unwrap(), h.f64().unwrap(), &unshared);
            assert!(
                shared.is_none() || !unshared.worth_sharing(b.len(), h.len()),
                "{what}: shared"
            );
            let (pb, ph) = of_pair(&b, &h, &unshared).unwrap();
            assert_eq!(
                (pb, ph),
                (column(&b).unwrap(), column(&h).unwrap()),
                "{what}"
            );
        }
    }

    #[test]
    fn counts_of_keys_take_more_keys_in_order_wherever_they_fall() {
        let counted = [(3, 2), (5, 1), (9, 4)];
        assert_eq!(
            with_counts(&counted, &[9, 1, 5, 12, 1, 7]),
            [(1, 2), (3, 2), (5, 2), (7, 1), (9, 5), (12, 1)]
        );
        assert_eq!(with_counts(&[], &[2, 2]), [(2, 2)]);
        assert_eq!(with_counts(&counted, &[]), counted);
    }

    #[test]
    fn a_shared_count_of_bits_counts_keys_beyond_its_range_once() {
        let mut bits = Counter::Bits {
            lo: 100,
            words: vec![0; 2],
        };
        bits.add(&[100, 101, 163, 101]);
        // 164..=227 lie in the second word; 90 and 300 lie outside.
        let found = bits.with(&[90, 90, 101, 200, 300, 300]);
        assert_eq!((found.count, found.estimated), (6, false));
        let mut word = Counter::Word { lo: 10, bits: 0 };
        word.add(&[10, 12]);
        assert_eq!(word.with(&[12, 73, 74, 9]).count, 5);
        let mut sketch = Counter::Sketch(distinct::Distinct::default());
        let keys: Vec<u64> = (0..1000).collect();
        keys.chunks(quantiles::BATCH).for_each(|b| sketch.add(b));
        let mut all = Counter::Sketch(distinct::Distinct::default());
        let more: Vec<u64> = (0..1000).chain(500..3000).collect();
        more.chunks(quantiles::BATCH).for_each(|b| all.add(b));
        // HyperLogLog of a union: the same registers either way.
        let shared: Vec<u64> = (500..3000).collect();
        assert_eq!(sketch.with(&shared), all.found().unwrap());
    }
}
