//! `cameras` and `capture`: the desk's cameras from the command line, so a studio can script
//! them and try a camera before a person is at the desk.

use std::path::PathBuf;

use crate::camera::{self, capture};

/// `cameras`.
#[derive(Debug, clap::Args)]
pub struct CamerasArgs {
    /// One JSON object per line: name, id, kind (device or synthetic).
    #[arg(long)]
    pub json: bool,
}

/// `capture`.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("what").required(true).args(["photo", "video"]))]
pub struct CaptureArgs {
    /// The camera, by its name in `cameras` (or its id); `test-pattern` is the synthetic one.
    #[arg(long, value_name = "NAME")]
    pub camera: String,
    /// Take one photo into this JPEG file.
    #[arg(long, value_name = "FILE")]
    pub photo: Option<PathBuf>,
    /// Record one clip into this MP4 file (H.264, 30 fps, no sound, within every limit).
    #[arg(long, value_name = "FILE")]
    pub video: Option<PathBuf>,
    /// The clip's length in seconds.
    #[arg(long, value_name = "S", requires = "video",
          default_value_t = capture::DEFAULT_CLIP_SECONDS,
          value_parser = clip_seconds)]
    pub seconds: u32,
    /// Say what was written as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The lines `cameras` prints.
pub fn list(args: &CamerasArgs) -> Vec<String> {
    let cameras = camera::list::cameras(crate::media::fix::ffmpeg());
    if args.json {
        return cameras
            .iter()
            .map(|c| serde_json::json!(c).to_string())
            .collect();
    }
    let mut rows = vec![vec!["NAME".into(), "KIND".into(), "ID".into()]];
    rows.extend(
        cameras
            .iter()
            .map(|c| vec![c.name.clone(), c.kind.word().into(), c.id.clone()]),
    );
    super::report::aligned(rows, &[])
}

/// Takes what `capture` asks for: the lines to print, or why nothing was written.
pub fn take(args: &CaptureArgs) -> Result<Vec<String>, String> {
    let (flag, out, example) = match (&args.photo, &args.video) {
        (Some(out), _) => ("--photo", out, "photo.jpg"),
        (None, Some(out)) => ("--video", out, "clip.mp4"),
        (None, None) => return Err("say --photo FILE or --video FILE".into()),
    };
    super::out::writable(out, flag, example, "nothing was taken")?;
    let found = crate::media::fix::ffmpeg();
    // The synthetic camera's name is never a device's (a device called so is numbered): no
    // need to ask the system for its cameras.
    let cameras = if args.camera.trim() == camera::TEST_PATTERN {
        vec![camera::Camera::test_pattern()]
    } else {
        camera::list::cameras(found)
    };
    let cam = camera::find(&cameras, &args.camera).map_err(|m| m.english())?;
    let ffmpeg = found.ok_or_else(|| camera::need_ffmpeg().english())?;
    let hints = |h: &[camera::hints::Hint]| -> Vec<serde_json::Value> {
        h.iter()
            .map(|h| serde_json::json!({ "hint": h, "message": h.advice().english() }))
            .collect()
    };
    let (said, json) = match (&args.photo, &args.video) {
        (Some(out), _) => {
            let photo = capture::photo(ffmpeg, &cam, &capture::Lead::settle(), out)
                .map_err(|m| m.english())?;
            let said = format!(
                "Photo saved: {} ({}x{}, {} KB)",
                out.display(),
                photo.width,
                photo.height,
                photo.jpeg.len().div_ceil(1024)
            );
            let json = serde_json::json!({
                "event": "captured", "kind": "photo", "file": out, "camera": cam.name,
                "width": photo.width, "height": photo.height, "bytes": photo.jpeg.len(),
                "hints": hints(&photo.hints),
            });
            (vec![said], (json, photo.hints))
        }
        (None, Some(out)) => {
            let clip = capture::clip(ffmpeg, &cam, args.seconds, &capture::Lead::settle(), out)
                .map_err(|m| m.english())?;
            let f = &clip.facts;
            let said = format!(
                "Clip saved: {} ({}x{}, {:.1} s at {:.0} fps, {} KB)",
                out.display(),
                f.width,
                f.height,
                f.duration_ms as f64 / 1000.0,
                f.fps,
                clip.bytes.div_ceil(1024)
            );
            let json = serde_json::json!({
                "event": "captured", "kind": "video", "file": out, "camera": cam.name,
                "width": f.width, "height": f.height, "duration_ms": f.duration_ms,
                "fps": f.fps, "bytes": clip.bytes, "hints": hints(&clip.hints),
            });
            (vec![said], (json, clip.hints))
        }
        (None, None) => return Err("say --photo FILE or --video FILE".into()),
    };
    if args.json {
        return Ok(vec![json.0.to_string()]);
    }
    let mut lines = said;
    lines.extend(
        json.1
            .iter()
            .map(|h| format!("Hint: {}", h.advice().english())),
    );
    Ok(lines)
}

/// `--seconds`: a whole number within the clip's limits ([`capture::CLIP_SECONDS`]).
fn clip_seconds(text: &str) -> Result<u32, String> {
    let (least, most) = (capture::CLIP_SECONDS.start(), capture::CLIP_SECONDS.end());
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|s| capture::CLIP_SECONDS.contains(s))
        .ok_or_else(|| format!("a clip lasts {least} to {most} seconds"))
}
