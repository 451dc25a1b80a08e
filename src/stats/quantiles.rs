//! Exact order statistics of an unsorted sample without sorting it: the
//! values at a few ranks (a profile's p01, p50, p99 and its sketch's 129
//! equi-depth points) by MSD radix selection. Each level histograms the
//! order-preserving bits of the values below their common prefix, keeps
//! only the buckets a wanted rank falls in, and recurses into those; small
//! or constant buckets are finished directly. On 10M normal floats this is
//! a few passes over the data instead of a full sort (BENCHMARKS.md). No
//! crate offers multi-rank selection over floats; `select_nth_unstable`
//! finds one rank per pass. The first level reads the keys where they lie
//! ([`Keys`]: a column's chunks, say), twice; only the buckets a rank falls
//! in are copied.

use crate::wide::{Wide, by_width};

/// A float's bits, reordered so that unsigned order is numeric order
/// (negative numbers reversed below the positive ones).
/// `x` as an unsigned key in the same order (NaN excluded by callers).
#[inline(always)]
pub fn key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// The value a [`key`] stands for.
#[inline(always)]
pub fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// The values at `ranks` (0-based, ascending or not, each below
/// `values.len()`) of `values` (no NaN) in ascending order. Takes the
/// values to turn them into keys in place (no second buffer).
pub fn at_ranks(values: Vec<f64>, ranks: &[usize]) -> Vec<f64> {
    // Keys, their range and the keys either side of the sign in one pass
    // (the buffer is reused in place).
    let (mut min, mut max, mut below, mut zero) = (u64::MAX, 0, 0, u64::MAX);
    let keys: Vec<u64> = values
        .into_iter()
        .map(|v| {
            let k = key(v);
            min = min.min(k);
            max = max.max(k);
            if k < SIGN {
                below = below.max(k);
            } else {
                zero = zero.min(k);
            }
            k
        })
        .collect();
    keys_at_ranks_with(&keys[..], (min, max), Some((below, zero)), ranks, ignore)
        .into_iter()
        .map(value)
        .collect()
}

/// Keys (any unsigned keys in the values' order: [`key`] of floats, or
/// integers with the sign bit flipped) that can be visited more than once,
/// without being gathered into one vector first.
///
/// Visited in batches: a pass's work on each key is a loop over a slice,
/// whose sums and counts the compiler keeps in registers. Called once per
/// key, the passes' closures were not inlined (each is called from every
/// path of the column's runs), and their state went through memory at
/// every key: a third of a profile's time.
pub trait Keys {
    /// How many keys [`Keys::for_each_batch`] visits.
    fn count(&self) -> usize;
    /// Calls `f` with every key, in batches of any length.
    fn for_each_batch(&self, f: impl FnMut(&[u64]));
    /// Calls `f` with every key.
    #[inline(always)]
    fn for_each(&self, mut f: impl FnMut(u64)) {
        self.for_each_batch(|batch| batch.iter().for_each(|&k| f(k)));
    }
}

impl Keys for [u64] {
    fn count(&self) -> usize {
        self.len()
    }
    #[inline(always)]
    fn for_each_batch(&self, mut f: impl FnMut(&[u64])) {
        // In parts, so that a pass's two loops over a batch (the key's
        // bucket, then the caller's sums) find it in L1.
        self.chunks(BATCH).for_each(&mut f);
    }
}

/// The keys a batch holds at most, where the keys are made in it.
pub const BATCH: usize = 256;

/// The keys at `ranks` (0-based, ascending or not) of `keys`, whose
/// smallest and largest are `range`.
pub fn keys_at_ranks<K: Keys + ?Sized>(keys: &K, range: (u64, u64), ranks: &[usize]) -> Vec<u64> {
    keys_at_ranks_with(keys, range, None, ranks, ignore)
}

/// As [`keys_at_ranks`], calling `also` with every key once (in
/// batches), in the selection's first pass over them: a caller's own sums
/// ride along instead of reading the keys once more. `signs`, for floats'
/// keys, is their largest key below [`SIGN`] and their smallest from it on
/// (see [`Signs`]).
pub fn keys_at_ranks_with<K: Keys + ?Sized>(
    keys: &K,
    range: (u64, u64),
    signs: Option<(u64, u64)>,
    ranks: &[usize],
    mut also: impl FnMut(&[u64]),
) -> Vec<u64> {
    let found = in_rank_order(ranks, |sorted| {
        let mut found = Vec::with_capacity(ranks.len());
        select(keys, sorted, Some(range), signs, &mut found, &mut also);
        Some(found)
    });
    found.expect("a selection finds every rank")
}

/// Calls `find` with `ranks` in ascending order, and puts the keys it
/// finds (one for each, in that order) in `ranks`' own order; `None` when
/// `find` finds none.
fn in_rank_order(
    ranks: &[usize],
    find: impl FnOnce(&[usize]) -> Option<Vec<u64>>,
) -> Option<Vec<u64>> {
    let mut order: Vec<usize> = (0..ranks.len()).collect();
    order.sort_by_key(|&i| ranks[i]);
    let sorted: Vec<usize> = order.iter().map(|&i| ranks[i]).collect();
    let found = find(&sorted)?;
    let mut out = vec![0; ranks.len()];
    for (slot, k) in order.into_iter().zip(found) {
        out[slot] = k;
    }
    Some(out)
}

/// Buckets per level: 2^16 counts fit in L2.
const BITS: u32 = 16;
/// Finer buckets in all when the wanted buckets are split further: 2^15
/// counts (128 KB, beside the first level's 256 KB of places, in L2).
const FINE_BITS: u32 = 15;
/// At or below this many buckets a level counts in four histograms.
const FEW_BUCKETS: usize = 1024;
/// At or below this many keys a bucket is sorted (or, for at most
/// `FEW_RANKS` ranks, each selected).
pub(crate) const SMALL: usize = 4096;
const FEW_RANKS: usize = 4;

/// No key is wanted by the caller beside the ranks.
fn ignore(_: &[u64]) {}

/// Where a float's [`key`] changes sign: negative numbers' keys lie below
/// it, zero's and positive numbers' from it on.
pub const SIGN: u64 = 1 << 63;

/// Buckets for the keys of floats of both signs, half for each sign. The
/// keys of the numbers nearest zero on either side lie far apart: every
/// exponent smaller than theirs, on both sides, lies between them. Buckets
/// over the whole range were then few for each exponent the values use
/// (32 of 2^16 for numbers between -5 and 5), the buckets a rank fell in
/// held most keys, and a pass more split them (BENCHMARKS.md). Each sign's
/// buckets span only its own keys, as a column of one sign's do.
#[derive(Clone, Copy)]
struct Signs {
    /// The smallest key, and the shift of a negative number's offset from it.
    min: u64,
    below: u32,
    /// The smallest key from zero on, and the shift of an offset from it.
    zero: u64,
    above: u32,
}

