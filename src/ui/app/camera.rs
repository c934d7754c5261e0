//! The desk's camera in the window: the cameras listed on a job, the preview process started
//! and stopped as the panel opens and closes (one process holds a camera: a capture takes its
//! place and hands the camera back when the engine says it ended), and the newest frame put on
//! the GPU once per frame drawn.

use eframe::egui;

use super::KioskApp;
use crate::camera::stream::{Feed, Preview, Sink};
use crate::camera::{self, Camera, Kind};
use crate::engine::{CaptureAsk, Command};
use crate::ui::camera::{COUNTDOWN, Shot};
use crate::ui::intent::{CameraIntent, Screen};
use crate::ui::jobs::JobDone;

/// How long after its countdown and recording a capture may take to end before the panel
/// stops waiting for it.
const SHOT_GRACE_SECS: u32 = 90;

impl KioskApp {
    pub(super) fn camera(&mut self, ctx: &egui::Context, intent: CameraIntent) {
        match intent {
            CameraIntent::Open(session) => {
                self.model.camera.open_for = Some(session);
                self.model.camera.problem = None;
                let Some(ffmpeg) = crate::media::fix::ffmpeg() else {
                    self.model.camera.problem = Some(camera::need_ffmpeg());
                    return;
                };
                // Listed at each opening: a camera plugged in since is found.
                self.model.camera.cameras.reload();
                let ffmpeg = ffmpeg.to_path_buf();
                self.jobs.spawn("cameras", ctx, move || {
                    JobDone::Cameras(camera::list::cameras(Some(&ffmpeg)))
                });
            }
            CameraIntent::Close => self.camera_close(),
            CameraIntent::Choose(chosen) => {
                self.model.settings.camera = Some(chosen.name.clone());
                self.settings.form.camera = Some(chosen.name.clone());
                self.model.camera.chosen = Some(chosen);
                self.save_settings(ctx);
                if self.model.camera.shot.is_none() {
                    self.camera_start(ctx);
                }
            }
            CameraIntent::Take {
                session,
                clip_seconds,
            } => {
                let cam = &mut self.model.camera;
                let (Some(chosen), None) = (cam.chosen.clone(), cam.shot) else {
                    return;
                };
                // The capture holds the camera now; it keeps the same picture live.
                self.camera_process = None;
                cam.shot = Some(Shot {
                    clip_seconds,
                    started: std::time::Instant::now(),
                    frames_before: cam.sink.as_ref().map_or(0, Sink::frames),
                });
                let ask = CaptureAsk {
                    camera: chosen,
                    clip_seconds,
                    countdown: COUNTDOWN,
                    preview: cam.sink.clone(),
                };
                self.send(Command::Capture(session, Box::new(ask)));
            }
        }
    }

    /// The cameras are listed: the one Settings (or `--camera`) name, else the first device;
    /// the synthetic one only in the demo or when asked for by name (a real person is never
    /// taken with a test picture by default). Its preview starts when the panel is still open.
    pub(super) fn cameras_listed(&mut self, ctx: &egui::Context, list: Vec<Camera>) {
        let wanted = self.model.settings.camera.clone();
        let named = wanted.as_deref().map(|w| camera::find(&list, w));
        let first_device = list
            .iter()
            .find(|c| c.kind == camera::Kind::Device)
            .cloned();
        let synthetic = self.model.demo.then(Camera::test_pattern);
        let (chosen, problem) = match named {
            Some(Ok(c)) => (Some(c), None),
            // The camera Settings name is not plugged in: say so, and offer the others.
            Some(Err(why)) => (None, Some(why)),
            None => match first_device.or(synthetic) {
                Some(c) => (Some(c), None),
                None => (None, Some(crate::text::Msg::new("camera-none"))),
            },
        };
        self.model.camera.offer_synthetic = self.model.demo
            || chosen
                .as_ref()
                .is_some_and(|c| c.kind == camera::Kind::Synthetic);
        self.model.camera.cameras.settle(Ok(list));
        self.model.camera.chosen = chosen;
        self.model.camera.problem = problem;
        // A capture still under way holds the camera: the preview waits for its end.
        let free = self.model.camera.shot.is_none();
        if free && self.model.camera.open_for.is_some() && self.model.camera.chosen.is_some() {
            self.camera_start(ctx);
        }
    }

