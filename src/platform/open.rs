//! Hands a file to the desktop's program for it (a render to the video player). The path is
//! given to the program as one argument, never to a shell that would parse it (`&` in a
//! Windows path split it under `cmd /C start`), and only a file inside the folder the caller
//! names is opened: a stored row's path may have been written elsewhere.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::text::Msg;

/// Opens `path` with the desktop's program for it, when it lies inside `folder`; waits for
/// the hand-over, not for the program.
pub fn open_inside(path: &Path, folder: &Path) -> Result<(), Msg> {
    let shown = path.display().to_string();
    if !path.is_file() {
        return Err(Msg::new("open-file-missing").text("path", shown));
    }
    let Some(path) = super::paths::inside(path, folder) else {
        tracing::warn!("a stored path outside {} was not opened", folder.display());
        return Err(Msg::new("open-file-missing").text("path", shown));
    };
    let mut command = opener();
    let started = command
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match started {
        Ok(mut child) => handed_over(&mut child, &shown),
        // No opener on this desktop: the file is there to open by hand.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Msg::new("open-no-program").text("path", shown))
        }
        Err(e) => Err(Msg::new("toast-open-failed").text("reason", format!("{shown}: {e}"))),
    }
}

/// The desktop's opener, each system's beside the others.
fn opener() -> Command {
    #[cfg(target_os = "macos")]
    return Command::new("open");
    // Explorer opens a file with its associated program and takes the path as one argument.
    #[cfg(target_os = "windows")]
    return Command::new("explorer.exe");
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    return Command::new("xdg-open");
}

/// Whether the opener took the file: `xdg-open` and `open` say so by their exit code;
/// Explorer's exit code means nothing, so its start is the hand-over.
fn handed_over(child: &mut std::process::Child, shown: &str) -> Result<(), Msg> {
    if cfg!(target_os = "windows") {
        return Ok(());
    }
    match child.wait() {
        Ok(s) if s.success() => Ok(()),
        // No program for this kind of file.
        Ok(_) => Err(Msg::new("open-no-program").text("path", shown.to_string())),
        Err(e) => Err(Msg::new("toast-open-failed").text("reason", format!("{shown}: {e}"))),
    }
}
