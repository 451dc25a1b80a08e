//! numpy's arithmetic, bit for bit: pairwise sums, means, standard
//! deviations and medians as numpy computes them, so that a series judged
//! here lands on the same side of a threshold as the numpy and scipy
//! oracles it is checked against (and a constant stretch has exactly zero
//! deviation, not a rounding residue).

/// numpy's pairwise summation of contiguous doubles (`pairwise_sum` in
/// `loops_utils.h`): below 8 values a plain loop; up to 128, eight running
/// sums combined as a tree; beyond, the two halves (the first a multiple of
/// 8) summed apart. The same additions in the same order give the same bits.
pub fn sum(x: &[f64]) -> f64 {
    let n = x.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in x {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&x[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += x[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &x[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        sum(&x[..n2]) + sum(&x[n2..])
    }
}

/// `numpy.mean`: the pairwise sum divided by the count.
pub fn mean(x: &[f64]) -> f64 {
    sum(x) / x.len() as f64
}

/// `numpy.std(x, ddof=ddof)` given the mean.
pub fn std(x: &[f64], mean: f64, ddof: usize) -> f64 {
    let squares: Vec<f64> = x.iter().map(|v| (v - mean) * (v - mean)).collect();
    (sum(&squares) / (x.len() - ddof) as f64).sqrt()
}

/// `numpy.median`: the middle value, or the mean of the middle two (NaN
/// when empty). A selection, not a sort: linear in the length.
pub fn median(x: &[f64]) -> f64 {
    let n = x.len();
    if n == 0 {
        return f64::NAN;
    }
    let mut v = x.to_vec();
    let (below, &mut upper, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        upper
    } else {
        let lower = below
            .iter()
            .copied()
            .max_by(f64::total_cmp)
            .unwrap_or(upper);
        (lower + upper) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_sum_is_pairwise_beyond_eight_values() {
        // 0.1 summed ten times: a plain loop gives 0.9999999999999999,
        // numpy (eight running sums, then the rest) 1.0.
        assert_eq!(sum(&[0.1; 10]), 1.0);
        let plain: f64 = [0.1; 10].iter().sum();
        assert_ne!(plain, 1.0);
    }
}
