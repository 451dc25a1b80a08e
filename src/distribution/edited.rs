//! Head's numbers in order, made from base's in order and the pairs the
//! change touched, instead of sorted again: a keyed feature's key by key
//! comparison sees every pair whose numbers differ, and a regression test
//! usually changes few of them. Sorting one side of 10M numbers took
//! 110-130 ms of CPU; taking out the changed ones and merging in their new
//! values, copies of the runs between them, about 10 ms (BENCHMARKS.md,
//! thirty-first session).

/// What tells head's numbers apart from base's: base's numbers of the
/// pairs whose numbers differ (in bits: a number within the precision is
/// still another number to the KS test) and of its rows without a pair,
/// and head's numbers of the same. Nulls and NaN are no number, as
/// `distribution::values` has them.
#[derive(Debug, Default)]
pub(crate) struct Edits {
    pub removed: Vec<f64>,
    pub added: Vec<f64>,
}

impl Edits {
    /// At most this many numbers are kept, removed and added together
    /// (a sixteenth of the pairs, a bound chosen rather than measured:
    /// past it the edits' own sort and memory grow toward those of
    /// sorting head's numbers).
    pub(crate) fn most(pairs: usize) -> usize {
        pairs / 16
    }

    /// A pair whose numbers differ in bits (either may be none).
    #[inline]
    pub(crate) fn note(&mut self, x: Option<f64>, y: Option<f64>) {
        self.removed.extend(x);
        self.added.extend(y);
    }

    pub(crate) fn len(&self) -> usize {
        self.removed.len() + self.added.len()
    }
}

/// Head's numbers in order: `base` (ascending, no NaN) less one number
/// equal to each removed, merged with the added. Signed zeros are one
/// number here, as in the KS walk and the sort (which may leave -0.0
/// after 0.0). `None` if a removed number is not among base's: the edits
/// do not describe these sides, and the caller sorts head instead.
pub(crate) fn apply(base: &[f64], mut edits: Edits) -> Option<Vec<f64>> {
    let by_number = |a: &f64, b: &f64| a.total_cmp(b);
    edits.removed.sort_unstable_by(by_number);
    edits.added.sort_unstable_by(by_number);
    let len = (base.len() + edits.added.len()).checked_sub(edits.removed.len())?;
    let mut out = Vec::with_capacity(len);
    let (mut removed, mut added) = (
        edits.removed.iter().peekable(),
        edits.added.iter().peekable(),
    );
    let mut rest = base;
    loop {
        match (removed.peek(), added.peek()) {
            (None, None) => break,
            // A removed number first (or one also added): base's numbers
            // below it are kept, then one equal to it is dropped.
            (Some(&&x), next) if next.is_none_or(|&&y| x <= y) => {
                let below = below(rest, x);
                out.extend_from_slice(&rest[..below]);
                if rest.get(below) != Some(&x) {
                    return None;
                }
                rest = &rest[below + 1..];
                removed.next();
            }
            // An added number: base's below it are kept, then it.
            (_, Some(&&y)) => {
                let below = below(rest, y);
                out.extend_from_slice(&rest[..below]);
                rest = &rest[below..];
                out.push(y);
                added.next();
            }
            (Some(_), None) => unreachable!("the first arm takes a removed number alone"),
        }
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// How many of `sorted`'s first numbers are below `x`: found by steps
/// that double from the start, then halving the last one. The next edit
/// lies a few hundred numbers on where few pairs changed: a binary search
/// of everything left took a cache miss a step (70 ms for 30,000 edits of
/// 10M numbers; BENCHMARKS.md, thirty-first session).
fn below(sorted: &[f64], x: f64) -> usize {
    let mut end = 1;
    while end < sorted.len() && sorted[end - 1] < x {
        end *= 2;
    }
    let start = end / 2;
    let end = end.min(sorted.len());
    start + sorted[start..end].partition_point(|&v| v < x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Sides of a few numbers with ties, signed zeros and infinities; some
    /// numbers removed (any of equal ones), some added (equal to kept,
    /// removed or new numbers): the result is head's numbers sorted.
    #[test]
    fn edits_applied_to_base_in_order_give_head_in_order() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(31);
        let pool = [
            -2.5,
            -0.0,
            0.0,
            1.0,
            1.0,
            3.25,
            f64::INFINITY,
            f64::NEG_INFINITY,
            7.0,
        ];
        for case in 0..2000 {
            let n = rng.random_range(0..40);
            let base: Vec<f64> = (0..n)
                .map(|_| pool[rng.random_range(0..pool.len())])
                .collect();
            let mut head = base.clone();
            let mut edits = Edits::default();
            // Base's numbers removed, then numbers added (a pair's change
            // notes both at once).
            for _ in 0..rng.random_range(0..4) {
                if !head.is_empty() {
                    let i = rng.random_range(0..head.len());
                    edits.note(Some(head.swap_remove(i)), None);
                }
            }
            for _ in 0..rng.random_range(0..4) {
                let y = pool[rng.random_range(0..pool.len())] + f64::from(rng.random_range(0..2));
                head.push(y);
                edits.note(None, Some(y));
            }
            let mut sorted = base.clone();
            sorted.sort_by(f64::total_cmp);
            head.sort_by(f64::total_cmp);
            let got = apply(&sorted, edits).unwrap_or_else(|| panic!("case {case}"));
            assert_eq!(got.len(), head.len(), "case {case}");
            // Equal as numbers, in order (signed zeros are one number).
            assert!(
                got.iter().zip(&head).all(|(a, b)| a == b),
                "case {case}: {got:?} vs {head:?}"
            );
            assert!(got.is_sorted_by(|a, b| a <= b), "case {case}");
        }
    }

    #[test]
    fn numbers_below_are_counted_by_doubling_steps_as_by_a_search() {
        let sorted: Vec<f64> = (0..1000).map(|i| f64::from(i / 3)).collect();
        for n in [0, 1, 2, 3, 7, 64, 999, 1000] {
            let s = &sorted[..n];
            for x in [-1.0, 0.0, 0.5, 1.0, 20.0, 21.0, 332.5, 333.0, 400.0] {
                assert_eq!(
                    below(s, x),
                    s.partition_point(|&v| v < x),
                    "{n} numbers, {x}"
                );
            }
        }
    }

    #[test]
    fn a_removed_number_base_lacks_gives_none() {
        let edits = |removed: Vec<f64>| Edits {
            removed,
            added: vec![2.0],
        };
        assert_eq!(apply(&[1.0, 3.0], edits(vec![3.0])), Some(vec![1.0, 2.0]));
        assert_eq!(apply(&[1.0, 3.0], edits(vec![2.5])), None);
        assert_eq!(apply(&[1.0, 3.0], edits(vec![4.0])), None);
        assert_eq!(apply(&[1.0, 3.0], edits(vec![1.0, 1.0])), None);
    }
}
