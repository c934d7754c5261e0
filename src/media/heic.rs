//! HEIC/HEIF photos (the iPhone's default), which APIMart does not take (JPEG, PNG, WebP and GIF
//! only) and no Rust decoder here reads, are decoded by a tool the system has: libheif's
//! `heif-convert` (Debian/Ubuntu `libheif-examples`, macOS `brew install libheif`), else
//! ImageMagick 7's `magick` (Windows `winget install ImageMagick.ImageMagick`, which reads HEIC).
//! The picture comes back upright (both apply the photo's rotation) as a PNG without metadata,
//! and then goes through the same preparation as any photo: one JPEG, no metadata.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use super::Blocked;

/// How long a decode may take.
const DEADLINE: Duration = Duration::from_secs(60);
/// The largest decoded picture read back (a 100-megapixel PNG is under this).
const MAX_PNG_BYTES: u64 = 512 * 1024 * 1024;

/// A tool that decodes HEIC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    /// libheif's `heif-convert IN OUT.png`.
    HeifConvert,
    /// ImageMagick 7's `magick IN -auto-orient -strip OUT.png`.
    Magick,
}

/// The decoder on the PATH, looked for once.
fn decoder() -> Option<(Tool, &'static Path)> {
    static FOUND: OnceLock<Option<(Tool, PathBuf)>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            [
                (Tool::HeifConvert, "heif-convert"),
                (Tool::Magick, "magick"),
            ]
            .into_iter()
            .find_map(|(tool, name)| crate::platform::paths::on_path(name).map(|p| (tool, p)))
        })
        .as_ref()
        .map(|(t, p)| (*t, p.as_path()))
}

/// Whether this machine can read HEIC photos.
pub fn readable() -> bool {
    decoder().is_some()
}

/// The HEIC photo `bytes` as an upright PNG without metadata; [`Blocked::Heic`] (which says
/// what to install) when no decoder is here, [`Blocked::Corrupt`] when it could not be read.
pub fn to_png(bytes: &[u8]) -> Result<Vec<u8>, Blocked> {
    let (tool, program) = decoder().ok_or(Blocked::Heic)?;
    // The tools read and write files: a private folder of this decode's own, removed after.
    let dir = WorkDir(std::env::temp_dir().join(format!(
        "avatar-kiosk-heic-{}",
        uuid::Uuid::new_v4().simple()
    )));
    crate::platform::private::create_dir(&dir.0)
        .map_err(|e| Blocked::Corrupt(format!("could not make a work folder: {e}")))?;
    let input = dir.0.join("photo.heic");
    let output = dir.0.join("photo.png");
    crate::platform::private::write(&input, bytes)
        .map_err(|e| Blocked::Corrupt(format!("could not write a work file: {e}")))?;
    let mut command = crate::platform::spawn::tool(program);
    match tool {
        Tool::HeifConvert => command.arg(&input).arg(&output),
        Tool::Magick => {
            // Read as HEIC whatever the content claims; written as PNG.
            let mut heic = std::ffi::OsString::from("heic:");
            heic.push(&input);
            let mut png = std::ffi::OsString::from("png:");
            png.push(&output);
            command.arg(heic).args(["-auto-orient", "-strip"]).arg(png)
        }
    };
    let ran = super::run::bounded(command, DEADLINE, 64 * 1024)
        .map_err(|e| Blocked::Corrupt(format!("the HEIC decoder {e}")))?;
    // A file of several pictures comes out as `photo-1.png`, `photo-2.png`…: the first is it.
    let made = std::fs::read_dir(&dir.0).ok().and_then(|entries| {
        let mut pngs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        pngs.sort();
        pngs.into_iter().next()
    });
    let png = made
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() <= MAX_PNG_BYTES))
        .and_then(|p| std::fs::read(p).ok())
        .filter(|_| ran.status.success());
    png.ok_or_else(|| {
        let said = String::from_utf8_lossy(&ran.stderr);
        let last = said.lines().rev().map(str::trim).find(|l| !l.is_empty());
        Blocked::Corrupt(format!(
            "the HEIC photo could not be decoded: {}",
            last.unwrap_or("the decoder gave no picture")
        ))
    })
}

/// A work folder, removed with what it holds when dropped.
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
