//! Local videos beyond the index check: whether one can be sent, its poster frame, and the
//! fixes (trim, scale, frame rate, size, H.264) made with `ffmpeg` when it is on the PATH. It is
//! recommended, never required: without it a video is still checked, with no poster and no fix.
//! The original is never changed: a fix writes a new file.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::video::{self, VideoFacts, VideoProblem, limits};
use crate::text::Msg;

/// The `ffmpeg` program on the PATH, looked for once.
pub fn ffmpeg() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| crate::platform::paths::on_path("ffmpeg"))
        .as_deref()
}

/// SHA-256 of a file, hex, read in pieces (a video is not held in memory).
pub fn file_hash(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Problems a re-encode can mend: too long, frame rate, size, pixels, bytes, codec. A file that
/// is too short, cut off, unreadable or of the wrong shape cannot be.
pub fn fixable(problems: &[VideoProblem]) -> bool {
    !problems.is_empty()
        && problems.iter().all(|p| {
            matches!(
                p,
                VideoProblem::TooLong(_)
                    | VideoProblem::FrameRate(_)
                    | VideoProblem::Side(..)
                    | VideoProblem::Pixels(..)
                    | VideoProblem::TooLarge(_)
                    | VideoProblem::Codec(_)
            )
        })
}

/// What the check of a local video found.
#[derive(Debug, Clone)]
pub struct LocalVideo {
    /// Its length, when its index could be read (the Fix dialog's range).
    pub length_ms: Option<u64>,
    /// A frame to show, when ffmpeg can decode one.
    pub poster: Option<super::Thumbnail>,
    /// Its hash when it can be sent, else what is wrong and what to do.
    pub verdict: Result<String, Msg>,
}

/// Whether a local video can be sent (runs on a blocking thread): its hash when it can go,
/// else what is wrong and what to do (Fix, getting ffmpeg, or `bucket`'s reason why none can
/// be used); with what its index says. No frame is decoded.
pub fn verdict(path: &Path, bucket: Result<(), Msg>) -> (video::VideoCheck, Result<String, Msg>) {
    let check = video::check_file_blocking(path);
    let verdict = match video::advice(&check.problems) {
        Some(why) if !fixable(&check.problems) => Err(why),
        Some(why) if ffmpeg().is_some() => Err(Msg::new("video-fixable").msg("problem", why)),
        Some(why) => Err(Msg::new("video-need-ffmpeg").msg("problem", why)),
        None => bucket.and_then(|()| file_hash(path).map_err(|e| super::unreadable(path, &e))),
    };
    (check, verdict)
}

/// The one check of a local video before it is a row: its [`verdict`], and its poster either
/// way (a blocked video is shown too, to choose where a fix starts).
pub fn check_local(path: &Path, bucket: Result<(), Msg>) -> LocalVideo {
    let (check, verdict) = self::verdict(path, bucket);
    let poster = check
        .facts
        .as_ref()
        .and_then(|_| ffmpeg())
        .and_then(|f| poster(f, path));
    LocalVideo {
        length_ms: check.facts.map(|f| f.duration_ms),
        poster,
        verdict,
    }
}

/// How long ffmpeg may take to give a poster frame, and the most of it read.
const POSTER_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);
const POSTER_CAP: usize = 8 * 1024 * 1024;
/// How long a fix may take (a 50 MB 4K video on two cores takes about a minute).
const FIX_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// A small frame from the start of the video, when ffmpeg can decode it.
pub fn poster(ffmpeg: &Path, path: &Path) -> Option<super::Thumbnail> {
    let mut command = crate::platform::spawn::tool(ffmpeg);
    command
        .args([
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-ss",
            "0.5",
            "-i",
        ])
        .arg(file_input(path))
        .args(["-frames:v", "1", "-vf", "scale=320:-2", "-f", "image2pipe"])
        .args(["-c:v", "png", "-"]);
    let out = super::run::bounded(command, POSTER_DEADLINE, POSTER_CAP)
        .inspect_err(|e| tracing::debug!("no poster frame: {e}"))
        .ok()?;
    if !out.status.success() {
        return None;
    }
    // Decoded as it is: a frame may be smaller than a photo may be (the limits are a photo's).
    image::load_from_memory_with_format(&out.stdout, image::ImageFormat::Png)
        .ok()
        .map(|frame| super::thumbnail_of(&frame))
}

/// The longest part a fix keeps, in milliseconds.
pub const KEPT_MS: u64 = limits::MAX_MS - 100;

/// What a fix does to a video: the part kept, the new frame size and rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Where the part kept starts, in milliseconds.
    pub start_ms: u64,
    /// How long it is (at most 15 s).
    pub length_ms: u64,
    /// The new frame size (even numbers), when it changes.
    pub size: Option<(u32, u32)>,
    /// The new frame rate, when it changes.
    pub fps: Option<u32>,
}

/// The even size nearest `w×h × factor`, its aspect kept.
fn scaled(w: u32, h: u32, factor: f64) -> (u32, u32) {
    let even = |x: f64| ((x / 2.0).round() as u32 * 2).max(2);
    (even(f64::from(w) * factor), even(f64::from(h) * factor))
}

