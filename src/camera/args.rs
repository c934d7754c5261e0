//! What ffmpeg is told to open each camera: only the input differs between systems, everything
//! after it is shared (capture.rs). Each system's branch is beside the others.

use std::ffi::OsString;

use super::{Camera, Kind};

/// The frame rate asked of a camera and made by the synthetic one.
pub const RATE: u32 = 30;
/// The picture size asked of a camera (it gives the nearest it has) and made by the
/// synthetic one.
pub const SIZE: (u32, u32) = (1280, 720);

/// The synthetic camera: a dimmed moving test picture with an oval face-like sprite (skin, two
/// eyes, a mouth) drawn once and moved slowly, in yuv420p like a camera. Everything stays in
/// yuv420p: an overlay in 4:4:4 with alpha cost ffmpeg 2.5 times the CPU (a third of a core).
const SYNTHETIC: &str = concat!(
    "testsrc2=s=1280x720:r=30,format=yuv420p,eq=brightness=-0.15:saturation=0.6[bg];",
    "color=c=black:s=360x460:r=30:d=1,format=yuva444p,",
    r"geq=lum='if(lte(hypot((X-180)/150\,(Y-230)/200)\,1)\,",
    r"if(lte(hypot((X-125)/22\,(Y-190)/12)\,1)+lte(hypot((X-235)/22\,(Y-190)/12)\,1)",
    r"+lte(hypot((X-180)/55\,(Y-320)/14)\,1)\,40\,170)\,0)':cb=118:cr=148:",
    r"a='if(lte(hypot((X-180)/150\,(Y-230)/200)\,1)\,255\,0)',",
    "format=yuva420p,loop=loop=-1:size=1,setpts=N/30/TB[face];",
    "[bg][face]overlay=x='460+140*sin(2*PI*t/5)':y='130+30*sin(2*PI*t/3)':shortest=1",
    ":format=yuv420"
);

/// An ffmpeg run for a camera: quiet, never reading the terminal, overwriting its outputs,
/// bounded to `seconds` of the camera when given (before the input: every output ends then),
/// reading `input` ([`input`]). The caller adds the filters and outputs.
pub fn command(
    ffmpeg: &std::path::Path,
    seconds: Option<f64>,
    input: Vec<OsString>,
) -> std::process::Command {
    let mut command = crate::platform::spawn::tool(ffmpeg);
    command.args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]);
    if let Some(s) = seconds {
        command.args(["-t", &format!("{s:.3}")]);
    }
    command.args(input);
    command
}

/// ffmpeg's input options for `camera`. `ask_mode`: ask a device for [`SIZE`] at [`RATE`]
/// (some DirectShow drivers refuse a mode they lack instead of giving the nearest: the caller
/// tries again without).
pub fn input(camera: &Camera, ask_mode: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |a: &str| args.push(a.into());
    if camera.kind == Kind::Synthetic {
        // Read at its own pace, as a camera gives frames.
        for a in ["-re", "-f", "lavfi", "-i", SYNTHETIC] {
            push(a);
        }
        return args;
    }
    let (w, h) = SIZE;
    let mode = [
        "-framerate".to_string(),
        RATE.to_string(),
        "-video_size".to_string(),
        format!("{w}x{h}"),
    ];
    let mode = if ask_mode { &mode[..] } else { &[] };
    #[cfg(target_os = "linux")]
    {
        for a in ["-f", "v4l2"] {
            push(a);
        }
        mode.iter().for_each(|a| push(a));
        push("-i");
        push(&camera.id);
    }
    #[cfg(windows)]
    {
        // A deeper buffer than the default: a busy desk drops no frames while encoding.
        for a in ["-f", "dshow", "-rtbufsize", "64M"] {
            push(a);
        }
        mode.iter().for_each(|a| push(a));
        push("-i");
        push(&format!("video={}", camera.id));
    }
    #[cfg(target_os = "macos")]
    {
        // AVFoundation refuses its 29.97 default on most cameras: the rate is always asked.
        let rate = RATE.to_string();
        for a in ["-f", "avfoundation", "-framerate", &rate] {
            push(a);
        }
        mode.iter().skip(2).for_each(|a| push(a));
        push("-i");
        push(&format!("{}:none", camera.id));
    }
    #[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
    {
        let _ = mode;
        push("-i");
        push(&camera.id);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_camera_is_paced_lavfi_and_a_device_asks_a_mode_once() {
        let args = input(&Camera::test_pattern(), true);
        assert_eq!(args[..4], ["-re", "-f", "lavfi", "-i"].map(OsString::from));
        let device = Camera {
            name: "Cam".into(),
            id: "cam-id".into(),
            kind: Kind::Device,
        };
        let asked = input(&device, true);
        let plain = input(&device, false);
        let has = |a: &[OsString], w: &str| a.iter().any(|x| x == w);
        assert!(has(&asked, "1280x720") && has(&asked, "-framerate"));
        assert!(!has(&plain, "1280x720"));
        assert!(
            asked
                .last()
                .is_some_and(|i| i.to_string_lossy().contains("cam-id"))
        );
    }
}
