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
pub mod summary;
