//! One photo or one clip from a camera, in one ffmpeg run each. A clip is recorded straight into
//! an MP4 that meets every limit by construction (H.264, yuv420p, a constant 30 fps, 420,000 to
//! 927,408 pixels whatever the camera gives, no audio, the index at the front, under 48 MB), and
//! the same run hands back a frame from its middle for the hints. A photo is the frame at the
//! camera's full size, encoded once as a JPEG (upright, no metadata) by `media`.
//!
//! Only the finished file is ever at the path asked for: ffmpeg writes a partial file beside it,
//! which is checked, made private and renamed into place, or removed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::hints::{self, Hint};
use super::{Camera, Kind, args};
use crate::media::run::{Ran, RunError, bounded};
use crate::text::Msg;

/// The shortest and longest clip, in seconds (the upstream takes 2 to 15 s).
pub const CLIP_SECONDS: std::ops::RangeInclusive<u32> = 3..=15;
/// A clip's length when nobody says.
pub const DEFAULT_CLIP_SECONDS: u32 = 6;
/// How long a camera runs before a capture starts: its exposure and white balance settle (the
/// window's countdown does this with the preview on).
const SETTLE_FRAMES: u32 = 15;
/// The most pixels of a clip: the tightest ceiling any gateway publishes for a reference video
/// (1280x720 fits); the least is above the upstream's 409,600 by more than rounding takes off.
const CLIP_PIXELS: (u32, u32) = (420_000, 927_408);
/// A backstop on the clip's bytes (the bit rate cap keeps 15 s near 15 MB).
const CLIP_MAX_BYTES: &str = "48M";
/// What ffmpeg may print of a frame (a 4K PNG is about 25 MB).
const FRAME_CAP: usize = 64 * 1024 * 1024;

/// A photo taken.
#[derive(Debug, Clone)]
pub struct Photo {
    /// The JPEG, upright, no metadata.
    pub jpeg: Vec<u8>,
    /// Its sides.
    pub width: u32,
    pub height: u32,
    /// What may make it fail review.
    pub hints: Vec<Hint>,
}

/// A clip recorded.
#[derive(Debug, Clone)]
pub struct Clip {
    /// Where it is.
    pub path: PathBuf,
    /// Its sides, length and frame rate, read back from the file.
    pub facts: crate::media::video::VideoFacts,
    /// Its size in bytes.
    pub bytes: u64,
    /// What may make it fail review (judged on a frame from its middle).
    pub hints: Vec<Hint>,
}

/// Takes one photo with `camera`.
pub fn photo(ffmpeg: &Path, camera: &Camera) -> Result<Photo, Msg> {
    let ran = run_with_modes(camera, Duration::from_secs(30), |input| {
        let mut command = crate::platform::spawn::tool(ffmpeg);
        command
            .args(["-nostdin", "-hide_banner", "-loglevel", "error"])
            .args(input)
            .args(["-an", "-sn", "-dn", "-map_metadata", "-1", "-vf"])
            .arg(format!("select='gte(n\\,{SETTLE_FRAMES})',format=rgb24"))
            .args([
                "-frames:v",
                "1",
                "-c:v",
                "png",
                "-f",
                "image2pipe",
                "pipe:1",
            ]);
        command
    })?;
    let frame = decoded(camera, &ran.stdout)?;
    let hints = hints::of_image(&frame);
    let prepared = crate::media::prepare_image(&ran.stdout, &crate::media::Limits::default())
        .map_err(|b| failed(camera, b.to_string()))?;
    Ok(Photo {
        jpeg: prepared.bytes,
        width: prepared.width,
        height: prepared.height,
        hints,
    })
}

/// Saves `photo` at `out` (private to this user; only the whole file is ever there).
pub fn save_photo(photo: &Photo, out: &Path) -> Result<(), Msg> {
    let part = partial(out);
    crate::platform::private::write(&part, &photo.jpeg)
        .and_then(|()| std::fs::rename(&part, out))
        .map_err(|e| {
            let _ = std::fs::remove_file(&part);
            not_saved(out, &e)
        })
}

