//! Statistics: the two-sample KS test and the finite-n Kolmogorov
//! distribution it needs, chi-square / PSI / total variation for categorical
//! columns, Benjamini–Hochberg across columns, per-column summaries, and over
//! a series of runs the n-sigma anomaly rule and Otava's change points. Pure
//! functions over slices: no frames, no I/O.

pub mod anomaly;
pub mod categorical;
pub mod changepoint;
pub mod distinct;
pub mod fdr;
pub mod kolmogorov;
pub mod ks;
pub mod numpy;
pub mod paired;
pub mod quantiles;
pub mod sampling;
pub mod sort;
pub mod summary;

/// Whether two runs of values are the same bit for bit, looked at a block
/// at a time so that two that differ early cost little (each block's
/// comparison has no branch: the compiler keeps it in vector registers).
#[inline]
pub fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.chunks(1024).zip(b.chunks(1024)).all(|(x, y)| {
            x.iter()
                .zip(y)
                .fold(0u64, |d, (p, q)| d | (p.to_bits() ^ q.to_bits()))
                == 0
        })
}
