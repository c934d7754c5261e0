//! One engine per data folder: an OS file lock on `<data>/engine.lock`, held for the engine's
//! life. Two engines on one database would each resume the same sessions and send everything
//! twice; the lock makes the second refuse before it sends anything. The OS drops the lock when
//! the process dies, so a crash never leaves the folder locked. The holder's name is in a file
//! beside it (`engine.holder`): Windows locks a file's bytes against reading too, so a name
//! inside the locked file could not be read while the lock is held.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::text::Msg;

/// The lock file's name inside the data folder.
pub const LOCK_FILE: &str = "engine.lock";
/// The file beside it naming the holder, written only while the lock is held.
pub const HOLDER_FILE: &str = "engine.holder";

/// Why the folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another engine holds it.
    #[error("the data folder is in use by {holder}")]
    Held {
        /// Who, as the holder wrote it (program, pid, host).
        holder: String,
    },
    /// The lock file could not be opened or locked.
    #[error("the lock file {path} could not be used: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl LockError {
    /// What staff can do.
    pub fn advice(&self) -> Msg {
        match self {
            LockError::Held { holder } => Msg::new("engine-busy").text("holder", holder),
            LockError::Io { path, source } => Msg::new("engine-lock-failed")
                .text("path", path.display().to_string())
                .text("reason", source.to_string()),
        }
    }
}

/// A held lock on a data folder; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct FolderLock {
    /// Locked; closing it lets go (after `holder` is emptied, fields drop in order).
    _file: File,
    holder: File,
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Emptied while still held: an engine refused by the next holder, reading before that
        // one has written its name, finds nothing (and looks again) rather than this name.
        let _ = self.holder.set_len(0);
    }
}

/// Locks `dir` for one engine, writing `holder` (e.g. "the window (pid 41)") into the lock
/// file so a refused engine can say who has the folder.
pub fn acquire(dir: &Path, holder: &str) -> Result<FolderLock, LockError> {
    let path = dir.join(LOCK_FILE);
    let io = |source| LockError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let file = crate::platform::private::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    let holder_path = dir.join(HOLDER_FILE);
    let mut holder_file = crate::platform::private::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&holder_path)
        .map_err(|source| LockError::Io {
            path: holder_path.clone(),
            source,
        })?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            // The holder writes its name right after it locks: a file read in between is
            // empty, so look again for a moment before calling it "another avatar-kiosk".
            let mut holder = String::new();
            for _ in 0..50 {
                holder.clear();
                let _ = holder_file.seek(SeekFrom::Start(0));
                let _ = holder_file.read_to_string(&mut holder);
                if !holder.trim().is_empty() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            let holder = holder.trim();
            return Err(LockError::Held {
                holder: if holder.is_empty() {
                    "another avatar-kiosk".to_string()
                } else {
                    holder
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(200)
                        .collect()
                },
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    // The machine's name as the shell gives it (Windows: COMPUTERNAME).
    let host = std::env::var("HOSTNAME")
        .or_else(|_| std::env::var("COMPUTERNAME"))
        .unwrap_or_default();
    let on = if host.is_empty() {
        String::new()
    } else {
        format!(" on {host}")
    };
    let text = format!("{holder} (pid {}){on}\n", std::process::id());
    // Written over the old name, then cut to length: the file is never empty in between.
    holder_file
        .seek(SeekFrom::Start(0))
        .and_then(|_| holder_file.write_all(text.as_bytes()))
        .and_then(|()| holder_file.set_len(text.len() as u64))
        .and_then(|()| holder_file.flush())
        .map_err(|source| LockError::Io {
            path: holder_path,
            source,
        })?;
    Ok(FolderLock {
        _file: file,
        holder: holder_file,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_named_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), "the window").unwrap();
        match acquire(dir.path(), "onboard") {
            Err(LockError::Held { holder }) => {
                assert!(holder.starts_with("the window (pid "), "{holder}")
            }
            other => panic!("expected Held, got {other:?}"),
        }
        drop(first);
        // Let go, it leaves no name behind for a reader to mistake for the next holder's.
        let left = std::fs::read_to_string(dir.path().join(HOLDER_FILE)).unwrap();
        assert_eq!(left, "");
        assert!(acquire(dir.path(), "onboard").is_ok());
    }
}
