//! What differs between operating systems, one module per concern, each system's branch
//! beside the others: a port is one place to read.

pub mod console;
pub mod monitors;
pub mod open;
pub mod paths;
pub mod private;
pub mod spawn;

/// `text` as Windows' calls take a string: UTF-16, ending in a NUL.
#[cfg(windows)]
pub(crate) fn wide(text: impl AsRef<std::ffi::OsStr>) -> Vec<u16> {
    use std::os::windows::ffi::OsStrExt;
    text.as_ref().encode_wide().chain([0]).collect()
}

/// Whether this Windows build runs under Wine (its ntdll exports `wine_get_version`): said in
/// the log at start, and used by tests to name what Wine does not do as Windows does. Always
/// `false` elsewhere.
pub fn under_wine() -> bool {
    #[cfg(windows)]
    {
        use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
        let ntdll = wide("ntdll.dll");
        // SAFETY: a NUL-terminated module name; ntdll is loaded in every process.
        let module = unsafe { GetModuleHandleW(ntdll.as_ptr()) };
        // SAFETY: a NUL-terminated export name, looked up in a loaded module.
        !module.is_null()
            && unsafe { GetProcAddress(module, c"wine_get_version".as_ptr().cast()) }.is_some()
    }
    #[cfg(not(windows))]
    false
}
