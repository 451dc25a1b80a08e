//! swimlane: regression tests for ETL code.
//!
//! Data flows one way: [`config`] → [`git`] checkouts → [`lane`]s →
//! [`load`]ed frames → [`diff`] → the [`model`] → [`report`] renderers.
//! [`run`] orchestrates a `swimlane run`; [`cli`] is the command line.

pub mod allocator;
pub mod atomic_file;
pub mod audit_expr;
pub mod byte_order;
pub mod cache;
pub mod cli;
pub mod compare;
pub mod config;
pub mod csv_file;
pub mod database;
pub mod demo;
pub mod diff;
pub mod dirs;
pub mod distribution;
pub mod engine;
pub mod error;
pub mod git;
pub mod history;
pub mod init;
pub mod interrupt;
pub mod iso_dates;
pub mod lane;
pub mod load;
pub mod logs;
pub mod model;
pub mod partitions;
pub mod prefetch;
pub mod profile;
pub mod progress;
pub mod report;
pub mod run;
pub mod sample;
pub mod snapshot;
#[cfg(feature = "spark")]
pub mod spark;
pub mod stats;
pub mod suggest;
pub mod template;
pub mod validity;
pub mod wide;