    /// (Re)starts the preview of the chosen camera, asking a device for its usual mode.
    fn camera_start(&mut self, ctx: &egui::Context) {
        self.camera_start_asking(ctx, true);
    }

    fn camera_start_asking(&mut self, ctx: &egui::Context, ask_mode: bool) {
        self.preview_asked_mode = ask_mode;
        self.camera_process = None;
        let (Some(ffmpeg), Some(chosen)) = (
            crate::media::fix::ffmpeg(),
            self.model.camera.chosen.clone(),
        ) else {
            return;
        };
        let sink = self.model.camera.sink.clone().unwrap_or_else(|| {
            let ctx = ctx.clone();
            // A wait, however short, asks egui for one repaint: `request_repaint` asks for two
            // (egui 0.37's rule; a whole window drawn twice for each frame of the camera).
            Sink::new(move || ctx.request_repaint_after(std::time::Duration::from_millis(1)))
        });
        match Preview::start(ffmpeg, &chosen, sink.clone(), ask_mode) {
            Ok(p) => {
                self.camera_process = Some(p);
                self.model.camera.problem = None;
            }
            Err(why) => self.model.camera.problem = Some(why),
        }
        self.model.camera.sink = Some(sink);
    }

    fn camera_close(&mut self) {
        self.camera_process = None;
        let cam = &mut self.model.camera;
        cam.open_for = None;
        cam.sink = None;
        cam.texture = None;
        cam.shown = 0;
        cam.problem = None;
    }

    /// A capture ended: the camera is free; the preview comes back if the panel is open (for
    /// this session or, when staff moved on meanwhile, another).
    pub(super) fn capture_ended(&mut self, ctx: &egui::Context, session: &str) {
        tracing::debug!(session, "the camera is free again");
        self.model.camera.shot = None;
        if self.model.camera.open_for.is_some() && self.model.camera.chosen.is_some() {
            self.camera_start(ctx);
        }
    }

    /// Once a frame: the panel closes with its session or step; a new camera frame goes to
    /// the GPU.
    pub(super) fn camera_frame(&mut self, ctx: &egui::Context) {
        let cam = &mut self.model.camera;
        let Some(open) = cam.open_for.as_deref() else {
            return;
        };
        if self.screen != Screen::Wizard || self.model.current.as_deref() != Some(open) {
            self.camera_close();
            return;
        }
        let Some(sink) = &cam.sink else {
            return;
        };
        match sink.feed() {
            Feed::Live(frame) if frame.number != cam.shown => {
                let size = [frame.width as usize, frame.height as usize];
                let image = egui::ColorImage::from_rgb(size, &frame.rgb);
                let options = egui::TextureOptions::LINEAR;
                match &mut cam.texture {
                    Some(t) => t.set(image, options),
                    None => cam.texture = Some(ctx.load_texture("camera", image, options)),
                }
                cam.shown = frame.number;
            }
            // A preview that stops with a reason while nothing else holds the camera: a device
            // that refused the mode asked is started once more without; else it is said.
            Feed::Ended(Some(why)) if cam.shot.is_none() && self.camera_process.is_some() => {
                let device = cam.chosen.as_ref().is_some_and(|c| c.kind == Kind::Device);
                if device && self.preview_asked_mode {
                    self.camera_start_asking(ctx, false);
                } else {
                    cam.problem = Some(why);
                    self.camera_process = None;
                }
            }
            _ => {}
        }
        // A capture the engine never answered (it restarted meanwhile) does not hold the panel.
        if let Some(shot) = self.model.camera.shot {
            let most = COUNTDOWN + shot.clip_seconds.unwrap_or(0) + SHOT_GRACE_SECS;
            if shot.started.elapsed() > std::time::Duration::from_secs(u64::from(most)) {
                self.model.camera.shot = None;
                self.camera_start(ctx);
            }
        }
    }
}
