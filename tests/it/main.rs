//! Integration tests: one binary (each extra test binary is another
//! 1.3 GB link), one module per area.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "tests say on stderr what they could not check (a tool or server missing)"
)]

mod architecture;
mod changepoint_oracle;
mod compare;
mod database;
mod dbt;
mod demo;
mod errors;
mod history;
mod init;
mod ks_oracle;
mod paired;
mod paired_oracle;
mod pipelines;
mod postgres;
mod pr;
mod properties;
mod regression;
mod release;
mod reports;
mod run;
mod sample;
#[cfg(feature = "spark")]
mod spark;
mod support;