/// Records a clip of `seconds` (see [`CLIP_SECONDS`]) with `camera` into `out`.
pub fn clip(ffmpeg: &Path, camera: &Camera, seconds: u32, out: &Path) -> Result<Clip, Msg> {
    if !CLIP_SECONDS.contains(&seconds) {
        return Err(Msg::new("camera-clip-seconds")
            .num("seconds", seconds)
            .num("least", *CLIP_SECONDS.start())
            .num("most", *CLIP_SECONDS.end()));
    }
    let part = partial(out);
    let settle = f64::from(SETTLE_FRAMES) / f64::from(args::RATE);
    let total = format!("{:.3}", settle + f64::from(seconds));
    let middle = seconds * args::RATE / 2;
    let deadline = Duration::from_secs(u64::from(seconds) + 45);
    let rate = args::RATE.to_string();
    let result = run_with_modes(camera, deadline, |input| {
        let mut command = crate::platform::spawn::tool(ffmpeg);
        command
            .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"])
            // Before the input: bounds the whole run, both outputs.
            .args(["-t", &total])
            .args(input)
            .arg("-filter_complex")
            .arg(format!(
                "[0:v]trim=start={settle:.3},setpts=PTS-STARTPTS,fps={rate},{scale},setsar=1,\
                 format=yuv420p,split=2[v][s];[s]select='eq(n\\,{middle})',format=rgb24[f]",
                scale = scale_filter(),
            ))
            .args(["-map", "[v]", "-an", "-sn", "-dn"])
            .args(["-map_metadata", "-1", "-map_chapters", "-1"])
            .args(["-c:v", "libx264", "-preset", "veryfast", "-crf", "20"])
            .args(["-maxrate", "8M", "-bufsize", "16M", "-r", &rate])
            .args([
                "-movflags",
                "+faststart",
                "-fs",
                CLIP_MAX_BYTES,
                "-f",
                "mp4",
            ])
            .arg(&part)
            .args(["-map", "[f]", "-frames:v", "1", "-c:v", "png"])
            .args(["-f", "image2pipe", "pipe:1"]);
        command
    });
    let finish = || -> Result<Clip, Msg> {
        let ran = result?;
        let check = crate::media::video::check_file_blocking(&part);
        if let Some(why) = crate::media::video::advice(&check.problems) {
            return Err(failed(camera, why.english()));
        }
        let facts = check
            .facts
            .ok_or_else(|| failed(camera, "the clip has no index".into()))?;
        let hints = decoded(camera, &ran.stdout)
            .map(|f| hints::of_image(&f))
            .unwrap_or_default();
        crate::platform::private::narrow_path(&part)
            .and_then(|()| std::fs::rename(&part, out))
            .map_err(|e| not_saved(out, &e))?;
        let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
        Ok(Clip {
            path: out.to_path_buf(),
            facts,
            bytes,
            hints,
        })
    };
    let clip = finish();
    if clip.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    clip
}

/// The scale that brings any camera's picture to [`CLIP_PIXELS`], keeping its shape, both
/// sides even (H.264 in yuv420p needs it).
fn scale_filter() -> String {
    let (least, most) = CLIP_PIXELS;
    let factor = format!("sqrt(clip(iw*ih\\,{least}\\,{most})/(iw*ih))");
    format!("scale=w='2*trunc(iw*{factor}/2)':h='2*trunc(ih*{factor}/2)'")
}

/// Runs the command `make` builds for the camera's input; a device that refuses the mode it
/// was asked for is asked again with none.
fn run_with_modes(
    camera: &Camera,
    deadline: Duration,
    make: impl Fn(Vec<OsString>) -> std::process::Command,
) -> Result<Ran, Msg> {
    let modes: &[bool] = match camera.kind {
        Kind::Device => &[true, false],
        Kind::Synthetic => &[true],
    };
    let mut last = None;
    for &ask in modes {
        match bounded(make(args::input(camera, ask)), deadline, FRAME_CAP) {
            Ok(ran) if ran.status.success() && !ran.stdout.is_empty() => return Ok(ran),
            Ok(ran) => last = Some(failed(camera, last_line(&ran.stderr))),
            Err(RunError::Start(e)) => return Err(failed(camera, e.to_string())),
            Err(e) => last = Some(failed(camera, e.to_string())),
        }
    }
    Err(last.unwrap_or_else(|| failed(camera, String::new())))
}

fn decoded(camera: &Camera, png: &[u8]) -> Result<image::RgbImage, Msg> {
    image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .map(|i| i.to_rgb8())
        .map_err(|e| failed(camera, format!("its frame could not be read: {e}")))
}

/// The partial file beside `out`: hidden, and never a name staff gave.
fn partial(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(".{name}.{}.part", uuid::Uuid::new_v4().simple()))
}

/// What ffmpeg said last: its reason.
fn last_line(stderr: &[u8]) -> String {
    String::from_utf8_lossy(stderr)
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("ffmpeg stopped without a picture")
        .to_string()
}

fn failed(camera: &Camera, detail: String) -> Msg {
    Msg::new("camera-failed")
        .text("name", camera.name.clone())
        .text("detail", detail)
}

fn not_saved(out: &Path, e: &std::io::Error) -> Msg {
    Msg::new("camera-not-saved")
        .text("path", out.display().to_string())
        .text("detail", e.to_string())
}