impl Signs {
    const HALF: usize = 1 << (BITS - 1);

    /// For floats' keys from `min` to `max` whose largest below [`SIGN`]
    /// is `below` and smallest from it on `zero`, when there are both;
    /// else one set of buckets serves.
    fn of((min, max): (u64, u64), (below, zero): (u64, u64)) -> Option<Signs> {
        let both = min <= below && below < SIGN && SIGN <= zero && zero <= max;
        if !both {
            return None;
        }
        let shift = |span: u64| (64 - span.leading_zeros()).saturating_sub(BITS - 1);
        Some(Signs {
            min,
            below: shift(below - min),
            zero,
            above: shift(max - zero),
        })
    }

    /// The bucket of `k` (one of the keys these were made for), without a
    /// branch: signs mixed at random would mispredict one.
    #[inline(always)]
    fn bucket(self, k: u64) -> usize {
        let up = k >= SIGN;
        let from = if up { self.zero } else { self.min };
        let shift = if up { self.above } else { self.below };
        let first = if up { Signs::HALF } else { 0 };
        first + ((k - from) >> shift) as usize
    }
}

/// Appends the keys at `ranks` (ascending) of `keys` to `out`; `range`,
/// when known, is the keys' smallest and largest, and `signs` the largest
/// key below [`SIGN`] and the smallest from it on, when known. Calls
/// `also` with every key once.
fn select<K: Keys + ?Sized>(
    keys: &K,
    ranks: &[usize],
    range: Option<(u64, u64)>,
    signs: Option<(u64, u64)>,
    out: &mut Vec<u64>,
    also: &mut impl FnMut(&[u64]),
) {
    if ranks.is_empty() {
        keys.for_each_batch(also);
        return;
    }
    if keys.count() <= SMALL {
        let mut v = Vec::with_capacity(keys.count());
        keys.for_each_batch(|batch| {
            v.extend_from_slice(batch);
            also(batch);
        });
        if ranks.len() <= FEW_RANKS {
            // Each rank selected in what lies above the last: a gathered
            // bucket mostly holds one or two ranks, and a sort of its keys
            // for them cost five times a selection.
            let mut from = 0;
            for &r in ranks {
                out.push(*v[from..].select_nth_unstable(r - from).1);
                from = r;
            }
        } else {
            v.sort_unstable();
            out.extend(ranks.iter().map(|&r| v[r]));
        }
        return;
    }
    let (min, max) = range.unwrap_or_else(|| {
        let (mut lo, mut hi) = (u64::MAX, 0);
        keys.for_each(|k| {
            lo = lo.min(k);
            hi = hi.max(k);
        });
        (lo, hi)
    });
    if min == max {
        keys.for_each_batch(also);
        out.extend(ranks.iter().map(|_| min));
        return;
    }
    if let Some(signs) = signs.and_then(|s| Signs::of((min, max), s)) {
        let bucket = move |k: u64| signs.bucket(k);
        let counts = histogram(keys, bucket(max) + 1, bucket, also);
        let wanted = locate(&counts, ranks);
        if few_held(&wanted, &counts, keys.count()) {
            gather(keys, &wanted, &counts, bucket, out, &mut ignore);
        } else {
            // Most keys on a few numbers: the levels below split the
            // buckets further without copying them (`also` has seen every
            // key).
            levels(keys, ranks, (min, max), out, &mut ignore);
        }
    } else {
        levels(keys, ranks, (min, max), out, also);
    }
}

/// A histogram of keys taken in the pass that finds their range, before
/// it is known: its buckets span the first batch's range widened by an
/// eighth either side (for floats of both signs, each sign's apart, as
/// [`Signs`]), and keys beyond it are counted in the end buckets. The
/// buckets keep the keys' order, so the ranks fall in them as in any:
/// where those buckets hold few keys, one more pass gathers them
/// ([`Early::keys_at_ranks`]), a pass less than [`keys_at_ranks_with`],
/// which takes the range first. Where the first keys are unlike the rest
/// (a column in some order), the ranks' buckets hold too many, and the
/// caller selects as before.
#[derive(Clone)]
pub struct Early {
    buckets: Buckets,
    counts: Counts,
    /// The vectors `Counts::Compared` is counted with.
    wide: Wide,
}

/// How [`Early`] puts keys in buckets.
#[derive(Clone, Copy)]
enum Buckets {
    Line(Span),
    /// Floats of both signs in the first batch.
    Halves(Halves),
}

/// Each bucket's count of [`Early`]; with `FEW_BUCKETS` or fewer, four
/// counts a bucket, taken in turn (as [`levels`]); with `COMPARED_BUCKETS`
/// or fewer, one each, counted by comparing a batch's buckets with each.
#[derive(Clone)]
enum Counts {
    One(Vec<u32>),
    Four(Vec<[u32; 4]>),
    Compared(Vec<u32>),
}

/// At or below this many buckets (a rating, a flag, a small code) the
/// early buckets are counted by comparison, bucket by bucket over a
/// batch, by the vector: counted a key at a time, in turn, a column of
/// five values took 20 ms for 10M keys, against 15 ms (BENCHMARKS.md,
/// fortieth session).
const COMPARED_BUCKETS: usize = 16;

by_width! {
    /// Adds to `counts[j]` how many keys of `batch` (at most [`BATCH`])
    /// `bucket` puts in bucket `j` (each below `counts.len()`), built for
    /// the widest vectors the processor has.
    fn count_compared[F: Fn(u64) -> usize](
        wide: Wide,
        counts: &mut [u32],
        batch: &[u64],
        bucket: &F,
    ) -> () = count_compared_in[F];
}

#[inline(always)]
fn count_compared_in<F: Fn(u64) -> usize>(counts: &mut [u32], batch: &[u64], bucket: &F) {
    // The batch's buckets, a byte each; then each bucket's count, a
    // comparison of them all at a time.
    let mut of = [0u8; BATCH];
    for (b, &k) in of.iter_mut().zip(batch) {
        *b = bucket(k) as u8;
    }
    let of = &of[..batch.len()];
    for (j, count) in counts.iter_mut().enumerate() {
        let j = j as u8;
        *count += of.iter().map(|&b| u32::from(b == j)).sum::<u32>();
    }
}

by_width! {
    /// Adds one to `counts[bucket(k)]` for each key `k` of `batch` (at
    /// most [`BATCH`]), built for the widest vectors the processor has:
    /// the keys' buckets found by the vector first, then counted one by
    /// one.
    fn count_each[F: Fn(u64) -> usize](
        wide: Wide,
        counts: &mut [u32],
        batch: &[u64],
        bucket: &F,
    ) -> () = count_each_in[F];
}

