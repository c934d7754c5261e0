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
use super::stream::Sink;
use super::{Camera, Kind, args, failed, last_line, not_saved};
use crate::media::run::{RunError, bounded, streaming};
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
/// A camera that refuses a mode does so before this.
const REFUSED_AT_ONCE: Duration = Duration::from_secs(5);
/// What is kept of ffmpeg's standard output when no preview is on it (nothing is expected).
const FRAME_CAP: usize = 64 * 1024;

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

/// One capture at a time in this process: a camera is held by one process, so a second
/// capture waits for the first instead of finding the camera busy.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static CAMERA: std::sync::Mutex<()> = std::sync::Mutex::new(());
    CAMERA
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How a capture begins: how long the camera runs first (a countdown on screen; at least the
/// time its exposure takes to settle), and where its live frames go meanwhile and after.
#[derive(Debug, Clone, Default)]
pub struct Lead {
    /// Seconds before the photo is taken or the clip starts.
    pub seconds: f64,
    /// The window's preview, kept live by this capture (the camera is held by one process).
    pub sink: Option<Sink>,
}

impl Lead {
    /// The shortest lead: the camera's exposure settles, nobody watches.
    pub fn settle() -> Lead {
        Lead {
            seconds: f64::from(SETTLE_FRAMES) / f64::from(args::RATE),
            sink: None,
        }
    }

    /// The camera's frames before the photo or the clip: never fewer than it needs to settle.
    fn frames(&self) -> u32 {
        ((self.seconds * f64::from(args::RATE)).round() as u32).max(SETTLE_FRAMES)
    }
}

/// Takes one photo with `camera` after `lead` and saves it at `out` (private to this user;
/// only the whole file is ever there).
pub fn photo(ffmpeg: &Path, camera: &Camera, lead: &Lead, out: &Path) -> Result<Photo, Msg> {
    let _held = one_at_a_time();
    let still = partial(out, "png");
    // By time, not by frame: a camera in dim light gives fewer frames a second.
    let at = f64::from(lead.frames()) / f64::from(args::RATE);
    let deadline = Duration::from_secs_f64(lead.seconds) + Duration::from_secs(30);
    let ran = run_with_modes(camera, deadline, lead, |input| {
        // The preview would run on after the photo: the run ends a little after it.
        let mut command = args::command(ffmpeg, Some(at + 1.0), input);
        command
            .arg("-filter_complex")
            .arg(with_preview(
                lead,
                &format!("select='gte(t\\,{at:.3})',format=rgb24"),
                "f",
            ))
            .args(["-map", "[f]", "-an", "-sn", "-dn", "-map_metadata", "-1"])
            .args([
                "-frames:v",
                "1",
                "-c:v",
                "png",
                "-f",
                "image2",
                "-update",
                "1",
            ])
            .arg(&still);
        preview_output(&mut command, lead);
        command
    });
    let read = std::fs::read(&still);
    let _ = std::fs::remove_file(&still);
    ran?;
    let png = read.map_err(|e| failed(camera, e.to_string()))?;
    let frame = decoded(camera, &png)?;
    let hints = hints::of_image(&frame);
    let prepared = crate::media::prepare_image(&png, &crate::media::Limits::default())
        .map_err(|b| failed(camera, b.to_string()))?;
    let part = partial(out, "jpg");
    crate::platform::private::write(&part, &prepared.bytes)
        .and_then(|()| std::fs::rename(&part, out))
        .map_err(|e| {
            let _ = std::fs::remove_file(&part);
            not_saved(out, &e)
        })?;
    Ok(Photo {
        jpeg: prepared.bytes,
        width: prepared.width,
        height: prepared.height,
        hints,
    })
}

/// Records a clip of `seconds` (see [`CLIP_SECONDS`]) with `camera` after `lead` into `out`.
pub fn clip(
    ffmpeg: &Path,
    camera: &Camera,
    seconds: u32,
    lead: &Lead,
    out: &Path,
) -> Result<Clip, Msg> {
    if !CLIP_SECONDS.contains(&seconds) {
        return Err(Msg::new("camera-clip-seconds")
            .num("seconds", seconds)
            .num("least", *CLIP_SECONDS.start())
            .num("most", *CLIP_SECONDS.end()));
    }
    let _held = one_at_a_time();
    let part = partial(out, "mp4");
    let still = partial(out, "png");
    let start = f64::from(lead.frames()) / f64::from(args::RATE);
    let middle = seconds * args::RATE / 2;
    let deadline = Duration::from_secs_f64(start) + Duration::from_secs(u64::from(seconds) + 45);
    let rate = args::RATE.to_string();
    let result = run_with_modes(camera, deadline, lead, |input| {
        let recorded = format!(
            "trim=start={start:.3},setpts=PTS-STARTPTS,fps={rate},{scale},setsar=1,\
             format=yuv420p,split=2[v][s];[s]select='eq(n\\,{middle})',format=rgb24",
            scale = scale_filter(),
        );
        let mut command = args::command(ffmpeg, Some(start + f64::from(seconds)), input);
        command
            .arg("-filter_complex")
            .arg(with_preview(lead, &recorded, "f"))
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
            .args(["-f", "image2", "-update", "1"])
            .arg(&still);
        preview_output(&mut command, lead);
        command
    });
    let finish = || -> Result<Clip, Msg> {
        result?;
        let check = crate::media::video::check_file_blocking(&part);
        if let Some(why) = crate::media::video::advice(&check.problems) {
            return Err(failed(camera, why.english()));
        }
        let facts = check
            .facts
            .ok_or_else(|| failed(camera, "the clip has no index".into()))?;
        let hints = std::fs::read(&still)
            .ok()
            .and_then(|png| decoded(camera, &png).ok())
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
    let _ = std::fs::remove_file(&still);
    if clip.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    clip
}

/// The filter graph: the camera's picture into `chain` (labelled `label`), and, when the lead
/// has a sink, also into preview frames (labelled `p`).
fn with_preview(lead: &Lead, chain: &str, label: &str) -> String {
    match lead.sink {
        Some(_) => format!(
            "[0:v]split=2[c][pv];[pv]{}[p];[c]{chain}[{label}]",
            super::stream::filter()
        ),
        None => format!("[0:v]{chain}[{label}]"),
    }
}

/// The preview frames on standard output, when the lead has a sink.
fn preview_output(command: &mut std::process::Command, lead: &Lead) {
    if lead.sink.is_some() {
        command.args(["-map", "[p]", "-f", "rawvideo", "pipe:1"]);
    }
}

/// The scale that brings any camera's picture to [`CLIP_PIXELS`], keeping its shape, both
/// sides even (H.264 in yuv420p needs it).
fn scale_filter() -> String {
    let (least, most) = CLIP_PIXELS;
    let factor = format!("sqrt(clip(iw*ih\\,{least}\\,{most})/(iw*ih))");
    format!("scale=w='2*trunc(iw*{factor}/2)':h='2*trunc(ih*{factor}/2)'")
}

/// Runs the command `make` builds for the camera's input (its live frames into the lead's
/// sink); a device that refuses the mode it was asked for is asked again with none.
fn run_with_modes(
    camera: &Camera,
    deadline: Duration,
    lead: &Lead,
    make: impl Fn(Vec<OsString>) -> std::process::Command,
) -> Result<(), Msg> {
    let modes: &[bool] = match camera.kind {
        Kind::Device => &[true, false],
        Kind::Synthetic => &[true],
    };
    let mut last = None;
    for &ask in modes {
        let command = make(args::input(camera, ask));
        let started = std::time::Instant::now();
        let ran = match &lead.sink {
            Some(sink) => {
                let sink = sink.clone();
                let turn = sink.next_turn();
                streaming(command, deadline, move |out| {
                    super::stream::pump(out, &sink, turn)
                })
            }
            None => bounded(command, deadline, FRAME_CAP),
        };
        let why = match ran {
            Ok(ran) if ran.status.success() => return Ok(()),
            Ok(ran) => failed(
                camera,
                last_line(&ran.stderr).unwrap_or_else(|| "ffmpeg stopped without a picture".into()),
            ),
            Err(RunError::Start(e)) => return Err(failed(camera, e.to_string())),
            Err(e) => failed(camera, e.to_string()),
        };
        // Only a camera that refused at once (the mode asked) is asked again: a capture that
        // failed on its way is not taken a second time behind staff's back.
        if started.elapsed() > REFUSED_AT_ONCE {
            return Err(why);
        }
        last = Some(why);
    }
    Err(last.unwrap_or_else(|| failed(camera, String::new())))
}

fn decoded(camera: &Camera, png: &[u8]) -> Result<image::RgbImage, Msg> {
    image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .map(|i| i.to_rgb8())
        .map_err(|e| failed(camera, format!("its frame could not be read: {e}")))
}

/// A partial file beside `out`: hidden, never a name staff gave, ending in `ext`.
fn partial(out: &Path, ext: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(
        ".{name}.{}.part.{ext}",
        uuid::Uuid::new_v4().simple()
    ))
}