/// What a fix of `facts` starting at `start_ms` does.
pub fn plan(facts: &VideoFacts, start_ms: u64) -> Plan {
    let start_ms = start_ms.min(facts.duration_ms.saturating_sub(limits::MIN_MS));
    // A little under 15 s: ffmpeg keeps whole frames, and at 29.97 fps 15 s is 15.015 s.
    let length_ms = (facts.duration_ms - start_ms).min(KEPT_MS);
    let (w, h) = (facts.width.max(1), facts.height.max(1));
    let pixels = f64::from(w) * f64::from(h);
    let (long, short) = (f64::from(w.max(h)), f64::from(w.min(h)));
    let shrink = (limits::MAX_PIXELS as f64 * 0.97 / pixels)
        .sqrt()
        .min(f64::from(limits::MAX_SIDE) / long);
    let grow = (limits::MIN_PIXELS as f64 * 1.03 / pixels)
        .sqrt()
        .max(f64::from(limits::MIN_SIDE) * 1.01 / short);
    // Only a size out of range changes, and then with a little room inside the limits.
    let too_big = pixels > limits::MAX_PIXELS as f64 || long > f64::from(limits::MAX_SIDE);
    let too_small = pixels < limits::MIN_PIXELS as f64 || short < f64::from(limits::MIN_SIDE);
    let size = if too_big {
        Some(scaled(w, h, shrink))
    } else if too_small {
        Some(scaled(w, h, grow))
    } else {
        None
    };
    let fps = if facts.fps < limits::MIN_FPS - 0.05 {
        Some(24)
    } else if facts.fps > limits::MAX_FPS {
        Some(30)
    } else {
        None
    };
    Plan {
        start_ms,
        length_ms,
        size,
        fps,
    }
}

/// Makes a fixed copy of `source` (whose SHA-256 is `hash`) in `out_dir` by `plan`: H.264, no
/// audio, no metadata, under 50 MB. The copy is checked again; the original is left as it was.
pub fn fix(
    ffmpeg: &Path,
    source: &Path,
    hash: &str,
    plan: &Plan,
    out_dir: &Path,
) -> Result<PathBuf, Msg> {
    let failed = |reason: String| {
        Msg::new("video-fix-failed").text("reason", crate::text::short_printable(&reason, 200))
    };
    crate::platform::private::create_dir(out_dir).map_err(|e| failed(e.to_string()))?;
    let stem = source
        .file_stem()
        .map(|s| super::safe_name(&s.to_string_lossy()))
        .unwrap_or_else(|| "video".into());
    // Named by content and start: another video under the same name is another copy.
    let tag: String = hash.chars().take(16).collect();
    let out = out_dir.join(format!("{stem}-fixed-{tag}-{}.mp4", plan.start_ms));
    // Two fixes at once never write the same partial file.
    let part = out_dir.join(format!("{}.part.mp4", uuid::Uuid::new_v4().simple()));
    let mut filters = Vec::new();
    if let Some((w, h)) = plan.size {
        filters.push(format!("scale={w}:{h}"));
    }
    if let Some(fps) = plan.fps {
        filters.push(format!("fps={fps}"));
    }
    filters.push("format=yuv420p".into());
    let secs = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let mut command = crate::platform::spawn::tool(ffmpeg);
    command
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
        .args(["-ss", &secs(plan.start_ms), "-i"])
        // As a file, whatever its name looks like (`-x.mp4`, `http:x.mp4`).
        .arg(file_input(source))
        .args([
            "-t",
            &secs(plan.length_ms),
            "-map",
            "0:v:0",
            "-an",
            "-sn",
            "-dn",
        ])
        .args([
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-vf",
            &filters.join(","),
        ])
        .args(["-c:v", "libx264", "-preset", "veryfast", "-crf", "20"])
        .args([
            "-maxrate",
            "20M",
            "-bufsize",
            "40M",
            "-movflags",
            "+faststart",
        ])
        .arg(&part);
    let result = match super::run::bounded(command, FIX_DEADLINE, 64 * 1024) {
        Ok(ran) => ran,
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            return Err(failed(e.to_string()));
        }
    };
    if !result.status.success() {
        let _ = std::fs::remove_file(&part);
        return Err(failed(String::from_utf8_lossy(&result.stderr).into_owned()));
    }
    // ffmpeg made the file with the process's mask: a person's video is private.
    crate::platform::private::narrow_path(&part).map_err(|e| failed(e.to_string()))?;
    std::fs::rename(&part, &out).map_err(|e| failed(e.to_string()))?;
    let again = video::check_file_blocking(&out);
    if let Some(why) = video::advice(&again.problems) {
        let _ = std::fs::remove_file(&out);
        return Err(Msg::new("video-fix-short").msg("problem", why));
    }
    Ok(out)
}

/// A local path as ffmpeg's input, read as a file whatever its name looks like.
fn file_input(path: &Path) -> std::ffi::OsString {
    let mut input = std::ffi::OsString::from("file:");
    input.push(path.as_os_str());
    input
}

/// Fixes a local video when it needs it and can be: the fixed copy's path (`None`: it needs no
/// fix; an error: what is wrong and why it was not fixed).
pub fn fix_if_needed(source: &Path, start_ms: u64, out_dir: &Path) -> Result<Option<PathBuf>, Msg> {
    let check = video::check_file_blocking(source);
    let Some(why) = video::advice(&check.problems) else {
        return Ok(None);
    };
    let (Some(facts), true) = (check.facts, fixable(&check.problems)) else {
        return Err(why);
    };
    let Some(ffmpeg) = ffmpeg() else {
        return Err(Msg::new("video-need-ffmpeg").msg("problem", why));
    };
    let hash = file_hash(source).map_err(|e| super::unreadable(source, &e))?;
    fix(ffmpeg, source, &hash, &plan(&facts, start_ms), out_dir).map(Some)
}
