//! Windows: an owner-only ACL. The folder gets a protected DACL (nothing inherited from its
//! parent) with one entry, full control for the current user, inherited by everything created
//! inside it; a file gets the same without inheritance.

use std::os::windows::ffi::OsStrExt;
use std::path::Path;

use windows_sys::Win32::Foundation::{CloseHandle, GENERIC_ALL, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::{
    EXPLICIT_ACCESS_W, NO_MULTIPLE_TRUSTEE, SE_FILE_OBJECT, SET_ACCESS, SetEntriesInAclW,
    SetNamedSecurityInfoW, TRUSTEE_IS_SID, TRUSTEE_IS_USER, TRUSTEE_W,
};
use windows_sys::Win32::Security::{
    ACL, DACL_SECURITY_INFORMATION, GetTokenInformation, NO_INHERITANCE,
    PROTECTED_DACL_SECURITY_INFORMATION, SUB_CONTAINERS_AND_OBJECTS_INHERIT, TOKEN_QUERY,
    TOKEN_USER, TokenUser,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// Gives `path` (a folder when `folder`) an ACL that lets only the current user in.
pub(super) fn owner_only(path: &Path, folder: bool) -> std::io::Result<()> {
    let user = current_user()?;
    // TOKEN_USER's first field is the SID's address, inside the buffer kept alive here.
    let sid = user.sid();
    let access = EXPLICIT_ACCESS_W {
        grfAccessPermissions: GENERIC_ALL,
        grfAccessMode: SET_ACCESS,
        grfInheritance: if folder {
            SUB_CONTAINERS_AND_OBJECTS_INHERIT
        } else {
            NO_INHERITANCE
        },
        Trustee: TRUSTEE_W {
            pMultipleTrustee: std::ptr::null_mut(),
            MultipleTrusteeOperation: NO_MULTIPLE_TRUSTEE,
            TrusteeForm: TRUSTEE_IS_SID,
            TrusteeType: TRUSTEE_IS_USER,
            ptstrName: sid.cast(),
        },
    };
    let mut acl: *mut ACL = std::ptr::null_mut();
    // SAFETY: `access` is a valid entry whose SID lives in `user` for this call; the new ACL is
    // allocated by the system and freed below.
    let made = unsafe { SetEntriesInAclW(1, &access, std::ptr::null(), &mut acl) };
    if made != 0 {
        return Err(std::io::Error::from_raw_os_error(made as i32));
    }
    let wide: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
    // SAFETY: `wide` is a NUL-terminated path; `acl` was made above; owner, group and SACL are
    // left as they are (null).
    let set = unsafe {
        SetNamedSecurityInfoW(
            wide.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            acl,
            std::ptr::null(),
        )
    };
    // SAFETY: `acl` came from SetEntriesInAclW, which allocates with LocalAlloc.
    unsafe { LocalFree(acl.cast()) };
    if set != 0 {
        return Err(std::io::Error::from_raw_os_error(set as i32));
    }
    Ok(())
}

/// The current process's user, as its token says (a buffer holding a `TOKEN_USER`).
struct User(Vec<u64>);

impl User {
    fn sid(&self) -> *mut core::ffi::c_void {
        // SAFETY: the buffer was filled by GetTokenInformation(TokenUser), so it starts with a
        // TOKEN_USER; it is 8-byte aligned (a Vec<u64>).
        unsafe { (*self.0.as_ptr().cast::<TOKEN_USER>()).User.Sid }
    }
}

fn current_user() -> std::io::Result<User> {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: GetCurrentProcess gives a pseudo-handle; `token` receives a handle closed below.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut needed = 0u32;
    // SAFETY: a first call with no buffer asks for the size.
    unsafe { GetTokenInformation(token, TokenUser, std::ptr::null_mut(), 0, &mut needed) };
    let mut buffer = vec![0u64; (needed as usize).div_ceil(8).max(1)];
    let bytes = u32::try_from(buffer.len() * 8).unwrap_or(u32::MAX);
    // SAFETY: `buffer` holds `bytes` writable bytes.
    let got = unsafe {
        GetTokenInformation(
            token,
            TokenUser,
            buffer.as_mut_ptr().cast(),
            bytes,
            &mut needed,
        )
    };
    let error = std::io::Error::last_os_error();
    // SAFETY: `token` was opened above and is closed once.
    unsafe { CloseHandle(token) };
    if got == 0 {
        return Err(error);
    }
    Ok(User(buffer))
}
