//! The allocator's settings, held whatever the environment says.
//!
//! The binary's jemalloc keeps the memory it frees (`dirty_decay_ms:-1`,
//! `muzzy_decay_ms:-1` in `src/main.rs`): a comparison frees and allocates
//! column-sized buffers over and over. jemalloc lets the environment
//! override its settings (`_RJEM_MALLOC_CONF`), and polars' Python module
//! sets that variable when it is imported (`dirty_decay_ms:500,
//! muzzy_decay_ms:1000`, for its own jemalloc): every process a Python
//! program starts after `import polars` inherits it. So started, swimlane
//! gave freed memory back and the kernel zeroed it again on the next
//! allocation: the 10M-row pair of `bench/peers.sh` took 2.60 s, 1.73 s
//! of it in the kernel (997K page faults), against 2.19 s and 0.72 s
//! (358K) (BENCHMARKS.md, fortieth session). Setting the decays again at
//! run time (`mallctl`) did not undo it: jemalloc had begun as the
//! environment said. So the program starts itself again, once, in place,
//! with the decays appended to the variable (later settings win; the
//! others the variable holds still apply), and then puts the variable back
//! as it was for what it runs.

use std::ffi::{OsStr, OsString};

/// The decays that keep freed memory.
const KEEP: &str = "dirty_decay_ms:-1,muzzy_decay_ms:-1";
/// jemalloc's settings from the environment (this build's prefix).
const VAR: &str = "_RJEM_MALLOC_CONF";
/// The variable's value before the program started itself again: put
/// back at once, so that what the program runs (a lane's pipeline) sees
/// the environment as it was.
const OUTER: &str = "SWIMLANE_OUTER_RJEM_MALLOC_CONF";

/// What [`keep_freed_memory`] does, given the two variables' values.
#[derive(Debug, PartialEq)]
pub enum Plan {
    /// Nothing: the environment sets no decay.
    Nothing,
    /// Start again with `VAR` set to the first, and `OUTER` to the second
    /// (the value as it was).
    Again(OsString, OsString),
    /// Started again: put `VAR` back as it was.
    PutBack(OsString),
}

/// The plan for `VAR`'s value `conf` and `OUTER`'s `outer`: a conf that
/// sets a decay gets `KEEP` appended (later settings win, the others
/// still apply).
pub fn plan(conf: Option<&OsStr>, outer: Option<&OsStr>) -> Plan {
    if let Some(outer) = outer {
        return Plan::PutBack(outer.to_owned());
    }
    match conf.and_then(OsStr::to_str) {
        Some(c) if c.contains("decay_ms") => {
            Plan::Again(OsString::from(format!("{c},{KEEP}")), OsString::from(c))
        }
        _ => Plan::Nothing,
    }
}

/// Starts this program again in place (the same process, arguments and
/// environment but for the decays) when the environment's jemalloc
/// settings would have it give freed memory back; after, puts the
/// variable back as it was. Returns once nothing more is to be done, or
/// when the program could not start again (the error says why; it then
/// runs as the environment asked, slower). Call it first thing in `main`,
/// before any thread starts.
#[cfg(unix)]
pub fn keep_freed_memory() -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    match plan(
        std::env::var_os(VAR).as_deref(),
        std::env::var_os(OUTER).as_deref(),
    ) {
        Plan::Nothing => Ok(()),
        Plan::PutBack(outer) => {
            // SAFETY: called before any thread starts (see above), so no
            // other thread reads the environment meanwhile.
            unsafe {
                std::env::remove_var(OUTER);
                std::env::set_var(VAR, outer);
            }
            Ok(())
        }
        Plan::Again(conf, outer) => {
            let mut args = std::env::args_os();
            let mut again = std::process::Command::new(std::env::current_exe()?);
            if let Some(zeroth) = args.next() {
                again.arg0(zeroth);
            }
            // `exec` returns only its error.
            Err(again.args(args).env(VAR, conf).env(OUTER, outer).exec())
        }
    }
}

/// Elsewhere, the environment is taken as it is.
#[cfg(not(unix))]
pub fn keep_freed_memory() -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_conf_that_sets_a_decay_starts_again_and_is_put_back_after() {
        let os = |s: &str| OsString::from(s);
        assert_eq!(plan(None, None), Plan::Nothing);
        assert_eq!(plan(Some(&os("narenas:4")), None), Plan::Nothing);
        let polars = "dirty_decay_ms:500,muzzy_decay_ms:1000";
        assert_eq!(
            plan(Some(&os(polars)), None),
            Plan::Again(os(&format!("{polars},{KEEP}")), os(polars))
        );
        // Started again: the value as it was goes back.
        assert_eq!(
            plan(Some(&os(&format!("{polars},{KEEP}"))), Some(&os(polars))),
            Plan::PutBack(os(polars))
        );
    }
}
