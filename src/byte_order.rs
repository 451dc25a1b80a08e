//! Byte strings put in order eight bytes at a time: categories for the
//! distribution tests and the chi-square, text keys for pairing rows.

use rayon::prelude::*;

/// The order of `items` by their bytes (`bytes`), lexicographic, as
/// indices; items of equal bytes in the order they came (so that the n-th
/// occurrence of a key pairs with the n-th). Sorted eight bytes at a time (each item's next eight as a
/// number, and whether it ends there), items alike so far sorted again by
/// the next eight: a compare in a register for most pairs, where comparing
/// strings went to memory for both at every step and read their common
/// prefix again each time (10M titles that all begin `title `: seconds).
pub fn sorted_order<T: Sync>(items: &[T], bytes: impl Fn(&T) -> &[u8] + Sync) -> Vec<u32> {
    assert!(u32::try_from(items.len()).is_ok(), "at most 2^32 items");
    // (eight bytes from `depth`, what is left of the item after them up to
    // 9 (9: more follows), index).
    let key = |i: u32, depth: usize| {
        let b = bytes(&items[i as usize]);
        let rest = &b[depth.min(b.len())..];
        let word = match rest.first_chunk::<8>() {
            // Eight bytes read as one word (a copy of a length not known
            // at compile time was a call to memmove per item).
            Some(eight) => u64::from_be_bytes(*eight),
            None => {
                let mut word = [0u8; 8];
                word[..rest.len()].copy_from_slice(rest);
                u64::from_be_bytes(word)
            }
        };
        (word, rest.len().min(9) as u8, i)
    };
    let mut keyed: Vec<(u64, u8, u32)> = (0..items.len() as u32)
        .into_par_iter()
        .map(|i| key(i, 0))
        .collect();
    keyed.par_sort_unstable();
    // The end of the run of keys alike in their eight bytes (and whether
    // more follows) that holds `keys[at]`.
    fn run_end(keys: &[(u64, u8, u32)], at: usize) -> usize {
        let word = (keys[at].0, keys[at].1);
        at + keys[at..].iter().take_while(|k| (k.0, k.1) == word).count()
    }
    // Runs alike in their eight bytes that go on: sorted by the next.
    fn refine(
        run: &mut [(u64, u8, u32)],
        depth: usize,
        key: &(impl Fn(u32, usize) -> (u64, u8, u32) + Sync),
    ) {
        let mut start = 0;
        while start < run.len() {
            let end = run_end(run, start);
            if run[start].1 == 9 && end - start > 1 {
                let part = &mut run[start..end];
                // A run as long as the column (every value begins
                // `https://`) is keyed and sorted on every core too; a
                // short one (two ids alike in their first eight bytes) in
                // place, where handing it to the pool cost more than it.
                if part.len() > 1 << 16 {
                    part.par_iter_mut().for_each(|k| *k = key(k.2, depth + 8));
                    part.par_sort_unstable();
                } else {
                    part.iter_mut().for_each(|k| *k = key(k.2, depth + 8));
                    part.sort_unstable();
                }
                refine(part, depth + 8, key);
            }
            start = end;
        }
    }
    // The first eight bytes' runs, cut into one piece per few runs for the
    // cores (a run is never split).
    let mut pieces: Vec<&mut [(u64, u8, u32)]> = Vec::new();
    let mut rest = &mut keyed[..];
    while !rest.is_empty() {
        let end = run_end(rest, rest.len().min(1 << 14) - 1);
        let (piece, tail) = rest.split_at_mut(end);
        pieces.push(piece);
        rest = tail;
    }
    pieces.into_par_iter().for_each(|p| refine(p, 0, &key));
    keyed.into_iter().map(|k| k.2).collect()
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng as _, SeedableRng};

    use super::*;

    /// Repeated strings (keys on both sides of a pairing) come out in the
    /// order they came: the same order as a stable sort by their bytes.
    #[test]
    fn equal_strings_keep_their_order_as_a_stable_sort_does() {
        let mut rng = StdRng::seed_from_u64(9);
        for case in 0..40 {
            let common = ["", "key-0000", "3f2a9c1e-77b0-4e1c"][case % 3];
            let items: Vec<String> = (0..rng.random_range(0..5000))
                .map(|_| format!("{common}{}", rng.random_range(0..200u32)))
                .collect();
            let order = sorted_order(&items, |s| s.as_bytes());
            let mut want: Vec<u32> = (0..items.len() as u32).collect();
            want.sort_by(|&a, &b| items[a as usize].cmp(&items[b as usize]));
            assert_eq!(order, want, "case {case}");
        }
    }
}
