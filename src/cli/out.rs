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

/// Whether the file `dest` (given with `flag`) can be written before any work is done: its
/// folder exists and takes a new file, and it is not a folder itself. Says which, what to do,
/// and `untouched` (what was not done yet). `example`: a file name to suggest in a folder.
pub(super) fn writable(
    dest: &std::path::Path,
    flag: &str,
    example: &str,
    untouched: &str,
) -> Result<(), String> {
    let shown = dest.display();
    if dest.is_dir() {
        return Err(format!(
            "{flag} {shown} is a folder: give a file name in it, such as {}",
            dest.join(example).display()
        ));
    }
    let folder = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(format!(
            "{flag} {shown}: the folder {} does not exist; create it or choose another ({untouched})",
            folder.display()
        ));
    }
    // A trial file beside it: permissions, a read-only disk and the like show now.
    let trial = folder.join(format!(".avatar-kiosk-check-{}", std::process::id()));
    let made = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&trial);
    if made.is_ok() {
        let _ = std::fs::remove_file(&trial);
    }
    made.map(drop).map_err(|e| {
        format!(
            "{flag} {shown}: a file cannot be written in {} ({e}); choose another place ({untouched})",
            folder.display()
        )
    })
}
