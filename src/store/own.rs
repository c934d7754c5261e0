//! The files staff picked on this desk, by session: a roster row is written by any desk (or
//! by anyone holding the roster's password), so a local path in it is read, uploaded, fixed
//! or deleted only when this desk's own record has it, or when it lies inside this desk's
//! data folder. The record is a private file in the data folder, one JSON line a file.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The record's file in the data folder.
pub const OWN_FILES: &str = "own-files.jsonl";

/// The data folder's folders of asset files this app makes (existing ones count).
const MADE_HERE: &[&str] = &["fixed", "captures"];

/// This desk's own files.
#[derive(Debug)]
pub struct OwnFiles {
    file: PathBuf,
    /// The folders of the data folder where this app makes asset files itself (fixed videos,
    /// camera captures); not the data folder's other files (settings, the record).
    made_here: Vec<PathBuf>,
    known: Mutex<HashSet<(String, PathBuf)>>,
    /// Every row is this desk's (its own database file, private to this user): no record is
    /// needed to trust a path.
    trusted: bool,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Line {
    session: String,
    path: PathBuf,
}

impl OwnFiles {
    /// The record in `data_dir`. `trusted`: the rows come from this desk's own file (no
    /// shared roster).
    pub fn open(data_dir: &Path, trusted: bool) -> OwnFiles {
        let file = data_dir.join(OWN_FILES);
        let known = std::fs::read_to_string(&file)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Line>(l).ok())
            .map(|l| (l.session, l.path))
            .collect();
        OwnFiles {
            file,
            made_here: MADE_HERE.iter().map(|d| data_dir.join(d)).collect(),
            known: Mutex::new(known),
            trusted,
        }
    }

    /// Records `path` as picked on this desk for `session`.
    pub fn record(&self, session: &str, path: &Path) {
        let Some(path) = crate::platform::paths::canonical(path) else {
            return;
        };
        let key = (session.to_string(), path.clone());
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.contains(&key) {
            return;
        }
        let line = Line {
            session: session.to_string(),
            path,
        };
        let written = serde_json::to_string(&line)
            .map_err(std::io::Error::other)
            .and_then(|l| {
                let mut f = crate::platform::private::options()
                    .create(true)
                    .append(true)
                    .open(&self.file)?;
                writeln!(f, "{l}")
            });
        if let Err(e) = written {
            tracing::warn!("the record of this desk's files could not be written: {e}");
        }
        known.insert(key);
    }

    /// Whether this desk may read, send or delete the local file at `path` for `session`.
    pub fn allows(&self, session: &str, path: &Path) -> bool {
        if self.trusted {
            return true;
        }
        if self
            .made_here
            .iter()
            .any(|folder| crate::platform::paths::inside(path, folder).is_some())
        {
            return true;
        }
        let Some(path) = crate::platform::paths::canonical(path) else {
            return false;
        };
        let key = (session.to_string(), path);
        self.known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_allowed_for_the_session_it_was_picked_for_and_the_record_lasts() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("fixed")).unwrap();
        let picked = dir.path().join("front.jpg");
        let other = dir.path().join("secret.txt");
        let made = data.join("fixed").join("clip.mp4");
        for f in [&picked, &other, &made] {
            std::fs::write(f, b"x").unwrap();
        }
        let own = OwnFiles::open(&data, false);
        own.record("s1", &picked);
        assert!(own.allows("s1", &picked));
        assert!(!own.allows("s2", &picked), "another session's row");
        assert!(!own.allows("s1", &other), "never picked here");
        assert!(own.allows("s1", &made), "made in the data folder");
        let settings = data.join("settings.json");
        std::fs::write(&settings, b"{}").unwrap();
        assert!(
            !own.allows("s1", &settings),
            "the data folder's own files are not assets"
        );
        // `..` does not lead out of the folder: the path is resolved first.
        let escape = data.join("fixed").join("..").join("..").join("secret.txt");
        assert!(!own.allows("s1", &escape));
        let again = OwnFiles::open(&data, false);
        assert!(again.allows("s1", &picked), "read back after a restart");
        assert!(OwnFiles::open(&data, true).allows("s9", &other));
    }
}