#[inline(always)]
fn count_each_in<F: Fn(u64) -> usize>(counts: &mut [u32], batch: &[u64], bucket: &F) {
    let mut of = [0u32; BATCH];
    for (b, &k) in of.iter_mut().zip(batch) {
        *b = bucket(k) as u32;
    }
    for &b in &of[..batch.len()] {
        counts[b as usize] += 1;
    }
}

/// Where [`Early`] puts a key: buckets `2^shift` keys wide from `min`,
/// the last `last`; keys beyond them in the end ones.
#[derive(Clone, Copy)]
struct Span {
    min: u64,
    shift: u32,
    last: usize,
}

impl Span {
    #[inline(always)]
    fn bucket(self, k: u64) -> usize {
        ((k.saturating_sub(self.min) >> self.shift) as usize).min(self.last)
    }
}

/// Where [`Early`] puts a float's key when the first batch held both
/// signs: half the buckets for each sign's keys (as [`Signs`]), each
/// half's from its first key `from[sign]`, `2^shift[sign]` keys wide;
/// keys beyond a half's in its end buckets. The sign picks its half's
/// bounds by bits, not by a branch (a random sign was mispredicted, and
/// the pass took 35 ms more on 10M keys) nor by index (which the vector
/// loop of [`wanted_in`] could not do: f3's gathering pass took 10 ms
/// more than a column of one sign).
#[derive(Clone, Copy)]
struct Halves {
    from: [u64; 2],
    shift: [u32; 2],
}

impl Halves {
    #[inline(always)]
    fn bucket(self, k: u64) -> usize {
        let up = k >> 63;
        // All ones for a key from the sign on, else none.
        let all = up.wrapping_neg();
        let [below, above] = self.from;
        let from = below ^ ((below ^ above) & all);
        let [below, above] = self.shift;
        let shift = below ^ ((below ^ above) & all as u32);
        let off = (k.saturating_sub(from) >> shift) as usize;
        up as usize * Signs::HALF + off.min(Signs::HALF - 1)
    }
}

impl Early {
    /// Buckets for the keys `first` (not empty) begins: floats' keys, with
    /// `floats`.
    pub fn of_first(first: &[u64], floats: bool) -> Early {
        let widen = |(lo, hi): (u64, u64)| {
            let w = (hi - lo) / 8;
            (lo.saturating_sub(w), hi.saturating_add(w))
        };
        let (lo, hi) = first
            .iter()
            .fold((u64::MAX, 0), |(lo, hi), &k| (lo.min(k), hi.max(k)));
        let buckets = if floats && lo < SIGN && hi >= SIGN {
            let (below, zero) = first.iter().fold((0, u64::MAX), |(b, z), &k| {
                if k < SIGN {
                    (b.max(k), z)
                } else {
                    (b, z.min(k))
                }
            });
            let (min, below) = widen((lo, below));
            let (zero, max) = widen((zero, hi));
            let (below, zero) = (below.min(SIGN - 1), zero.max(SIGN));
            let shift = |span: u64| (64 - span.leading_zeros()).saturating_sub(BITS - 1);
            Buckets::Halves(Halves {
                from: [min, zero],
                shift: [shift(below - min), shift(max - zero)],
            })
        } else {
            let (min, max) = widen((lo, hi));
            let shift = (64 - (max - min).leading_zeros()).saturating_sub(BITS);
            Buckets::Line(Span {
                min,
                shift,
                last: ((max - min) >> shift) as usize,
            })
        };
        let many = match buckets {
            Buckets::Line(s) => s.bucket(u64::MAX) + 1,
            Buckets::Halves(h) => h.bucket(u64::MAX) + 1,
        };
        let counts = if many <= COMPARED_BUCKETS {
            Counts::Compared(vec![0; many])
        } else if many <= FEW_BUCKETS {
            Counts::Four(vec![[0; 4]; many])
        } else {
            Counts::One(vec![0; many])
        };
        Early {
            buckets,
            counts,
            wide: Wide::here(),
        }
    }

    /// Counts a batch of keys.
    #[inline(always)]
    pub fn add(&mut self, batch: &[u64]) {
        #[inline(always)]
        fn count(wide: Wide, counts: &mut Counts, batch: &[u64], bucket: impl Fn(u64) -> usize) {
            match counts {
                Counts::Compared(few) => {
                    for part in batch.chunks(BATCH) {
                        count_compared(wide, few, part, &bucket);
                    }
                }
                Counts::Four(four) => count_in_turn(four, batch, bucket),
                Counts::One(one) => {
                    for part in batch.chunks(BATCH) {
                        count_each(wide, one, part, &bucket);
                    }
                }
            }
        }
        // A loop for each kind of buckets, with its bucket inlined.
        match self.buckets {
            Buckets::Line(s) => count(self.wide, &mut self.counts, batch, move |k| s.bucket(k)),
            Buckets::Halves(h) => count(self.wide, &mut self.counts, batch, move |k| h.bucket(k)),
        }
    }

    /// How many buckets there are.
    fn buckets(&self) -> usize {
        match &self.counts {
            Counts::Four(four) => four.len(),
            Counts::One(one) | Counts::Compared(one) => one.len(),
        }
    }

    /// Each bucket's count.
    fn totals(&self) -> Vec<u32> {
        match &self.counts {
            Counts::Four(four) => four.iter().map(|c| c.iter().sum()).collect(),
            Counts::One(one) | Counts::Compared(one) => one.clone(),
        }
    }

    /// Every key counted and how many times, when each bucket held one key
    /// (the range of all of them, `range`, within the first batch's
    /// widened, and at most 2^16 keys wide: ratings, codes, flags); the
    /// ranks, the distinct values and the moments are then read from the
    /// counts, without another pass.
    pub fn exact(&self, (lo, hi): (u64, u64)) -> Option<Vec<(u64, u32)>> {
        let Buckets::Line(Span {
            min,
            shift: 0,
            last,
        }) = self.buckets
        else {
            return None;
        };
        if lo < min || hi > min + last as u64 {
            return None;
        }
        Some(
            self.totals()
                .into_iter()
                .enumerate()
                .filter(|&(_, c)| c > 0)
                .map(|(b, c)| (min + b as u64, c))
                .collect(),
        )
    }

