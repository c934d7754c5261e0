//! Hands a file to the desktop's program for it (a render to the video player). The path is
//! given to the program as one argument, never to a shell that would parse it (`&` in a
//! Windows path split it under `cmd /C start`), and only a file inside the folder the caller
//! names is opened: a stored row's path may have been written elsewhere.

use std::path::Path;
#[cfg(not(target_os = "windows"))]
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
    hand_over(&path, &shown)
}

/// Windows: the file's registered handler through the shell's own call (ShellExecuteW), with
/// the path as one string that no command line parses.
#[cfg(target_os = "windows")]
fn hand_over(path: &Path, shown: &str) -> Result<(), Msg> {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::UI::Shell::{SE_ERR_ASSOCINCOMPLETE, SE_ERR_NOASSOC, ShellExecuteW};
    use windows_sys::Win32::UI::WindowsAndMessaging::SW_SHOWNORMAL;
    let file: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
    let verb: Vec<u16> = "open".encode_utf16().chain([0]).collect();
    // SAFETY: both strings are NUL-terminated and outlive the call; no parameters, no folder.
    let code = unsafe {
        ShellExecuteW(
            std::ptr::null_mut(),
            verb.as_ptr(),
            file.as_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            SW_SHOWNORMAL,
        )
    } as isize;
    // Above 32 is success; below, one of the documented error codes.
    match code {
        c if c > 32 => Ok(()),
        c if c == SE_ERR_NOASSOC as isize || c == SE_ERR_ASSOCINCOMPLETE as isize => {
            Err(Msg::new("open-no-program").text("path", shown.to_string()))
        }
        c => Err(Msg::new("toast-open-failed").text(
            "reason",
            format!("{shown}: {}", std::io::Error::from_raw_os_error(c as i32)),
        )),
    }
}

/// Elsewhere: the desktop's opener program, the path as its one argument.
#[cfg(not(target_os = "windows"))]
fn hand_over(path: &Path, shown: &str) -> Result<(), Msg> {
    let started = opener()
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match started {
        Ok(mut child) => handed_over(&mut child, shown),
        // No opener on this desktop: the file is there to open by hand.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Msg::new("open-no-program").text("path", shown.to_string()))
        }
        Err(e) => Err(Msg::new("toast-open-failed").text("reason", format!("{shown}: {e}"))),
    }
}

/// The desktop's opener: `open` on macOS, `xdg-open` on Linux and the BSDs.
#[cfg(not(target_os = "windows"))]
fn opener() -> Command {
    #[cfg(target_os = "macos")]
    return Command::new("open");
    #[cfg(not(target_os = "macos"))]
    return Command::new("xdg-open");
}

/// Whether the opener took the file: `xdg-open` and `open` say so by their exit code.
#[cfg(not(target_os = "windows"))]
fn handed_over(child: &mut std::process::Child, shown: &str) -> Result<(), Msg> {
    match child.wait() {
        Ok(s) if s.success() => Ok(()),
        // No program for this kind of file.
        Ok(_) => Err(Msg::new("open-no-program").text("path", shown.to_string())),
        Err(e) => Err(Msg::new("toast-open-failed").text("reason", format!("{shown}: {e}"))),
    }
}
