//! Which cameras the desk has. Each system's way of asking is beside the others; what ffmpeg
//! prints is parsed by pure functions, tested on the texts each system gives. ffmpeg prints a
//! listing on standard error and exits non-zero (it opened no input): the text is read anyway.

use std::path::Path;
use std::time::Duration;

use super::{Camera, Kind};

/// The desk's cameras, then the synthetic camera (always last, always there). A system whose
/// cameras are listed by ffmpeg (Windows, macOS) lists none without it.
pub fn cameras(ffmpeg: Option<&Path>) -> Vec<Camera> {
    let mut found = devices(ffmpeg);
    unique_names(&mut found);
    found.push(Camera::test_pattern());
    found
}

#[cfg(target_os = "linux")]
fn devices(_ffmpeg: Option<&Path>) -> Vec<Camera> {
    linux_nodes(Path::new("/sys/class/video4linux"))
}

#[cfg(windows)]
fn devices(ffmpeg: Option<&Path>) -> Vec<Camera> {
    ffmpeg
        .and_then(|f| listing(f, &["-list_devices", "true", "-f", "dshow", "-i", "dummy"]))
        .map(|text| parse_dshow(&text))
        .unwrap_or_default()
}

#[cfg(target_os = "macos")]
fn devices(ffmpeg: Option<&Path>) -> Vec<Camera> {
    ffmpeg
        .and_then(|f| {
            listing(
                f,
                &["-f", "avfoundation", "-list_devices", "true", "-i", ""],
            )
        })
        .map(|text| parse_avfoundation(&text))
        .unwrap_or_default()
}

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
fn devices(_ffmpeg: Option<&Path>) -> Vec<Camera> {
    Vec::new()
}

/// What ffmpeg prints when asked to list (its standard error), or nothing when it could not
/// be run.
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn listing(ffmpeg: &Path, args: &[&str]) -> Option<String> {
    let mut command = crate::platform::spawn::tool(ffmpeg);
    command.args(["-hide_banner", "-nostdin"]).args(args);
    match crate::media::run::bounded(command, Duration::from_secs(15), 256 * 1024) {
        Ok(ran) => Some(String::from_utf8_lossy(&ran.stderr).into_owned()),
        Err(e) => {
            tracing::warn!("listing the cameras with ffmpeg: {e}");
            None
        }
    }
}

/// A line without ffmpeg's `[dshow @ 0000…] ` prefix.
fn unprefixed(line: &str) -> &str {
    let line = line.trim_end();
    match (line.starts_with('['), line.find("] ")) {
        (true, Some(end)) if line[..end].contains(" @ ") => &line[end + 2..],
        _ => line,
    }
}

/// The video devices in DirectShow's listing: ffmpeg 5 and later mark each device `(video)`,
/// `(audio)` or `(none)`; older builds print a heading before each kind. The alternative name
/// (unique even for two identical webcams) is the id when it is given.
pub fn parse_dshow(text: &str) -> Vec<Camera> {
    let mut found = Vec::new();
    let mut section_is_video = false;
    let mut last_was_video = false;
    for line in text.lines().map(unprefixed) {
        let trimmed = line.trim();
        if trimmed.starts_with("DirectShow video devices") {
            section_is_video = true;
            continue;
        }
        if trimmed.starts_with("DirectShow audio devices") {
            section_is_video = false;
            continue;
        }
        if let Some(alt) = trimmed.strip_prefix("Alternative name \"") {
            if let (true, Some(cam)) = (last_was_video, found.last_mut()) {
                let cam: &mut Camera = cam;
                cam.id = alt.trim_end_matches('"').to_string();
            }
            continue;
        }
        let Some(rest) = trimmed.strip_prefix('"') else {
            continue;
        };
        let Some(end) = rest.find('"') else {
            continue;
        };
        let (name, kind) = (&rest[..end], rest[end + 1..].trim());
        last_was_video = if kind.is_empty() {
            section_is_video
        } else {
            kind.trim_matches(|c| c == '(' || c == ')')
                .split(',')
                .any(|k| k.trim() == "video")
        };
        if last_was_video && !name.is_empty() {
            found.push(Camera {
                name: name.to_string(),
                id: name.to_string(),
                kind: Kind::Device,
            });
        }
    }
    found
}

/// The video devices in AVFoundation's listing (`[0] FaceTime HD Camera`), without the
/// screens it offers as cameras. The name is the id: indexes change when a camera is plugged.
pub fn parse_avfoundation(text: &str) -> Vec<Camera> {
    let mut found = Vec::new();
    let mut in_video = false;
    for line in text.lines().map(unprefixed) {
        let trimmed = line.trim();
        if trimmed.starts_with("AVFoundation video devices") {
            in_video = true;
            continue;
        }
        if trimmed.starts_with("AVFoundation audio devices") {
            in_video = false;
            continue;
        }
        let entry = trimmed
            .strip_prefix('[')
            .and_then(|r| r.split_once("] "))
            .filter(|(index, _)| index.chars().all(|c| c.is_ascii_digit()));
        let Some((_, name)) = entry.filter(|_| in_video) else {
            continue;
        };
        // A trailing `[uid:…]` some builds add is not part of the name.
        let name = match name.rfind(" [") {
            Some(at) if name.ends_with(']') => &name[..at],
            _ => name,
        }
        .trim();
        if !name.is_empty() && !name.starts_with("Capture screen") {
            found.push(Camera {
                name: name.to_string(),
                id: name.to_string(),
                kind: Kind::Device,
            });
        }
    }
    found
}