    /// The keys at `ranks` (as [`keys_at_ranks_with`]) by one pass that
    /// gathers the buckets they fall in, calling `also` with every key;
    /// `None`, before any pass, when those buckets hold more than an
    /// eighth of the keys (or there are few keys: sorted then).
    pub fn keys_at_ranks<K: Keys + ?Sized>(
        &self,
        keys: &K,
        ranks: &[usize],
        mut also: impl FnMut(&[u64]),
    ) -> Option<Vec<u64>> {
        if keys.count() <= SMALL {
            return None;
        }
        let counts = self.totals();
        in_rank_order(ranks, |sorted| {
            let wanted = locate(&counts, sorted);
            if !few_held(&wanted, &counts, keys.count()) {
                return None;
            }
            let mut found = Vec::with_capacity(ranks.len());
            // An arm for each kind of buckets, with its bucket inlined.
            match self.buckets {
                Buckets::Line(s) => gather(
                    keys,
                    &wanted,
                    &counts,
                    move |k| s.bucket(k),
                    &mut found,
                    &mut also,
                ),
                Buckets::Halves(h) => gather(
                    keys,
                    &wanted,
                    &counts,
                    move |k| h.bucket(k),
                    &mut found,
                    &mut also,
                ),
            }
            Some(found)
        })
    }

    /// The bucket `k` falls in.
    fn bucket(&self, k: u64) -> usize {
        match self.buckets {
            Buckets::Line(s) => s.bucket(k),
            Buckets::Halves(h) => h.bucket(k),
        }
    }

    /// The keys at each side's ranks (as [`Early::keys_at_ranks`]) of two
    /// sides that share the keys `common`: side `i` holds them and its own,
    /// `sides[i].1`, and `sides[i].0` counted both (each a copy of one
    /// `Early` that counted `common`, which then counted the side's own:
    /// their buckets are the same). One pass over `common` gathers the
    /// buckets either side's ranks fall in, calling `also` with every key
    /// of it; a side without ranks (`None`) finds none. `None`, before that
    /// pass, when a side has few keys or its ranks' buckets hold more than
    /// an eighth of them.
    #[allow(
        clippy::type_complexity,
        reason = "a pair of sides, each its counts, keys and ranks"
    )]
    pub fn keys_at_ranks_shared<K: Keys + ?Sized>(
        common: &K,
        sides: [(&Early, &[u64], Option<&[usize]>); 2],
        mut also: impl FnMut(&[u64]),
    ) -> Option<[Option<Vec<u64>>; 2]> {
        // Each side's ranks in ascending order (`order[j]`, the j-th
        // smallest's place) and the buckets they fall in.
        let mut plans = [None, None];
        for (plan, (early, _, ranks)) in plans.iter_mut().zip(sides) {
            let Some(ranks) = ranks else { continue };
            let counts = early.totals();
            let n: usize = counts.iter().map(|&c| c as usize).sum();
            let mut order: Vec<usize> = (0..ranks.len()).collect();
            order.sort_by_key(|&i| ranks[i]);
            let sorted: Vec<usize> = order.iter().map(|&i| ranks[i]).collect();
            let wanted = locate(&counts, &sorted);
            if n <= SMALL || !few_held(&wanted, &counts, n) {
                return None;
            }
            *plan = Some((order, wanted, counts));
        }
        // Every bucket either side wants, ascending, with room for the
        // more of its two counts.
        let mut union = std::collections::BTreeMap::<usize, usize>::new();
        for (_, wanted, counts) in plans.iter().flatten() {
            for (b, _) in wanted {
                let room = union.entry(*b).or_default();
                *room = (*room).max(counts[*b] as usize);
            }
        }
        let union: Vec<(usize, usize)> = union.into_iter().collect();
        let early = sides[0].0;
        let buckets = early.buckets();
        let parts = match early.buckets {
            Buckets::Line(s) => {
                gather_parts(common, &union, buckets, move |k| s.bucket(k), &mut also)
            }
            Buckets::Halves(h) => {
                gather_parts(common, &union, buckets, move |k| h.bucket(k), &mut also)
            }
        };
        let place = |b: usize| union.binary_search_by_key(&b, |&(u, _)| u).ok();
        let mut found = [None, None];
        for ((out, plan), (_, own, _)) in found.iter_mut().zip(plans).zip(sides) {
            let Some((order, wanted, _)) = plan else {
                continue;
            };
            // The side's own keys in the buckets gathered.
            let mut owns: Vec<Vec<u64>> = vec![Vec::new(); union.len()];
            for &k in own {
                if let Some(i) = place(early.bucket(k)) {
                    owns[i].push(k);
                }
            }
            let mut keys = Vec::with_capacity(order.len());
            for (b, rs) in &wanted {
                let i = place(*b).expect("a wanted bucket was gathered");
                let mut part = parts[i].clone();
                part.extend_from_slice(&owns[i]);
                select(&part[..], rs, None, None, &mut keys, &mut ignore);
            }
            let mut at_ranks = vec![0; order.len()];
            for (slot, k) in order.into_iter().zip(keys) {
                at_ranks[slot] = k;
            }
            *out = Some(at_ranks);
        }
        Some(found)
    }
}

/// [`select`] of keys from `min` to `max` (apart) by levels of buckets.
fn levels<K: Keys + ?Sized>(
    keys: &K,
    ranks: &[usize],
    (min, max): (u64, u64),
    out: &mut Vec<u64>,
    also: &mut impl FnMut(&[u64]),
) {
    // The digit: the top BITS bits of the offset from the minimum. (Not of
    // the bits below min's and max's common prefix: a bucket of width 2^s
    // that straddles a power of two would have as long a prefix to strip
    // again, and never shrink.) Each level's range is below the last's
    // bucket width, so the recursion ends.
    let spread = 64 - (max - min).leading_zeros();
    let shift = spread.saturating_sub(BITS);
    // (A function of copies: the passes' loops below keep them in
    // registers, where a closure's captures were loaded at every key.)
    let digit = move |k: u64| ((k - min) >> shift) as usize;
    let buckets = digit(max) + 1;
    // u32 counts: half the cache a level's histogram takes (a bucket of
    // more than 2^32 keys is out of reach of one machine's memory).
    let counts = if buckets <= FEW_BUCKETS {
        // Few buckets (a rating, a flag): consecutive keys mostly add to
        // the same count, and each addition waited on the last one's store.
        // Four histograms, taken in turn, are summed after.
        let mut four = vec![[0u32; 4]; buckets];
        keys.for_each_batch(|batch| {
            count_in_turn(&mut four, batch, digit);
            also(batch);
        });
        four.iter().map(|c| c.iter().sum()).collect()
    } else {
        histogram(keys, buckets, digit, also)
    };
    let wanted = locate(&counts, ranks);
    // Buckets one key wide (a range of at most 2^BITS keys: small
    // integers, codes) each hold one value: no gathering.
    if shift == 0 {
        for (b, rs) in &wanted {
            out.extend(rs.iter().map(|_| min + *b as u64));
        }
        return;
    }
    if few_held(&wanted, &counts, keys.count()) {
        gather(keys, &wanted, &counts, digit, out, &mut ignore);
        return;
    }
    // The wanted buckets hold much of the keys: floats of both signs, say,
    // whose top bits span the gap between the two, so that a bucket is a
    // wide slice of an exponent. Rather than copy most keys, one more pass
    // splits each wanted bucket `sub` bits further (2^FINE_BITS counts in
    // all), and only the finer buckets a rank falls in are gathered.
    let sub = FINE_BITS
        .saturating_sub(wanted.len().next_power_of_two().ilog2())
        .clamp(1, shift);
    let sub_shift = shift - sub;
    // Each bucket's place among the wanted ones; the others' is the last.
    let mut slot = vec![wanted.len() as u32; buckets];
    for (i, (b, _)) in wanted.iter().enumerate() {
        slot[*b] = i as u32;
    }
    let fine = move |s: u32, k: u64| {
        (s as usize) << sub | (((k - min) >> sub_shift) as usize & ((1 << sub) - 1))
    };
    // Counted without a branch (half the keys or more are wanted, at
    // random: a branch would mispredict): the keys of buckets not wanted
    // are counted in a last, unread part.
    let mut fine_counts = vec![0u32; (wanted.len() + 1) << sub];
    keys.for_each_batch(|batch| {
        let (fine_counts, slot) = (&mut fine_counts[..], &slot[..]);
        for &k in batch {
            fine_counts[fine(slot[digit(k)], k)] += 1;
        }
    });
    let mut finer: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, (_, rs)) in wanted.iter().enumerate() {
        let each = &fine_counts[i << sub..(i + 1) << sub];
        finer.extend(
            locate(each, rs)
                .into_iter()
                .map(|(j, rs)| (i << sub | j, rs)),
        );
    }
    if sub_shift == 0 {
        // Finer buckets one key wide.
        for (f, rs) in &finer {
            let (b, j) = (wanted[f >> sub].0 as u64, (f & ((1 << sub) - 1)) as u64);
            out.extend(rs.iter().map(|_| min + (b << shift | j)));
        }
        return;
    }
    let slot = &slot[..];
    gather(
        keys,
        &finer,
        &fine_counts,
        move |k| fine(slot[digit(k)], k),
        out,
        &mut ignore,
    );
}

