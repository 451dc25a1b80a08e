//! `swimlane sample sql` and `swimlane sample apply`: the same key-hash
//! subset in production, on Spark and here.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{EXIT_ERROR, EXIT_PASS, print_error};
use crate::config::{Sample, SampleHash};
use crate::sample;

#[derive(Args)]
pub struct SampleArgs {
    #[command(subcommand)]
    command: SampleCommand,
}

#[derive(Args)]
struct SampleSpec {
    /// Key column (repeat for a composite key, in order).
    #[arg(long = "key", value_name = "COL", required = true)]
    key: Vec<String>,
    /// The fraction of keys kept, in (0, 1].
    #[arg(long, value_name = "RATE")]
    rate: f64,
    /// The hash: Spark's `xxhash64` or its Murmur3 `hash`.
    #[arg(long, value_enum, default_value = "spark-xxhash64")]
    hash: HashArg,
    /// Hashed after the key: a different salt takes a different subset.
    #[arg(long)]
    salt: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum HashArg {
    SparkXxhash64,
    SparkHash,
}

#[derive(Clone, Copy, ValueEnum)]
enum Dialect {
    Spark,
}

#[derive(Subcommand)]
enum SampleCommand {
    /// Print the SQL predicate that keeps the sample in another engine.
    Sql {
        /// The SQL dialect the predicate is written in.
        #[arg(long, value_enum, default_value = "spark")]
        dialect: Dialect,
        #[command(flatten)]
        spec: SampleSpec,
    },
    /// Write the sampled rows of a table file to another file (format from
    /// each extension).
    Apply {
        /// The table file to sample (Parquet, CSV, NDJSON, Arrow IPC); never
        /// changed.
        input: PathBuf,
        /// The file to write the kept rows to, in the format its extension
        /// names.
        output: PathBuf,
        #[command(flatten)]
        spec: SampleSpec,
    },
}

impl SampleSpec {
    fn sample(&self) -> Result<Sample, sample::SampleError> {
        Ok(Sample {
            key: self.key.clone(),
            buckets: sample::buckets(self.rate)?,
            hash: match self.hash {
                HashArg::SparkXxhash64 => SampleHash::SparkXxhash64,
                HashArg::SparkHash => SampleHash::SparkHash,
            },
            salt: self.salt.clone(),
            snapshot: false,
            outputs: true,
            skip: Vec::new(),
        })
    }
}

pub fn main(args: &SampleArgs) -> u8 {
    match &args.command {
        SampleCommand::Sql { dialect: _, spec } => match spec.sample() {
            Ok(s) => {
                println!("{}", sample::spark_predicate(&s));
                EXIT_PASS
            }
            Err(e) => {
                print_error(&e);
                EXIT_ERROR
            }
        },
        SampleCommand::Apply {
            input,
            output,
            spec,
        } => {
            let s = match spec.sample() {
                Ok(s) => s,
                Err(e) => {
                    print_error(&e);
                    return EXIT_ERROR;
                }
            };
            match sample::apply::apply(input, output, &s) {
                Ok(a) => {
                    println!(
                        "kept {} of {} rows ({}) in {}",
                        a.kept,
                        a.rows,
                        sample::spark_predicate(&s),
                        output.display()
                    );
                    EXIT_PASS
                }
                Err(e) => {
                    print_error(&e);
                    EXIT_ERROR
                }
            }
        }
    }
}
