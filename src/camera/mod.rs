//! The desk's cameras, through ffmpeg on every system (`v4l2` on Linux, `dshow` on Windows,
//! `avfoundation` on macOS) and a synthetic camera (`lavfi`) that takes exactly the same path:
//! the demo offers it and every test uses it. One ffmpeg process per action, since a camera
//! is held by one process at a time.
//!
//! Why ffmpeg and not a native capture crate: it is already the app's tool for fixing videos,
//! it encodes the clip (H.264 in MP4) in the same run that reads the camera, and it has a
//! synthetic source, so tests need no camera.

pub mod args;
pub mod capture;
pub mod hints;
pub mod list;
pub mod stream;

use serde::Serialize;

use crate::text::Msg;

/// The synthetic camera's name (always listed).
pub const TEST_PATTERN: &str = "test-pattern";

/// A camera staff can choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Camera {
    /// Its name, as staff see it (unique in a listing).
    pub name: String,
    /// What ffmpeg is given to open it: a device node on Linux, DirectShow's alternative name
    /// on Windows, the device's name on macOS; the synthetic camera's name for it.
    pub id: String,
    /// A real device or the synthetic camera.
    pub kind: Kind,
}

/// What a camera is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A webcam or a capture card.
    Device,
    /// The moving test picture with a face-like shape.
    Synthetic,
}

impl Kind {
    /// Its word in listings (the same as in JSON).
    pub fn word(self) -> &'static str {
        match self {
            Kind::Device => "device",
            Kind::Synthetic => "synthetic",
        }
    }
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.word())
    }
}

impl Camera {
    /// The synthetic camera.
    pub fn test_pattern() -> Camera {
        Camera {
            name: TEST_PATTERN.into(),
            id: TEST_PATTERN.into(),
            kind: Kind::Synthetic,
        }
    }
}

/// The camera called `wanted` among `cameras`: by its name, else by its id, else by its name
/// in any case; or what to do when there is none.
pub fn find(cameras: &[Camera], wanted: &str) -> Result<Camera, Msg> {
    let wanted = wanted.trim();
    cameras
        .iter()
        .find(|c| c.name == wanted)
        .or_else(|| cameras.iter().find(|c| c.id == wanted))
        .or_else(|| {
            cameras
                .iter()
                .find(|c| c.name.to_lowercase() == wanted.to_lowercase())
        })
        .cloned()
        .ok_or_else(|| {
            let known: Vec<&str> = cameras.iter().map(|c| c.name.as_str()).collect();
            Msg::new("camera-unknown")
                .text("name", wanted)
                .text("known", known.join(", "))
        })
}

/// The camera gave no picture: which, and ffmpeg's (or the system's) reason.
pub(crate) fn failed(camera: &Camera, detail: String) -> Msg {
    Msg::new("camera-failed")
        .text("name", camera.name.clone())
        .text("detail", detail)
}

/// What ffmpeg said last (its reason), when it said anything.
pub(crate) fn last_line(stderr: &[u8]) -> Option<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// A capture could not be written at `out`.
pub(crate) fn not_saved(out: &std::path::Path, e: &std::io::Error) -> Msg {
    Msg::new("camera-not-saved")
        .text("path", out.display().to_string())
        .text("detail", e.to_string())
}

/// What to say when ffmpeg is missing.
pub fn need_ffmpeg() -> Msg {
    Msg::new("camera-need-ffmpeg")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_camera_is_found_by_name_then_id_then_any_case() {
        let cams = vec![
            Camera {
                name: "Integrated Camera".into(),
                id: "/dev/video0".into(),
                kind: Kind::Device,
            },
            Camera::test_pattern(),
        ];
        assert_eq!(find(&cams, "Integrated Camera").unwrap().id, "/dev/video0");
        assert_eq!(
            find(&cams, "/dev/video0").unwrap().name,
            "Integrated Camera"
        );
        assert_eq!(find(&cams, " integrated camera").unwrap().id, "/dev/video0");
        let missing = find(&cams, "Studio cam").unwrap_err().english();
        assert!(missing.contains("Studio cam"), "{missing}");
        assert!(
            missing.contains("Integrated Camera, test-pattern"),
            "{missing}"
        );
    }
}
