//! Integration tests: one binary (each extra test binary is another
//! 1.3 GB link), one module per area.

mod compare;
mod demo;
mod errors;
mod ks_oracle;
mod pipelines;
mod pr;
mod properties;
mod regression;
mod reports;
mod run;
#[cfg(feature = "spark")]
mod spark;
mod support;