/// Counts `batch`'s keys in four histograms (`four[b][turn]`), the i-th
/// key in histogram i % 4: with few buckets, consecutive keys mostly add
/// to the same count, and in one histogram each addition waited on the
/// last one's store.
#[inline(always)]
fn count_in_turn(four: &mut [[u32; 4]], batch: &[u64], bucket: impl Fn(u64) -> usize) {
    let mut quads = batch.chunks_exact(4);
    for q in &mut quads {
        for (turn, &k) in q.iter().enumerate() {
            four[bucket(k)][turn] += 1;
        }
    }
    for (turn, &k) in quads.remainder().iter().enumerate() {
        four[bucket(k)][turn] += 1;
    }
}

/// How many of `keys` each of `buckets` buckets holds, `bucket` putting a
/// key in one; calls `also` with every key once.
#[inline(always)]
fn histogram<K: Keys + ?Sized>(
    keys: &K,
    buckets: usize,
    bucket: impl Fn(u64) -> usize,
    also: &mut impl FnMut(&[u64]),
) -> Vec<u32> {
    let mut counts = vec![0u32; buckets];
    let wide = Wide::here();
    keys.for_each_batch(|batch| {
        for part in batch.chunks(BATCH) {
            count_each(wide, &mut counts, part, &bucket);
        }
        also(batch);
    });
    counts
}

/// Gathers in one pass the keys of the `wanted` buckets (each with its
/// ranks), where `bucket` puts a key and `counts` says how many each bucket
/// holds, and selects the ranks in each.
fn gather<K: Keys + ?Sized>(
    keys: &K,
    wanted: &[(usize, Vec<usize>)],
    counts: &[u32],
    bucket: impl Fn(u64) -> usize,
    out: &mut Vec<u64>,
    also: &mut impl FnMut(&[u64]),
) {
    let buckets: Vec<(usize, usize)> = wanted
        .iter()
        .map(|(b, _)| (*b, counts[*b] as usize))
        .collect();
    let parts = gather_parts(keys, &buckets, counts.len(), bucket, also);
    for ((_, rs), part) in wanted.iter().zip(parts) {
        select(&part[..], rs, None, None, out, &mut ignore);
    }
}

/// The keys of each of `wanted`'s buckets (each with the room to make
/// for them) of `buckets` buckets, where `bucket` puts a key, in one pass
/// that calls `also` with every key.
fn gather_parts<K: Keys + ?Sized>(
    keys: &K,
    wanted: &[(usize, usize)],
    buckets: usize,
    bucket: impl Fn(u64) -> usize,
    also: &mut impl FnMut(&[u64]),
) -> Vec<Vec<u64>> {
    // Whether a bucket is wanted, a bit each (in L1, where the table of
    // places is not: loading a place for every key was most of the pass);
    // the place only for the few keys wanted.
    let mut is_wanted = vec![0u64; buckets.div_ceil(64)];
    let mut slot = vec![0u32; buckets];
    let mut parts: Vec<Vec<u64>> = Vec::with_capacity(wanted.len());
    for (i, &(b, room)) in wanted.iter().enumerate() {
        is_wanted[b / 64] |= 1 << (b % 64);
        slot[b] = i as u32;
        parts.push(Vec::with_capacity(room));
    }
    let wide = Wide::here();
    keys.for_each_batch(|batch| {
        let (is_wanted, slot) = (&is_wanted[..], &slot[..]);
        for chunk in batch.chunks(64) {
            let mut w = wanted_in(wide, chunk, &bucket, is_wanted);
            while w != 0 {
                let k = chunk[w.trailing_zeros() as usize];
                parts[slot[bucket(k)] as usize].push(k);
                w &= w - 1;
            }
        }
        also(batch);
    });
    parts
}

by_width! {
    /// A bit for each key of `chunk` (at most 64: bit `i` for `chunk[i]`)
    /// whose bucket (`bucket`) is wanted (its bit set in `is_wanted`),
    /// built for the widest vectors the processor has: a bucket and its
    /// bit found a key at a time, with a branch on each, took the
    /// gathering pass 21 ms for 10M floats, against 14 ms by the vector
    /// (BENCHMARKS.md, fortieth session).
    fn wanted_in[F: Fn(u64) -> usize](
        wide: Wide,
        chunk: &[u64],
        bucket: &F,
        is_wanted: &[u64],
    ) -> u64 = wanted_in_body[F];
}

#[inline(always)]
fn wanted_in_body<F: Fn(u64) -> usize>(chunk: &[u64], bucket: &F, is_wanted: &[u64]) -> u64 {
    let mut wanted = 0;
    for (i, &k) in chunk.iter().enumerate() {
        let b = bucket(k);
        // (A bucket past the table is none: no bounds check to stop the
        // vector.)
        let word = is_wanted.get(b / 64).copied().unwrap_or(0);
        wanted |= (word >> (b % 64) & 1) << i;
    }
    wanted
}

