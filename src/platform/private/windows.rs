//! Windows: an owner-only ACL. The folder gets a protected DACL (nothing inherited from its
//! parent) with one entry, full control for the current user, inherited by everything created
//! inside it; a file gets the same without inheritance.

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
    let wide = crate::platform::wide(path);
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

#[cfg(test)]
mod tests {
    use super::*;
    use windows_sys::Win32::Security::Authorization::GetNamedSecurityInfoW;
    use windows_sys::Win32::Security::{
        ACCESS_ALLOWED_ACE, ACL_SIZE_INFORMATION, AclSizeInformation, EqualSid, GetAce,
        GetAclInformation, GetSecurityDescriptorControl, PSECURITY_DESCRIPTOR, SE_DACL_PROTECTED,
    };
    use windows_sys::Win32::Storage::FileSystem::FILE_ALL_ACCESS;

    /// What the DACL of `path` says: protected from its parent, and each entry's SID is the
    /// current user's (with full access).
    fn dacl_of(path: &Path) -> (bool, Vec<bool>) {
        let wide = crate::platform::wide(path);
        let mut dacl: *mut ACL = std::ptr::null_mut();
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: `wide` is NUL-terminated; the descriptor is allocated by the system and freed
        // below; `dacl` points into it.
        let got = unsafe {
            GetNamedSecurityInfoW(
                wide.as_ptr(),
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut dacl,
                std::ptr::null_mut(),
                &mut sd,
            )
        };
        assert_eq!(got, 0, "GetNamedSecurityInfoW({})", path.display());
        let mut control = 0u16;
        let mut revision = 0u32;
        // SAFETY: `sd` is the descriptor read above.
        unsafe { GetSecurityDescriptorControl(sd, &mut control, &mut revision) };
        let mut size = ACL_SIZE_INFORMATION {
            AceCount: 0,
            AclBytesInUse: 0,
            AclBytesFree: 0,
        };
        // SAFETY: `dacl` is the descriptor's DACL; `size` is the class's structure.
        let read = unsafe {
            GetAclInformation(
                dacl,
                (&mut size as *mut ACL_SIZE_INFORMATION).cast(),
                std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
                AclSizeInformation,
            )
        };
        assert_ne!(read, 0);
        let user = current_user().unwrap();
        let mut entries = Vec::new();
        for index in 0..size.AceCount {
            let mut ace: *mut core::ffi::c_void = std::ptr::null_mut();
            // SAFETY: `index` is below the ACL's count; `ace` points into the DACL.
            assert_ne!(unsafe { GetAce(dacl, index, &mut ace) }, 0);
            let ace = ace.cast::<ACCESS_ALLOWED_ACE>();
            // SAFETY: an allowed-access entry (the only kind owner_only writes) whose SID
            // starts at SidStart.
            let (mask, same) = unsafe {
                (
                    (*ace).Mask,
                    EqualSid(std::ptr::addr_of_mut!((*ace).SidStart).cast(), user.sid()) != 0,
                )
            };
            entries
                .push(same && (mask == GENERIC_ALL || mask & FILE_ALL_ACCESS == FILE_ALL_ACCESS));
        }
        // SAFETY: `sd` was allocated by GetNamedSecurityInfoW with LocalAlloc.
        unsafe { LocalFree(sd) };
        (control & SE_DACL_PROTECTED != 0, entries)
    }

    /// The data folder and what is made inside it let only this user in: the folder's DACL is
    /// protected (nothing inherited from the profile or a shared parent) with one entry, full
    /// access for the user, which a new file inherits.
    #[test]
    fn a_private_folder_and_its_new_files_let_only_the_user_in() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        super::super::create_dir(&data).unwrap();
        let (protected, entries) = dacl_of(&data);
        assert!(
            entries.contains(&true),
            "the user has full access: {entries:?}"
        );
        // Wine does not implement a protected DACL: it keeps the entries inherited from the
        // parent beside the user's (and enforces none of them). Windows does.
        if crate::platform::under_wine() {
            eprintln!(
                "under Wine: a protected DACL is not implemented there; only the user's entry is checked"
            );
        } else {
            assert!(protected, "the folder's DACL inherits nothing");
            // Windows may keep the inheritable entry as two (mapped rights for the folder, an
            // inherit-only one for what is made inside): each is the user's, with full access.
            assert!(
                entries.iter().all(|e| *e),
                "only the user, full access: {entries:?}"
            );
        }
        let file = data.join("avatar-kiosk.sqlite3");
        super::super::options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&file)
            .unwrap();
        let (_, entries) = dacl_of(&file);
        assert!(
            entries.contains(&true),
            "the user has full access: {entries:?}"
        );
        if !crate::platform::under_wine() {
            assert!(
                entries.iter().all(|e| *e),
                "a new file inside lets only the user in: {entries:?}"
            );
        }
    }
}
