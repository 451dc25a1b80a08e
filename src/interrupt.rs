//! Ctrl-C and SIGTERM: the flag every long operation polls, the handlers
//! that set it, the one error that says a run was stopped, and its exit
//! code.
//!
//! The handlers only set an atomic: each running part stops at its next
//! check (a stage's process group is signalled, a Spark query interrupted
//! on the server, a comparison abandoned between tables), and unwinding
//! removes the lanes. A second signal exits at once.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal number (SIGINT or SIGTERM) that asked the run to stop; 0
/// while running normally.
static REQUESTED: AtomicI32 = AtomicI32::new(0);

/// The run was stopped by a signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted by {}", signal_name(*signal))]
pub struct Interrupted {
    pub signal: i32,
}

impl Interrupted {
    /// The shell's convention: 128 + the signal's number (130 for Ctrl-C).
    pub fn exit_code(self) -> u8 {
        (128 + self.signal).clamp(0, 255) as u8
    }
}

fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGINT => "SIGINT".into(),
        libc::SIGTERM => "SIGTERM".into(),
        other => format!("signal {other}"),
    }
}

/// `Err(Interrupted)` once a stop was asked for.
pub fn check() -> Result<(), Interrupted> {
    match REQUESTED.load(Ordering::SeqCst) {
        0 => Ok(()),
        signal => Err(Interrupted { signal }),
    }
}

/// True once a stop was asked for.
pub fn requested() -> bool {
    check().is_err()
}

/// Handles SIGINT and SIGTERM by setting the flag (a second signal exits at
/// once). Returns the signals that could not be handled, with why.
pub fn install_handlers() -> Vec<(i32, std::io::Error)> {
    let mut failed = Vec::new();
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler only touches an atomic and, on a second signal,
        // exits; both are async-signal-safe.
        let registered = unsafe {
            signal_hook::low_level::register(signal, move || {
                if REQUESTED.swap(signal, Ordering::SeqCst) != 0 {
                    // A second Ctrl-C: the user insists; stop at once.
                    signal_hook::low_level::exit(128 + signal);
                }
            })
        };
        if let Err(e) = registered {
            failed.push((signal, e));
        }
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interruption_names_its_signal_and_exits_128_plus_it() {
        let i = Interrupted {
            signal: libc::SIGINT,
        };
        assert_eq!(i.to_string(), "interrupted by SIGINT");
        assert_eq!(i.exit_code(), 130);
        assert_eq!(
            Interrupted {
                signal: libc::SIGTERM
            }
            .exit_code(),
            143
        );
    }
}