/// Whether the `wanted` buckets hold few enough of the `n` keys (an
/// eighth) to be gathered into copies of their own.
fn few_held(wanted: &[(usize, Vec<usize>)], counts: &[u32], n: usize) -> bool {
    let held: usize = wanted.iter().map(|(b, _)| counts[*b] as usize).sum();
    held <= n / 8
}

/// The buckets `ranks` (ascending) fall in, given each bucket's count, and
/// each rank's place in its bucket.
fn locate(counts: &[u32], ranks: &[usize]) -> Vec<(usize, Vec<usize>)> {
    let mut wanted: Vec<(usize, Vec<usize>)> = Vec::new();
    let (mut bucket, mut below) = (0, 0);
    for &r in ranks {
        while below + counts[bucket] as usize <= r {
            below += counts[bucket] as usize;
            bucket += 1;
        }
        match wanted.last_mut() {
            Some((b, rs)) if *b == bucket => rs.push(r - below),
            _ => wanted.push((bucket, vec![r - below])),
        }
    }
    wanted
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The oracle: a full sort.
    fn sorted_at(values: &[f64], ranks: &[usize]) -> Vec<f64> {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        ranks.iter().map(|&r| v[r]).collect()
    }

    /// The oracle for keys: a full sort.
    fn sorted_keys_at(keys: &[u64], ranks: &[usize]) -> Vec<u64> {
        let mut v = keys.to_vec();
        v.sort_unstable();
        ranks.iter().map(|&r| v[r]).collect()
    }

    /// The smallest and largest of `keys`.
    fn range_of(keys: &[u64]) -> (u64, u64) {
        (*keys.iter().min().unwrap(), *keys.iter().max().unwrap())
    }

    /// A column of few values (up to COMPARED_BUCKETS, a bucket each) has
    /// its early buckets counted by comparison, on every width, batches cut
    /// short too: each count is the number of its keys, and the keys
    /// the counts give are a sort's.
    #[test]
    fn keys_counted_each_in_its_bucket_by_the_vector_are_counted_as_one_by_one() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(47);
        // Buckets of a line (keys beyond its ends in the end buckets) and
        // of both signs' halves; batches of every length up to BATCH.
        let span = Span {
            min: SIGN + 1_000,
            shift: 3,
            last: 4_999,
        };
        let halves = Halves {
            from: [SIGN - 90_000, SIGN + 10],
            shift: [2, 5],
        };
        let keys: Vec<u64> = (0..30_000)
            .map(|_| SIGN - 100_000 + rng.random_range(0..300_000u64))
            .collect();
        for (what, bucket) in [
            ("line", &(move |k| span.bucket(k)) as &dyn Fn(u64) -> usize),
            ("halves", &move |k| halves.bucket(k)),
        ] {
            let buckets = bucket(u64::MAX).max(bucket(0)) + 1;
            let mut expected = vec![0u32; buckets];
            keys.iter().for_each(|&k| expected[bucket(k)] += 1);
            for wide in crate::wide::Wide::all_here() {
                let mut counts = vec![0u32; buckets];
                let mut at = 0;
                for len in (0..=BATCH).cycle() {
                    let part = &keys[at..(at + len).min(keys.len())];
                    count_each(wide, &mut counts, part, &bucket);
                    at += part.len();
                    if at == keys.len() {
                        break;
                    }
                }
                assert_eq!(counts, expected, "{what}, {wide:?}");
            }
        }
    }

    #[test]
    fn few_early_buckets_counted_by_comparison_count_every_key() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(41);
        // (Twelve values: fourteen early buckets, the range widened by one
        // either side.)
        for many in [1u64, 2, 5, 12] {
            let keys: Vec<u64> = (0..10_000)
                .map(|_| SIGN + 7 + rng.random_range(0..many))
                .collect();
            let mut expected = vec![0u32; many as usize];
            keys.iter()
                .for_each(|&k| expected[(k - SIGN - 7) as usize] += 1);
            let span = Span {
                min: SIGN + 7,
                shift: 0,
                last: many as usize - 1,
            };
            for wide in crate::wide::Wide::all_here() {
                let mut counts = vec![0u32; many as usize];
                for part in keys.chunks(BATCH - 3) {
                    count_compared(wide, &mut counts, part, &|k| span.bucket(k));
                }
                assert_eq!(counts, expected, "{wide:?}, {many} values");
            }
            // Through the early buckets (the first batch holds every value).
            let mut early = Early::of_first(&keys[..BATCH], false);
            assert!(matches!(early.counts, Counts::Compared(_)));
            keys.chunks(BATCH).for_each(|b| early.add(b));
            let counted = early.exact(range_of(&keys)).expect("a bucket a key");
            let expanded: Vec<u64> = counted
                .iter()
                .flat_map(|&(k, c)| std::iter::repeat_n(k, c as usize))
                .collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            assert_eq!(expanded, sorted, "{many} values");
        }
    }

    /// Every width finds the same wanted keys as a key-at-a-time test of
    /// each key's bucket, for both kinds of early buckets (floats of both
    /// signs among them, whose half is picked by bits), chunks cut short
    /// too; and a half's bucket is the one its bounds, picked by index,
    /// give.
    #[test]
    fn wanted_keys_are_found_alike_on_every_width() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(40);
        let floats: Vec<u64> = (0..4_000)
            .map(|_| key((rng.random::<f64>() - 0.5) * 1e3))
            .collect();
        let integers: Vec<u64> = (0..4_000)
            .map(|_| rng.random_range(0..100_000u64) ^ SIGN)
            .collect();
        for (keys, floats) in [(&floats, true), (&integers, false)] {
            let early = Early::of_first(&keys[..256], floats);
            let buckets = match early.buckets {
                Buckets::Line(s) => s.bucket(u64::MAX) + 1,
                Buckets::Halves(h) => {
                    for &k in keys.iter() {
                        let up = (k >> 63) as usize;
                        let off = (k.saturating_sub(h.from[up]) >> h.shift[up]) as usize;
                        assert_eq!(h.bucket(k), up * Signs::HALF + off.min(Signs::HALF - 1));
                    }
                    h.bucket(u64::MAX) + 1
                }
            };
            let bucket = |k: u64| match early.buckets {
                Buckets::Line(s) => s.bucket(k),
                Buckets::Halves(h) => h.bucket(k),
            };
            // About a bucket in three wanted.
            let is_wanted: Vec<u64> = (0..buckets.div_ceil(64))
                .map(|_| rng.random::<u64>() & rng.random::<u64>())
                .collect();
            for wide in crate::wide::Wide::all_here() {
                for len in [64, 63, 1] {
                    for chunk in keys.chunks(len) {
                        let expected = chunk.iter().enumerate().fold(0u64, |w, (i, &k)| {
                            let b = bucket(k);
                            w | (is_wanted[b / 64] >> (b % 64) & 1) << i
                        });
                        assert_eq!(
                            wanted_in(wide, chunk, &bucket, &is_wanted),
                            expected,
                            "{wide:?}, floats {floats}, chunks of {len}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn keys_order_like_numbers() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -2.5,
            -0.0,
            0.0,
            1e-310,
            3.0,
            f64::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} {}", w[0], w[1]);
        }
        for x in xs {
            assert_eq!(value(key(x)).to_bits(), x.to_bits());
        }
    }

    #[test]
    fn buckets_straddling_a_power_of_two_are_split_further() {
        // Values just below and above 1.0: their bits differ from the
        // exponent down, but the range is narrow, so every value fell in
        // the first bucket and the recursion never ended.
        let values: Vec<f64> = (0..10_000).map(|i| 1.0 + (i as f64 - 5e3) * 1e-9).collect();
        let ranks = [0, 1_000, 4_999, 5_000, 9_999];
        assert_eq!(at_ranks(values.clone(), &ranks), sorted_at(&values, &ranks));
    }

    #[test]
    fn wanted_buckets_holding_most_keys_are_split_by_another_pass() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        // Floats of both signs in one set of buckets (the keys either side
        // of the sign not given): the first level's buckets are wide
        // slices of an exponent, and the ranks fall in most of them.
        let floats: Vec<f64> = (0..200_000).map(|_| rng.random::<f64>() - 0.5).collect();
        let n = floats.len();
        let ranks: Vec<usize> = (0..=128).map(|i| i * (n - 1) / 128).collect();
        let keys: Vec<u64> = floats.iter().map(|&v| key(v)).collect();
        let range = (*keys.iter().min().unwrap(), *keys.iter().max().unwrap());
        let got: Vec<f64> = keys_at_ranks(&keys[..], range, &ranks)
            .into_iter()
            .map(value)
            .collect();
        assert_eq!(got, sorted_at(&floats, &ranks));
        // Integers (keys of their own) with most of them on a few values
        // two keys apart: the finer buckets are one key wide.
        let mut ints: Vec<u64> = (0..100_000)
            .map(|i| match i % 10 {
                0 => rng.random_range(0..1 << 17),
                _ => (i % 97) * 1_000,
            })
            .collect();
        let range = (*ints.iter().min().unwrap(), *ints.iter().max().unwrap());
        let ranks: Vec<usize> = (0..=128).map(|i| i * (ints.len() - 1) / 128).collect();
        let got = keys_at_ranks(&ints[..], range, &ranks);
        ints.sort_unstable();
        let want: Vec<u64> = ranks.iter().map(|&r| ints[r]).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn floats_of_both_signs_are_bucketed_by_sign_and_give_the_ranks_of_a_sort() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let n = 300_000;
        let ranks: Vec<usize> = (0..=128).map(|i| i * (n - 1) / 128).collect();
        // Numbers from -5e6 to 5 (a gap of every exponent below their
        // smallest at the sign), and -1e300 and -1e-300, so that each
        // sign's keys span far from the other's; then most of them on -1
        // and 1, so that the buckets by sign hold most keys and the levels
        // take over.
        let mut spread: Vec<f64> = (0..n)
            .map(|_| (rng.random::<f64>() - 0.5) * 10.0)
            .map(|x| if x < 0.0 { x * 1e6 } else { x })
            .collect();
        (spread[7], spread[11]) = (-1e300, -1e-300);
        let tied: Vec<f64> = (0..n)
            .map(|i| match i % 10 {
                0 => rng.random::<f64>() - 0.5,
                k if k % 2 == 0 => -1.0,
                _ => 1.0,
            })
            .collect();
        for (values, spread) in [(spread, true), (tied, false)] {
            let keys: Vec<u64> = values.iter().map(|&v| key(v)).collect();
            let range = (*keys.iter().min().unwrap(), *keys.iter().max().unwrap());
            let below = keys.iter().copied().filter(|&k| k < SIGN).max().unwrap();
            let zero = keys.iter().copied().filter(|&k| k >= SIGN).min().unwrap();
            let signs = Signs::of(range, (below, zero)).expect("a gap at the sign");
            // Every key in a bucket of its own sign, in order.
            assert!(signs.bucket(below) < Signs::HALF && signs.bucket(zero) == Signs::HALF);
            let mut counts = vec![0usize; 1 << BITS];
            keys.iter().for_each(|&k| counts[signs.bucket(k)] += 1);
            if spread {
                // The positive numbers' buckets spread them by their own
                // span: at most a few hundred keys in any (with one set
                // of buckets, or the negatives' span, thousands).
                let fullest = counts[Signs::HALF..].iter().max().unwrap();
                assert!(*fullest < 500, "{fullest} keys in a bucket");
            }
            let (mut seen, mut sum) = (0usize, 0u64);
            let got = keys_at_ranks_with(&keys[..], range, Some((below, zero)), &ranks, |b| {
                seen += b.len();
                sum = b.iter().fold(sum, |s, &k| s.wrapping_add(k));
            });
            let want: Vec<u64> = sorted_at(&values, &ranks).into_iter().map(key).collect();
            assert_eq!(got, want);
            let all = keys.iter().fold(0u64, |s, &k| s.wrapping_add(k));
            assert_eq!((seen, sum), (n, all), "every key seen once");
        }
        // One sign only: nothing to split.
        assert!(Signs::of((key(1.0), key(9.0)), (0, key(1.0))).is_none());
        assert!(Signs::of((key(-9.0), key(-1.0)), (key(-1.0), u64::MAX)).is_none());
    }

    /// Keys of a range of at most FEW_BUCKETS (a rating, a flag), counted
    /// in four histograms taken in turn: the ranks a sort finds, and every
    /// key seen once, whatever the batches' lengths.
    #[test]
    fn few_buckets_counted_in_turn_give_the_ranks_of_a_sort() {
        for (range, n) in [
            (2u64, 10_001usize),
            (5, 50_003),
            (FEW_BUCKETS as u64, 70_000),
        ] {
            let mut keys: Vec<u64> = (0..n as u64).map(|i| 40 + i * 7_919 % range).collect();
            let ranks: Vec<usize> = (0..=128).map(|i| i * (n - 1) / 128).collect();
            let bounds = (*keys.iter().min().unwrap(), *keys.iter().max().unwrap());
            let mut seen = 0;
            let got = keys_at_ranks_with(&keys[..], bounds, None, &ranks, |b| seen += b.len());
            keys.sort_unstable();
            let want: Vec<u64> = ranks.iter().map(|&r| keys[r]).collect();
            assert_eq!((got, seen), (want, n), "range {range}");
        }
    }

    #[test]
    fn also_sees_every_key_once_on_every_path() {
        let samples: Vec<(Vec<u64>, Vec<usize>)> = vec![
            ((0..100).collect(), vec![0, 50]), // sorted whole
            (vec![9; 10_000], vec![3]),        // constant
            ((0..20_000).map(|i| i * 7919).collect(), vec![1, 19_999]), // levels
            ((0..20_000).collect(), vec![]),   // no rank
        ];
        for (keys, ranks) in samples {
            let range = (*keys.iter().min().unwrap(), *keys.iter().max().unwrap());
            let (mut seen, mut sum) = (0usize, 0u64);
            keys_at_ranks_with(&keys[..], range, None, &ranks, |batch| {
                seen += batch.len();
                sum += batch.iter().sum::<u64>();
            });
            assert_eq!((seen, sum), (keys.len(), keys.iter().sum()));
        }
    }

    /// Buckets over the first batch's range: where later keys lie beyond
    /// it (in the end buckets) the ranks still come out as a sort's, and
    /// `also` sees every key once; where the ranks' buckets hold too many
    /// keys (a column whose first keys are all alike), no pass is made and
    /// `None` says so; where each bucket held one key, the counts are the
    /// keys'.
    #[test]
    fn early_buckets_give_the_ranks_of_a_sort_or_say_they_cannot() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(38);
        let n = 40_000usize;
        let ranks: Vec<usize> = (0..=128)
            .map(|i| i * (n - 1) / 128)
            .chain([n / 2, n / 100])
            .collect();
        // Uniform, then the same with the range's ends only after the
        // first batch: both clamped into the end buckets.
        let uniform: Vec<u64> = (0..n).map(|_| rng.random_range(1_000..2_000_000)).collect();
        let mut late_ends = uniform.clone();
        late_ends[BATCH + 3] = 0;
        late_ends[n - 1] = u64::MAX;
        for keys in [uniform, late_ends] {
            let mut early = Early::of_first(&keys[..BATCH], false);
            keys.chunks(BATCH).for_each(|b| early.add(b));
            let (mut seen, mut sum) = (0usize, 0u128);
            let got = early
                .keys_at_ranks(&keys[..], &ranks, |b| {
                    seen += b.len();
                    sum += b.iter().map(|&k| u128::from(k)).sum::<u128>();
                })
                .expect("few keys in the ranks' buckets");
            assert_eq!(got, sorted_keys_at(&keys, &ranks));
            assert_eq!(seen, n);
            assert_eq!(sum, keys.iter().map(|&k| u128::from(k)).sum::<u128>());
            assert!(early.exact(range_of(&keys)).is_none(), "buckets are wide");
        }
        // The first batch all alike, the rest spread: every key beyond it.
        let skewed: Vec<u64> = (0..n)
            .map(|i| {
                if i < BATCH {
                    5
                } else {
                    rng.random_range(0..1 << 40)
                }
            })
            .collect();
        let mut early = Early::of_first(&skewed[..BATCH], false);
        skewed.chunks(BATCH).for_each(|b| early.add(b));
        let mut called = false;
        assert!(
            early
                .keys_at_ranks(&skewed[..], &ranks, |_| called = true)
                .is_none()
        );
        assert!(!called, "no pass when the buckets cannot serve");
        // A rating: every value within the first batch's range.
        let ratings: Vec<u64> = (0..n).map(|i| (i * 7 % 5) as u64 + 10).collect();
        let mut early = Early::of_first(&ratings[..BATCH], false);
        ratings.chunks(BATCH).for_each(|b| early.add(b));
        let counted = early.exact((10, 14)).expect("a bucket a key");
        assert_eq!(
            counted,
            vec![
                (10, 8_000),
                (11, 8_000),
                (12, 8_000),
                (13, 8_000),
                (14, 8_000)
            ]
        );
        // Floats of both signs, bucketed by sign, the ones nearest zero
        // (and the sign's ends) only after the first batch.
        let mut floats: Vec<u64> = (0..n).map(|_| key(rng.random::<f64>() - 0.5)).collect();
        floats[BATCH + 1] = key(-1e-300);
        floats[n - 2] = key(0.0);
        floats[n / 3] = key(-7.0);
        floats[n / 4] = key(9.0);
        let mut early = Early::of_first(&floats[..BATCH], true);
        assert!(
            matches!(early.buckets, Buckets::Halves(_)),
            "both signs in the first batch"
        );
        floats.chunks(BATCH).for_each(|b| early.add(b));
        let got = early
            .keys_at_ranks(&floats[..], &ranks, |_| {})
            .expect("few keys in the ranks' buckets");
        assert_eq!(got, sorted_keys_at(&floats, &ranks));
    }

    /// A few ranks of a small sample (a gathered bucket's), repeated or
    /// not, each selected in what lies above the last: a sort's keys;
    /// more ranks than that sorted, alike.
    #[test]
    fn few_ranks_of_a_small_sample_selected_give_a_sort_s_keys() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(41);
        let keys: Vec<u64> = (0..SMALL).map(|_| rng.random_range(0..500)).collect();
        let range = range_of(&keys);
        for ranks in [
            vec![7],
            vec![0, SMALL - 1],
            vec![3, 3, 2_000, 2_001],
            vec![10, 20, 30, 40, 50],
        ] {
            let want = sorted_keys_at(&keys, &ranks);
            assert_eq!(keys_at_ranks(&keys[..], range, &ranks), want, "{ranks:?}");
        }
    }

    #[test]
    fn ranks_match_a_full_sort_on_mixed_samples() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let samples: Vec<Vec<f64>> = vec![
            (0..50_000)
                .map(|_| rng.random::<f64>() * 2.0 - 1.0)
                .collect(),
            // Few distinct values: buckets that are constant.
            (0..30_000).map(|_| rng.random_range(1..6) as f64).collect(),
            // Wide range with infinities and negative zero.
            (0..20_000)
                .map(|i| match i % 5 {
                    0 => f64::INFINITY,
                    1 => -0.0,
                    _ => (rng.random::<f64>() - 0.5) * 1e300,
                })
                .collect(),
            vec![4.0; 10_000],
            vec![1.5, -2.0, 7.0],
        ];
        for values in samples {
            let n = values.len();
            let mut ranks: Vec<usize> = (0..=128).map(|i| i * (n - 1) / 128).collect();
            ranks.extend([n / 100, n / 2, n - 1, 0, n / 3]);
            let got = at_ranks(values.clone(), &ranks);
            let want = sorted_at(&values, &ranks);
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.to_bits(), w.to_bits(), "{g} vs {w}");
            }
        }
    }
}
