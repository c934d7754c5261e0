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

/// Windows: the file's registered handler through the shell's own call (ShellExecuteExW, its
/// default verb), with the path as one string that no command line parses. The call needs COM
/// on its thread (many handlers are COM servers) and, on a thread that ends right after, to
/// finish its hand-over before it returns (SEE_MASK_NOASYNC).
#[cfg(target_os = "windows")]
fn hand_over(path: &Path, shown: &str) -> Result<(), Msg> {
    use windows_sys::Win32::Foundation::{ERROR_NO_ASSOCIATION, GetLastError};
    use windows_sys::Win32::System::Com::{
        COINIT_APARTMENTTHREADED, COINIT_DISABLE_OLE1DDE, CoInitializeEx, CoUninitialize,
    };
    use windows_sys::Win32::UI::Shell::{
        SEE_MASK_FLAG_NO_UI, SEE_MASK_NOASYNC, SHELLEXECUTEINFOW, ShellExecuteExW,
    };
    use windows_sys::Win32::UI::WindowsAndMessaging::SW_SHOWNORMAL;
    let file = super::wide(path);
    // SAFETY: no reserved pointer; balanced by CoUninitialize below when it succeeded (S_OK
    // or S_FALSE, both >= 0).
    let com = unsafe {
        CoInitializeEx(
            std::ptr::null(),
            (COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE) as u32,
        )
    } >= 0;
    // SAFETY: SHELLEXECUTEINFOW is plain data; all-zero is its documented empty value.
    let mut info: SHELLEXECUTEINFOW = unsafe { std::mem::zeroed() };
    info.cbSize = std::mem::size_of::<SHELLEXECUTEINFOW>() as u32;
    info.fMask = SEE_MASK_NOASYNC | SEE_MASK_FLAG_NO_UI;
    info.lpFile = file.as_ptr();
    info.nShow = SW_SHOWNORMAL;
    // SAFETY: `info` is sized and filled above; `file` outlives the call.
    let ok = unsafe { ShellExecuteExW(&mut info) } != 0;
    // SAFETY: reads this thread's last error, set by the failed call.
    let error = if ok { 0 } else { unsafe { GetLastError() } };
    if com {
        // SAFETY: pairs the successful CoInitializeEx above, on the same thread.
        unsafe { CoUninitialize() };
    }
    match error {
        0 => Ok(()),
        ERROR_NO_ASSOCIATION => Err(Msg::new("open-no-program").text("path", shown.to_string())),
        e => Err(Msg::new("toast-open-failed").text(
            "reason",
            format!("{shown}: {}", std::io::Error::from_raw_os_error(e as i32)),
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
