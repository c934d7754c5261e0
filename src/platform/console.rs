//! The terminal a command prints to. On Windows the exe is a GUI program (no console window
//! opens beside the app from the Start menu), so it has no console of its own: a redirected
//! standard output (a pipe, a file) is used as it is, and otherwise the program attaches to the
//! console of the terminal that started it, if any, so `--version`, listings and NDJSON still
//! reach it. Elsewhere the terminal is already there and nothing is done.

/// Connects standard input, output and error to the starting terminal where the system does
/// not. Call it first in `main`, before anything is printed.
pub fn attach() {
    #[cfg(windows)]
    windows::attach();
}

/// Lets go of the starting terminal's console when the window opens: a console sends Ctrl+C
/// and its closing to every program attached to it, and the kiosk must not end because
/// someone pressed Ctrl+C at the prompt it came back to, or closed that terminal.
pub fn detach() {
    #[cfg(windows)]
    windows::detach();
}

/// Ends the process as a Unix tool does when the reader of its output has gone (`| head`):
/// quietly, with the status a shell expects (killed by SIGPIPE, 141). Windows has no such
/// signal: the process ends with code 0, as its tools do.
pub fn output_closed() -> ! {
    #[cfg(unix)]
    // SAFETY: the default action is restored for SIGPIPE alone, then raised on this thread;
    // the process ends there.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    // Reached on Windows (and should the signal be blocked): the one other place that ends
    // the process with a code of its own.
    #[allow(clippy::disallowed_methods)]
    std::process::exit(0)
}

/// Whether a coloured log suits standard error: a terminal, and no `NO_COLOR` set
/// (<https://no-color.org>).
pub fn colour_on_stderr() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[cfg(windows)]
mod windows {
    use std::sync::atomic::{AtomicBool, Ordering};
    use windows_sys::Win32::Foundation::{
        GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE,
    };
    use windows_sys::Win32::Storage::FileSystem::{
        CreateFileW, FILE_SHARE_READ, FILE_SHARE_WRITE, OPEN_EXISTING,
    };

    use windows_sys::Win32::System::Console::{
        ATTACH_PARENT_PROCESS, AttachConsole, FreeConsole, GetStdHandle, STD_ERROR_HANDLE,
        STD_HANDLE, STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, SetStdHandle,
    };

    /// The standard handles this process set to the attached console (not ones it inherited).
    static ATTACHED: AtomicBool = AtomicBool::new(false);

    fn missing(which: STD_HANDLE) -> bool {
        // SAFETY: GetStdHandle only reads the process's table of standard handles.
        let handle = unsafe { GetStdHandle(which) };
        handle.is_null() || handle == INVALID_HANDLE_VALUE
    }

    /// Opens the attached console's `CONOUT$` or `CONIN$`.
    fn open(name: &str, access: u32) -> HANDLE {
        let wide = crate::platform::wide(name);
        // SAFETY: `wide` is a NUL-terminated name; no security attributes, no template.
        unsafe {
            CreateFileW(
                wide.as_ptr(),
                access,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                std::ptr::null(),
                OPEN_EXISTING,
                0,
                std::ptr::null_mut(),
            )
        }
    }

    pub(super) fn attach() {
        let out = missing(STD_OUTPUT_HANDLE);
        let err = missing(STD_ERROR_HANDLE);
        let input = missing(STD_INPUT_HANDLE);
        // Started with its output redirected (a pipe, a file): the parent's handles are
        // already in place, and a console would only take what was meant for them.
        if !out && !err {
            return;
        }
        // SAFETY: AttachConsole takes no pointers; it fails harmlessly when the parent has no
        // console (the Start menu, Explorer) or this process already has one.
        if unsafe { AttachConsole(ATTACH_PARENT_PROCESS) } == 0 {
            return;
        }
        ATTACHED.store(true, Ordering::SeqCst);
        let set = |which: STD_HANDLE, name: &str, access: u32| {
            let handle = open(name, access);
            if handle != INVALID_HANDLE_VALUE {
                // SAFETY: `handle` is a console handle opened above, kept for the process's life.
                unsafe { SetStdHandle(which, handle) };
            }
        };
        if out {
            set(STD_OUTPUT_HANDLE, "CONOUT$", GENERIC_READ | GENERIC_WRITE);
        }
        if err {
            set(STD_ERROR_HANDLE, "CONOUT$", GENERIC_READ | GENERIC_WRITE);
        }
        if input {
            set(STD_INPUT_HANDLE, "CONIN$", GENERIC_READ | GENERIC_WRITE);
        }
    }

    pub(super) fn detach() {
        if !ATTACHED.swap(false, Ordering::SeqCst) {
            return;
        }
        // The window prints nothing to a terminal (its log is in the data folder): the handles
        // set to the console go back to none, then the console is let go.
        for which in [STD_OUTPUT_HANDLE, STD_ERROR_HANDLE, STD_INPUT_HANDLE] {
            // SAFETY: clears an entry of the process's table of standard handles.
            unsafe { SetStdHandle(which, std::ptr::null_mut()) };
        }
        // SAFETY: FreeConsole takes no arguments; it detaches this process from its console.
        unsafe { FreeConsole() };
    }
}