/// Video4Linux's capture nodes under `sys` (`/sys/class/video4linux`), by number: a UVC webcam
/// adds a second node for its metadata (`index` 1), which is not a camera.
pub fn linux_nodes(sys: &Path) -> Vec<Camera> {
    let Ok(entries) = std::fs::read_dir(sys) else {
        return Vec::new();
    };
    let mut nodes: Vec<(u32, Camera)> = entries
        .flatten()
        .filter_map(|entry| {
            let node = entry.file_name().to_string_lossy().into_owned();
            let number: u32 = node.strip_prefix("video")?.parse().ok()?;
            let read = |file: &str| std::fs::read_to_string(entry.path().join(file));
            let index = read("index")
                .ok()
                .and_then(|i| i.trim().parse::<u32>().ok());
            if index.is_some_and(|i| i != 0) {
                return None;
            }
            let name = read("name")
                .map(|n| n.trim().to_string())
                .unwrap_or_default();
            let name = if name.is_empty() { node.clone() } else { name };
            Some((
                number,
                Camera {
                    name,
                    id: format!("/dev/{node}"),
                    kind: Kind::Device,
                },
            ))
        })
        .collect();
    nodes.sort_by_key(|(n, _)| *n);
    nodes.into_iter().map(|(_, c)| c).collect()
}

/// Two cameras of the same model get the same name: the second is told apart by a number.
fn unique_names(cameras: &mut [Camera]) {
    for i in 0..cameras.len() {
        let taken = |name: &str, cams: &[Camera]| cams[..i].iter().any(|c| c.name == name);
        if taken(&cameras[i].name, cameras) || cameras[i].name == super::TEST_PATTERN {
            let base = cameras[i].name.clone();
            let mut n = 2;
            while taken(&format!("{base} ({n})"), cameras) {
                n += 1;
            }
            cameras[i].name = format!("{base} ({n})");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(c: &[Camera]) -> Vec<(&str, &str)> {
        c.iter().map(|c| (c.name.as_str(), c.id.as_str())).collect()
    }

    #[test]
    fn directshow_listings_old_and_new() {
        let new = r#"[dshow @ 000001f2a3b4c5d0] "Integrated Camera" (video)
[dshow @ 000001f2a3b4c5d0]   Alternative name "@device_pnp_\\?\usb#vid_04f2&pid_b6d9&mi_00#6&1#{65e8773d}\global"
[dshow @ 000001f2a3b4c5d0] "Elgato HD60 S" (audio, video)
[dshow @ 000001f2a3b4c5d0]   Alternative name "@device_pnp_elgato"
[dshow @ 000001f2a3b4c5d0] "Microphone (Realtek(R) Audio)" (audio)
[dshow @ 000001f2a3b4c5d0]   Alternative name "@device_cm_{33D9A762}\wave_{1}"
dummy: Immediate exit requested"#;
        assert_eq!(
            names(&parse_dshow(new)),
            vec![
                (
                    "Integrated Camera",
                    r"@device_pnp_\\?\usb#vid_04f2&pid_b6d9&mi_00#6&1#{65e8773d}\global"
                ),
                ("Elgato HD60 S", "@device_pnp_elgato"),
            ]
        );
        let old = r#"[dshow @ 0000000000a1b2c3] DirectShow video devices (some may be both video and audio devices)
[dshow @ 0000000000a1b2c3]  "USB2.0 HD UVC WebCam"
[dshow @ 0000000000a1b2c3]     Alternative name "@device_pnp_usb2"
[dshow @ 0000000000a1b2c3] DirectShow audio devices
[dshow @ 0000000000a1b2c3]  "Microphone Array"
[dshow @ 0000000000a1b2c3]     Alternative name "@device_cm_mic""#;
        assert_eq!(
            names(&parse_dshow(old)),
            vec![("USB2.0 HD UVC WebCam", "@device_pnp_usb2")]
        );
        assert!(parse_dshow("Could not enumerate video devices (or none found).").is_empty());
    }

    #[test]
    fn avfoundation_listing_without_screens() {
        let text = "[AVFoundation indev @ 0x7fa1] AVFoundation video devices:
[AVFoundation indev @ 0x7fa1] [0] FaceTime HD Camera
[AVFoundation indev @ 0x7fa1] [1] Capture screen 0
[AVFoundation indev @ 0x7fa1] [2] Sony ZV-1 [uid:0x1234]
[AVFoundation indev @ 0x7fa1] AVFoundation audio devices:
[AVFoundation indev @ 0x7fa1] [0] MacBook Pro Microphone
: Input/output error";
        assert_eq!(
            names(&parse_avfoundation(text)),
            vec![
                ("FaceTime HD Camera", "FaceTime HD Camera"),
                ("Sony ZV-1", "Sony ZV-1")
            ]
        );
    }

    #[test]
    fn linux_capture_nodes_skip_metadata_and_twins_are_numbered() {
        let sys = tempfile::tempdir().unwrap();
        for (node, name, index) in [
            ("video0", "Integrated Camera: Integrated C", "0"),
            ("video1", "Integrated Camera: Integrated C", "1"),
            ("video10", "Integrated Camera: Integrated C", "0"),
            ("video2", "", "0"),
            ("media0", "not a video node", "0"),
        ] {
            let dir = sys.path().join(node);
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("name"), format!("{name}\n")).unwrap();
            std::fs::write(dir.join("index"), index).unwrap();
        }
        let mut found = linux_nodes(sys.path());
        unique_names(&mut found);
        assert_eq!(
            names(&found),
            vec![
                ("Integrated Camera: Integrated C", "/dev/video0"),
                ("video2", "/dev/video2"),
                ("Integrated Camera: Integrated C (2)", "/dev/video10"),
            ]
        );
        assert!(linux_nodes(&sys.path().join("missing")).is_empty());
    }
}
