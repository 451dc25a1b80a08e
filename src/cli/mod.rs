//! The command line: argument parsing, signal handling, printing, and the
//! mapping from outcomes to exit codes. Everything else lives in the library.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary's front end: it prints reports, progress and errors; the library never does"
)]

mod demo;
mod history;
mod init;
mod progress;
mod sample;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::error::chain;
use crate::load::MemoryBudget;
use crate::model::{RunReport, Verdict};
use crate::report::{self, terminal::Detail};
use crate::run::{self, RunError, RunOptions};
use progress::Progress;

/// No regression found.
pub const EXIT_PASS: u8 = 0;
/// A regression was found.
pub const EXIT_REGRESSION: u8 = 1;
/// The run could not compare: bad config, git failure, base lane failure...
pub const EXIT_ERROR: u8 = 2;

/// `swimlane --version`: the package's version and the commit it was
/// built from (`build.rs`).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("SWIMLANE_COMMIT"),
    ")"
);

#[derive(Parser)]
#[command(
    name = "swimlane",
    version = VERSION,
    about = "Regression tests for ETL code: run base and head over the same snapshot and compare what they produced",
    after_help = "Exit status: 0 no regression, 1 regression found, 2 error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the pipeline at two revisions in isolated lanes and compare their outputs.
    Run(RunArgs),
    /// Compare two files, directories or databases of tables (a migration), no git needed.
    Compare(CompareArgs),
    /// Build a throwaway ETL repository with a buggy branch and compare it.
    Demo(DemoArgs),
    /// Profile tables (files, no git) and, with --record, add them to history.
    Profile(history::ProfileArgs),
    /// Look at recorded history: list series, show one.
    History(history::HistoryArgs),
    /// Judge recorded history: anomalies fail, change points warn.
    Audit(history::AuditArgs),
    /// Key-hash sampling bit-identical to Spark's: the predicate, or a sampled copy.
    Sample(sample::SampleArgs),
    /// Write a first swimlane.toml: run the pipeline twice, infer keys and
    /// non-deterministic columns of the tables it writes.
    Init(init::InitArgs),
    /// Drop the lane databases that killed runs of this host left on the
    /// `[database] postgres` server.
    Clean {
        /// The config file naming the server.
        #[arg(long, default_value = "swimlane.toml")]
        config: PathBuf,
    },
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    Completions { shell: clap_complete::Shell },
    /// Write the manual pages (swimlane.1 and one per command) into DIR.
    Man {
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Args)]
pub struct DemoArgs {
    /// Build the demo repository in DIR (new or empty) and keep it there, to
    /// try `swimlane run` on it yourself.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args)]
struct CompareArgs {
    /// The base file (or quoted glob of part files, one table:
    /// 'out/plays/*/*.parquet'), directory or database of tables (the old
    /// system; a database is a SQLite/DuckDB file or a postgresql:// URL).
    #[arg(required_unless_present = "spec", requires = "head_path")]
    base_path: Option<PathBuf>,
    /// The head file (or glob), directory or database of tables (the new
    /// system).
    head_path: Option<PathBuf>,
    /// A TOML listing table pairs: [[table]] name, base, head, key, compare...
    #[arg(long, value_name = "FILE", conflicts_with_all = ["base_path", "head_path"])]
    spec: Option<PathBuf>,
    /// Key column (repeat for a composite key); none: compare as multisets of rows.
    #[arg(long = "key", value_name = "COL")]
    key: Vec<String>,
    /// Column never compared (repeatable).
    #[arg(long = "ignore", value_name = "COL")]
    ignore: Vec<String>,
    /// File format when extensions do not tell.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Field delimiter of CSV files: one character, or `tab`.
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// Compare by distribution (KS, chi-square) instead of row by row.
    #[arg(long)]
    distribution: bool,
    /// Profile both sides' tables (row counts, nulls, distinct values,
    /// quantiles, top values) into the reports.
    #[arg(long)]
    profile: bool,
    /// Compare only a key-hash sample of each table: the keys whose
    /// `pmod(xxhash64(key), 10000) < RATE * 10000`, as Spark computes it.
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    sample: Option<i64>,
    /// The column(s) hashed by --sample [default: --key].
    #[arg(long = "sample-key", value_name = "COL", requires = "sample")]
    sample_key: Vec<String>,
    #[command(flatten)]
    memory: MemoryArgs,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// `--sample`: a rate in (0, 1], as buckets of 10,000.
fn parse_rate(text: &str) -> Result<i64, String> {
    let rate: f64 = text.parse().map_err(|_| {
        format!("`{text}` is not a number; write e.g. `--sample 0.01` for 1% of keys")
    })?;
    crate::sample::buckets(rate)
        .map_err(|e| format!("{e}; write e.g. `--sample 0.01` for 1% of keys"))
}

/// `--delimiter`: one ASCII character, `tab` or `\t`.
fn parse_delimiter(text: &str) -> Result<u8, String> {
    crate::config::parse_delimiter(text).ok_or_else(|| {
        format!("`{text}` is not one character; write e.g. `--delimiter ';'` or `--delimiter tab`")
    })
}

#[derive(Args)]
pub(super) struct EngineArgs {
    /// The engine that reads the tables and compares (or profiles) them:
    /// `local` (polars on this machine) or `spark` (Spark SQL through
    /// Spark Connect) [default: the config's `engine`, else local].
    #[arg(long, value_enum)]
    pub(super) engine: Option<EngineArg>,
    /// The Spark Connect server for the spark engine (sc://host:15002)
    /// [default: the config's `[spark] remote`].
    #[arg(long, value_name = "URL", env = "SWIMLANE_SPARK_REMOTE")]
    pub(super) spark_remote: Option<String>,
}

impl EngineArgs {
    fn engine(&self) -> Option<crate::config::Engine> {
        self.engine.map(|e| match e {
            EngineArg::Local => crate::config::Engine::Local,
            EngineArg::Spark => crate::config::Engine::Spark,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum EngineArg {
    Local,
    Spark,
}

#[derive(Args)]
struct MemoryArgs {
    /// Memory for the columns being compared: keyed Parquet and Arrow tables
    /// are compared from disk a column at a time, as many columns at once as
    /// fit (e.g. 8GiB, 512MiB) [default: half the machine's memory].
    #[arg(long, value_name = "SIZE", env = "SWIMLANE_MEMORY_BUDGET", value_parser = MemoryBudget::parse)]
    memory_budget: Option<MemoryBudget>,
}

impl MemoryArgs {
    fn budget(&self) -> MemoryBudget {
        self.memory_budget
            .unwrap_or_else(MemoryBudget::for_this_machine)
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum BaseModeArg {
    MergeBase,
    Tip,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Parquet,
    Csv,
    Ndjson,
    Ipc,
    Sqlite,
    Duckdb,
}

impl FormatArg {
    fn format(self) -> crate::config::Format {
        match self {
            FormatArg::Parquet => crate::config::Format::Parquet,
            FormatArg::Csv => crate::config::Format::Csv,
            FormatArg::Ndjson => crate::config::Format::Ndjson,
            FormatArg::Ipc => crate::config::Format::Ipc,
            FormatArg::Sqlite => crate::config::Format::Sqlite,
            FormatArg::Duckdb => crate::config::Format::Duckdb,
        }
    }
}

#[derive(Args)]
struct RunArgs {
    /// The config file (its directory must be inside the ETL repository).
    #[arg(long, default_value = "swimlane.toml")]
    config: PathBuf,
    /// Base revision: branch, tag or commit [default: `[lanes] base`, else main, else master].
    #[arg(long)]
    base: Option<String>,
    /// Head revision [default: HEAD].
    #[arg(long, conflicts_with = "worktree")]
    head: Option<String>,
    /// Use the working tree as it is (uncommitted and untracked files included) as head.
    #[arg(long)]
    worktree: bool,
    /// Keep the lanes' directories (checkouts, outputs, logs) and print where they are.
    #[arg(long)]
    keep_lanes: bool,
    /// Compare head with the merge base of base and head (as a pull request
    /// does), or with the tip of base.
    #[arg(long, value_enum, default_value = "merge-base")]
    base_mode: BaseModeArg,
    /// Where the base lane's outputs are cached [default: $SWIMLANE_CACHE_DIR,
    /// else $XDG_CACHE_HOME/swimlane, else ~/.cache/swimlane].
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Always run the base lane; do not read or write the baseline cache.
    #[arg(long)]
    no_cache: bool,
    /// Run the base twice: columns that differ between the two runs are
    /// non-deterministic and leave the verdict; float noise sets tolerances.
    #[arg(long)]
    calibrate: bool,
    /// Profile both lanes' tables (row counts, nulls, distinct values,
    /// quantiles, top values) into the reports.
    #[arg(long)]
    profile: bool,
    /// Record head's profiles as a point of history (keyed by its commit),
    /// then audit the store: exit 1 if the point is an anomaly.
    #[arg(long)]
    record: bool,
    /// The history store that --record writes and, with a `[history]`
    /// section, head is placed in: `dir:PATH` or PATH [default: the
    /// config's `[history] store`, else one per project under the user's
    /// data directory].
    #[arg(long, value_name = "STORE")]
    store: Option<String>,
    /// Run on a key-hash sample: overrides `[sample]`'s rate; without a
    /// `[sample]` section, each output is compared on the keys whose
    /// `pmod(xxhash64(key), 10000) < RATE * 10000`.
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    sample: Option<i64>,
    #[command(flatten)]
    memory: MemoryArgs,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Args)]
pub struct OutputArgs {
    /// Write the JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a Markdown report (a pull-request comment) to FILE. With
    /// GITHUB_STEP_SUMMARY set, the Markdown is also appended there.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write a JUnit XML report to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a self-contained HTML report with plots to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Print only the verdict line (and, on an error, what went wrong).
    #[arg(short, long, conflicts_with = "verbose")]
    quiet: bool,
    /// Print every detail: equal columns, timings, snapshot, lanes.
    #[arg(short, long)]
    verbose: bool,
}

impl OutputArgs {
    pub fn detail(&self) -> Detail {
        if self.quiet {
            Detail::Quiet
        } else if self.verbose {
            Detail::Verbose
        } else {
            Detail::Normal
        }
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    install_signal_handlers();
    install_panic_hook();
    #[cfg(feature = "spark")]
    crate::history::store::register_spark(crate::spark::history_store::open);
    // A panic anywhere is an internal error (exit 2), never a pass; the
    // unwinding drops the lanes' temp dirs on its way out.
    let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(cli)))
        .unwrap_or(EXIT_ERROR);
    ExitCode::from(code)
}

fn dispatch(cli: Cli) -> u8 {
    match cli.command {
        Command::Run(args) => {
            // A report in the snapshot would change what the next run reads;
            // over the config, what it runs. (A config that does not load is
            // reported by the run itself.)
            if let Ok(config) = crate::config::Config::load(&args.config) {
                let inputs = [&config.snapshot, &args.config];
                if let Err(code) = args.output.refuse_inputs(inputs.into_iter()) {
                    return code;
                }
            }
            let opts = RunOptions {
                config: args.config,
                base: args.base,
                head: args.head,
                worktree: args.worktree,
                keep_lanes: args.keep_lanes,
                base_mode: match args.base_mode {
                    BaseModeArg::MergeBase => crate::run::BaseMode::MergeBase,
                    BaseModeArg::Tip => crate::run::BaseMode::Tip,
                },
                cache_dir: if args.no_cache {
                    None
                } else {
                    args.cache_dir.or_else(crate::cache::Cache::default_dir)
                },
                calibrate: args.calibrate,
                profile: args.profile,
                record: args.record,
                store: args.store,
                memory_budget: args.memory.budget(),
                engine: args.engine.engine(),
                spark_remote: args.engine.spark_remote,
                sample: args.sample,
            };
            let progress = Progress::new(args.output.detail());
            let comparing = progress::CompareProgress::start(args.output.detail());
            let config_path = opts.config.clone();
            let outcome = run::run(&opts, &progress);
            drop(comparing);
            let recorded = outcome.as_ref().ok().and_then(|r| r.recorded.clone());
            let code = finish(outcome, &args.output);
            match recorded {
                // The audit of the point just recorded: the worse exit wins.
                Some(r) => code.max(history::audit_recorded(&config_path, &r.store, &r.run)),
                None => code,
            }
        }
        Command::Compare(args) => {
            let inputs = [&args.base_path, &args.head_path, &args.spec];
            if let Err(code) = args.output.refuse_inputs(inputs.into_iter().flatten()) {
                return code;
            }
            // A location only the cluster reads needs no --engine spark.
            let on_cluster = [&args.base_path, &args.head_path]
                .into_iter()
                .flatten()
                .any(|p| crate::engine::cluster_source(&p.to_string_lossy()));
            let opts = crate::compare::CompareOptions {
                base: args.base_path,
                head: args.head_path,
                spec: args.spec,
                key: args.key,
                ignore: args.ignore,
                format: args.format.map(FormatArg::format),
                delimiter: args.delimiter,
                distribution: args.distribution,
                profile: args.profile,
                sample: args.sample.map(|buckets| crate::config::Sample {
                    key: args.sample_key.clone(),
                    ..crate::config::Sample::outputs_by_table_key(buckets)
                }),
                memory_budget: args.memory.budget(),
                spark_remote: match args.engine.engine {
                    None if on_cluster => args.engine.spark_remote,
                    None | Some(EngineArg::Local) => None,
                    Some(EngineArg::Spark) => match args.engine.spark_remote {
                        Some(remote) => Some(remote),
                        None => {
                            eprintln!(
                                "error: --engine spark needs the server: --spark-remote sc://host:15002 (or SWIMLANE_SPARK_REMOTE)"
                            );
                            return EXIT_ERROR;
                        }
                    },
                },
            };
            let comparing = progress::CompareProgress::start(args.output.detail());
            let outcome = crate::compare::compare(&opts);
            drop(comparing);
            match outcome {
                Ok(report) => finish(Ok(report), &args.output),
                Err(crate::compare::CompareError::Interrupted(i)) => {
                    finish(Err(RunError::Interrupted(i)), &args.output)
                }
                Err(e) => {
                    print_error(&e);
                    if let Some(path) = &args.output.json {
                        let _ = report::write_atomically(path, |w| {
                            report::json::render_error(&chain(&e), w)
                        });
                    }
                    EXIT_ERROR
                }
            }
        }
        Command::Demo(args) => demo::main(&args),
        Command::Profile(args) => history::profile(&args),
        Command::History(args) => history::history(&args),
        Command::Audit(args) => history::audit(&args),
        Command::Sample(args) => sample::main(&args),
        Command::Init(args) => init::main(&args),
        Command::Clean { config } => clean(&config),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Into memory first: the generator panics on a closed pipe.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "swimlane", &mut script);
            match io::stdout().write_all(&script) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                    eprintln!("error: cannot write the completion script: {e}");
                    EXIT_ERROR
                }
                _ => EXIT_PASS,
            }
        }
        Command::Man { dir } => {
            let cmd = <Cli as clap::CommandFactory>::command();
            match std::fs::create_dir_all(&dir).and_then(|()| clap_mangen::generate_to(cmd, &dir)) {
                Ok(()) => EXIT_PASS,
                Err(e) => {
                    eprintln!(
                        "error: cannot write the manual pages into {}: {e}",
                        dir.display()
                    );
                    EXIT_ERROR
                }
            }
        }
    }
}

/// Prints the outcome, writes the requested reports, and gives the exit code.
fn finish(outcome: Result<RunReport, RunError>, output: &OutputArgs) -> u8 {
    match outcome {
        Ok(report) => {
            if let Err(code) = write_reports(&report, output) {
                return code;
            }
            print_report(&report, output.detail());
            exit_code(report.verdict())
        }
        Err(RunError::Interrupted(i)) => {
            eprintln!("swimlane: interrupted; child processes stopped and lanes removed");
            i.exit_code()
        }
        Err(e) => {
            print_error(&e);
            if let Some(path) = &output.json {
                let _ =
                    report::write_atomically(path, |w| report::json::render_error(&chain(&e), w));
            }
            EXIT_ERROR
        }
    }
}

pub fn exit_code(v: Verdict) -> u8 {
    match v {
        Verdict::Pass => EXIT_PASS,
        Verdict::Regression => EXIT_REGRESSION,
        Verdict::Error => EXIT_ERROR,
    }
}

impl OutputArgs {
    /// The report files asked for, with their flags.
    fn files(&self) -> [(&Option<PathBuf>, &'static str); 4] {
        [
            (&self.json, "--json"),
            (&self.markdown, "--markdown"),
            (&self.junit, "--junit"),
            (&self.html, "--html"),
        ]
    }

    /// Refuses, before anything is read, a report that would be written
    /// over an input (a table file, the spec) or among the tables of an
    /// input directory or glob: a mistyped `--json head.parquet` replaced
    /// the head table with the report.
    fn refuse_inputs<'a>(&self, inputs: impl Iterator<Item = &'a PathBuf>) -> Result<(), u8> {
        let inputs: Vec<&PathBuf> = inputs.collect();
        for (path, flag) in self.files() {
            if let Some(path) = path {
                refuse_over_inputs(flag, path, &inputs)?;
            }
        }
        Ok(())
    }
}

/// An error, printed, when the file `flag` writes (`path`) would be written
/// over one of `inputs` (see [`writes_into`]).
pub(crate) fn refuse_over_inputs(flag: &str, path: &Path, inputs: &[&PathBuf]) -> Result<(), u8> {
    let Some(input) = inputs.iter().find(|input| writes_into(path, input)) else {
        return Ok(());
    };
    eprintln!(
        "error: {flag} {} would write over the input {}: swimlane never changes what it reads",
        path.display(),
        input.display()
    );
    let extension = match flag {
        "--json" => "json",
        "--markdown" => "md",
        "--junit" => "xml",
        _ => "html",
    };
    eprintln!("help: write the report elsewhere, e.g. {flag} report.{extension}");
    Err(EXIT_ERROR)
}

/// `output` is the file `input` names, lies in the directory it names, or
/// matches the glob it is.
fn writes_into(output: &Path, input: &Path) -> bool {
    if same_file::is_same_file(output, input).unwrap_or(false) {
        return true;
    }
    // Where the output would be: its directory resolved, its name kept.
    let resolved = |p: &Path| -> Option<PathBuf> {
        let dir = crate::atomic_file::dir_of(p).canonicalize().ok()?;
        Some(dir.join(p.file_name()?))
    };
    let Some(out) = resolved(output) else {
        return false;
    };
    if input.is_dir() {
        return input.canonicalize().is_ok_and(|dir| out.starts_with(dir));
    }
    if crate::load::is_glob(input) {
        let pattern = std::path::absolute(input).ok();
        return pattern.is_some_and(|p| {
            glob::Pattern::new(&p.to_string_lossy()).is_ok_and(|g| {
                g.matches_path(&out)
                    || std::path::absolute(output).is_ok_and(|o| g.matches_path(&o))
            })
        });
    }
    false
}

/// Writes every report file asked for (and the GitHub job summary).
pub fn write_reports(report: &RunReport, output: &OutputArgs) -> Result<(), u8> {
    type Render = fn(&RunReport, &mut dyn Write) -> io::Result<()>;
    let files: [(&Option<PathBuf>, &str, Render); 4] = [
        (&output.json, "JSON", report::json::render),
        (&output.markdown, "Markdown", report::markdown::render),
        (&output.junit, "JUnit", report::junit::render),
        (&output.html, "HTML", report::html::render),
    ];
    for (path, what, render) in files {
        if let Some(path) = path
            && let Err(e) = report::write_atomically(path, |w| render(report, w))
        {
            eprintln!(
                "error: cannot write the {what} report {}: {e}",
                path.display()
            );
            return Err(EXIT_ERROR);
        }
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        let appended = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&summary)
            .and_then(|mut f| {
                let mut text = Vec::new();
                report::markdown::render(report, &mut text)?;
                f.write_all(&text)
            });
        if let Err(e) = appended {
            eprintln!(
                "warning: cannot append to GITHUB_STEP_SUMMARY ({}): {e}",
                PathBuf::from(summary).display()
            );
        }
    }
    Ok(())
}

/// The terminal summary on stdout, coloured when stdout is a terminal that
/// wants colour (`NO_COLOR`, `CLICOLOR` and `CLICOLOR_FORCE` are honoured).
pub fn print_report(report: &RunReport, detail: Detail) {
    let stdout = io::stdout();
    let color = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
    let mut out = stdout.lock();
    let _ = report::terminal::render(
        report,
        report::terminal::Options { detail, color },
        &mut out,
    );
    let _ = out.flush();
}

/// `swimlane clean`: what it dropped, or that there was nothing to do.
fn clean(config: &std::path::Path) -> u8 {
    let config = match crate::config::Config::load(config) {
        Ok(c) => c,
        Err(e) => {
            history::config_error(&e);
            return EXIT_ERROR;
        }
    };
    let Some(server) = &config.postgres else {
        println!(
            "nothing to clean: {} sets no `[database] postgres`",
            config.path.display()
        );
        return EXIT_PASS;
    };
    match crate::database::postgres::clean(server) {
        Ok(dropped) if dropped.is_empty() => {
            println!("no lane databases of finished runs on {server}");
            EXIT_PASS
        }
        Ok(dropped) => {
            println!("dropped {} lane database(s) on {server}:", dropped.len());
            for name in dropped {
                println!("  {name}");
            }
            EXIT_PASS
        }
        Err(e) => {
            print_error(&e);
            EXIT_ERROR
        }
    }
}

/// `error: ...` and the cause chain, as the user reads it.
pub fn print_error(e: &dyn crate::error::Help) {
    let mut err = io::stderr().lock();
    let (messages, helps) = crate::error::causes(e);
    for (i, message) in messages.iter().enumerate() {
        let _ = if i == 0 {
            writeln!(err, "error: {message}")
        } else {
            writeln!(err, "  caused by: {message}")
        };
    }
    for help in helps {
        let _ = writeln!(err, "help: {help}");
    }
}

fn install_signal_handlers() {
    for (signal, e) in crate::interrupt::install_handlers() {
        eprintln!("warning: cannot handle signal {signal}: {e}");
    }
}

fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default(info);
        eprintln!(
            "error: internal error in swimlane {}: this is a bug; please report it with the message above",
            env!("CARGO_PKG_VERSION")
        );
    }));
}
