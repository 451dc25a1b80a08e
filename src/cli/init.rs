//! `swimlane init`: what it prints and writes.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_ERROR, EXIT_PASS, print_error};
use crate::init::{self, InitError, InitOptions};

#[derive(Args)]
pub struct InitArgs {
    /// The pipeline's command, run with `sh -c` in a checkout of your working
    /// tree: `{snapshot}` where it reads its input, `{out}` where it writes
    /// its tables (e.g. "python3 etl.py --input {snapshot} --output {out}").
    #[arg(long, value_name = "COMMAND")]
    run: String,
    /// The input facts the pipeline reads (a directory or a file).
    #[arg(long, value_name = "PATH")]
    snapshot: PathBuf,
    /// The config to write.
    #[arg(long, value_name = "FILE", default_value = "swimlane.toml")]
    config: PathBuf,
    /// Overwrite the config if it exists.
    #[arg(long)]
    force: bool,
}

#[allow(clippy::print_stdout, reason = "the front end prints what it wrote")]
pub fn main(args: &InitArgs) -> u8 {
    let opts = InitOptions {
        config: args.config.clone(),
        run: args.run.clone(),
        snapshot: args.snapshot.clone(),
        force: args.force,
    };
    eprintln!(
        "swimlane init: running the pipeline twice over {}",
        args.snapshot.display()
    );
    let plan = match init::plan(&opts) {
        Ok(plan) => plan,
        Err(InitError::Interrupted(i)) => {
            eprintln!("swimlane: interrupted; child processes stopped and lanes removed");
            return i.exit_code();
        }
        Err(e) => {
            print_error(&e);
            return EXIT_ERROR;
        }
    };
    if let Err(e) =
        crate::report::write_atomically(&args.config, |w| w.write_all(plan.text.as_bytes()))
    {
        eprintln!("error: cannot write {}: {e}", args.config.display());
        return EXIT_ERROR;
    }
    let n = plan.tables.len() as u64;
    println!(
        "wrote {} with {n} {}:",
        args.config.display(),
        crate::model::plural(n, "table", "tables")
    );
    for t in &plan.tables {
        let key = if t.key.is_empty() {
            "no key (compared as a multiset of rows)".to_string()
        } else {
            format!("key {}", t.key.join(", "))
        };
        let ignore = if t.ignore.is_empty() {
            String::new()
        } else {
            format!(
                "; ignoring {} (differed between the two runs)",
                t.ignore.join(", ")
            )
        };
        let how = if t.distribution {
            "; by distribution"
        } else {
            ""
        };
        println!(
            "  {} ({}, {} rows): {key}{ignore}{how}",
            t.name, t.path, t.rows
        );
    }
    for (name, why) in &plan.passed_over {
        println!("  not listed: `{name}/`: {why}");
    }
    println!("next: check it, commit it, and run `swimlane run`");
    EXIT_PASS
}
