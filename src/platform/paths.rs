//! One form for a path: resolved (links, `.` and `..`), so two names of one file compare
//! equal and a path that only looks as if it is inside a folder is seen for what it is. On
//! Windows the `\\?\` prefix the system adds is dropped where the path has a plain form, so a
//! pasted path and a picked one compare equal.

use std::path::{Path, PathBuf};

/// `path` resolved, or `None` when it does not exist.
pub fn canonical(path: &Path) -> Option<PathBuf> {
    let resolved = std::fs::canonicalize(path).ok()?;
    #[cfg(windows)]
    {
        let text = resolved.to_string_lossy();
        if let Some(plain) = text.strip_prefix(r"\\?\")
            && plain.chars().nth(1) == Some(':')
            && plain.len() < 260
        {
            return Some(PathBuf::from(plain));
        }
    }
    Some(resolved)
}

/// `path` resolved, when it lies inside `folder` (resolved too): what a desk may delete or
/// open of what a stored row names.
pub fn inside(path: &Path, folder: &Path) -> Option<PathBuf> {
    let folder = canonical(folder)?;
    let path = canonical(path)?;
    (path.starts_with(&folder) && path != folder).then_some(path)
}

/// The program `name` on the PATH (`name.exe` on Windows), if it is there.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let file = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    };
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(&file))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_that_only_looks_inside_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let renders = dir.path().join("renders");
        std::fs::create_dir_all(&renders).unwrap();
        let video = renders.join("a.mp4");
        let outside = dir.path().join("x");
        std::fs::write(&video, b"v").unwrap();
        std::fs::write(&outside, b"x").unwrap();
        assert!(super::inside(&video, &renders).is_some());
        assert!(super::inside(&renders.join("..").join("x"), &renders).is_none());
        assert!(super::inside(&renders, &renders).is_none());
        assert!(super::inside(&renders.join("missing.mp4"), &renders).is_none());
    }
}
