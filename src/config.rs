//! Where the app keeps its files, and the settings every mode shares.

use std::path::{Path, PathBuf};

/// The directory for the database, logs and settings: `--data-dir`, else the platform data
/// directory (`~/.local/share/avatar-kiosk` on Linux), else `./avatar-kiosk-data`.
pub fn data_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    directories::ProjectDirs::from("", "", "avatar-kiosk")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("avatar-kiosk-data"))
}

/// Creates the data directory (owner-only on Unix: it will hold personal data).
pub fn ensure_data_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The version and the commit the binary was built from, e.g. `0.1.0 (3f2a9c1b7d20)`.
pub const VERSION_LINE: &str = env!("AVATAR_KIOSK_VERSION_LINE");
