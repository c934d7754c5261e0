//! Standard output for the command line. A reader that stops reading (`sessions | head -1`)
//! ends the command quietly, as any Unix tool ends: no message, no backtrace.

use std::io::Write;

/// Prints one line.
pub fn line(text: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    let written = writeln!(out, "{text}").and_then(|()| out.flush());
    settle(written);
}

/// Prints without a new line (the countdown that rewrites itself).
pub fn partial(text: impl std::fmt::Display) {
    let mut out = std::io::stdout().lock();
    let written = write!(out, "{text}").and_then(|()| out.flush());
    settle(written);
}

fn settle(written: std::io::Result<()>) {
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            crate::platform::console::output_closed()
        }
        // A full disk or a revoked terminal: nothing more can be said here; the log has the
        // rest and the store has the session.
        Err(e) => tracing::warn!("standard output: {e}"),
    }
}
