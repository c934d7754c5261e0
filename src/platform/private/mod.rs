//! Files and folders only this user can read: the data folder holds people's names, photos,
//! videos and the staff PIN's hash. On Unix, folders are 0700 and files 0600; on Windows the
//! default data folder is in the user's own profile (`%LOCALAPPDATA%`), and every folder the app
//! keeps data in gets an owner-only ACL inherited by what is made inside it (windows.rs).

#[cfg(windows)]
mod windows;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Makes every file and folder this process (and its children: ffmpeg, the log's daily file)
/// creates private unless said otherwise. Call it first in `main`.
pub fn mask_new_files() {
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates `dir` (and its parents) and makes it private. Used for folders under the data
/// folder, which belong to the app whether or not they existed.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    narrow_dir(dir)
}

/// Makes an existing folder private.
pub fn narrow_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o777 != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    #[cfg(windows)]
    windows::owner_only(dir, true)?;
    Ok(())
}

/// Options that create a file private from its first byte (on Windows, through the folder's
/// inherited ACL).
pub fn options() -> OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut options = OpenOptions::new();
        options.mode(0o600);
        options
    }
    #[cfg(not(unix))]
    OpenOptions::new()
}

/// Makes an open file private (a file that existed keeps its old mode through `open`).
pub fn narrow_file(file: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o777 != 0o600 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(windows)]
    let _ = file;
    Ok(())
}

/// Makes the file at `path` private, when it exists. A link is left alone (not followed).
///
/// The file is never opened: on Unix, closing any descriptor of a file drops every lock this
/// process holds on it, so opening the database (or its `-wal` and `-shm`) here would take
/// SQLite's locks away under it, and the next program to open the database would delete the
/// write-ahead log the app still writes to.
pub fn narrow_path(path: &Path) -> std::io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.is_file() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o777 != 0o600 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    // A file made in a private folder inherits its ACL; one made elsewhere gets its own.
    #[cfg(windows)]
    windows::owner_only(path, false)?;
    Ok(())
}

/// Writes `bytes` to a private file at `path` (replacing what was there).
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    narrow_file(&file)?;
    #[cfg(windows)]
    windows::owner_only(path, false)?;
    file.write_all(bytes)?;
    file.flush()
}

/// Makes every folder and file under `dir` private (not `dir` itself: a `--data-dir` given
/// keeps its own mode, sticky bit and all). Links are not followed. Gives how many entries
/// were narrowed.
pub fn narrow_tree(dir: &Path) -> std::io::Result<usize> {
    let mut narrowed = 0;
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            let path = entry.path();
            if kind.is_dir() {
                if !is_private(&path, 0o700)? {
                    narrow_dir(&path)?;
                    narrowed += 1;
                }
                folders.push(path);
            } else if kind.is_file() && !is_private(&path, 0o600)? {
                narrow_path(&path)?;
                narrowed += 1;
            }
        }
    }
    Ok(narrowed)
}

#[cfg(unix)]
fn is_private(path: &Path, want: u32) -> std::io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::symlink_metadata(path)?.permissions().mode() & 0o777 == want)
}

/// On Windows, folders are narrowed (their ACL is inherited by the files inside).
#[cfg(windows)]
fn is_private(path: &Path, _want: u32) -> std::io::Result<bool> {
    Ok(!std::fs::symlink_metadata(path)?.is_dir())
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    /// Folders and files that existed open to others (an older version, a copy, a umask of
    /// 022) are narrowed; the folder given is left as it is.
    #[test]
    fn an_open_tree_is_narrowed_but_not_its_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let renders = root.join("renders");
        std::fs::create_dir(&renders).unwrap();
        std::fs::set_permissions(&renders, std::fs::Permissions::from_mode(0o755)).unwrap();
        let video = renders.join("a.mp4");
        std::fs::write(&video, b"x").unwrap();
        std::fs::set_permissions(&video, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(super::narrow_tree(root).unwrap(), 2);
        assert_eq!(
            (mode(root), mode(&renders), mode(&video)),
            (0o755, 0o700, 0o600)
        );
        assert_eq!(super::narrow_tree(root).unwrap(), 0, "nothing left to do");
        let settings = root.join("settings.json");
        std::fs::write(&settings, b"{}").unwrap();
        std::fs::set_permissions(&settings, std::fs::Permissions::from_mode(0o644)).unwrap();
        super::write(&settings, b"{\"a\":1}").unwrap();
        assert_eq!(mode(&settings), 0o600);
    }
}
