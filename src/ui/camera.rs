//! The camera panel on the Verify, Assets and Add steps: the desk camera's live picture with the
//! oval the face goes in, Take photo and Record clip after a 3-2-1 countdown; and the same
//! picture, mirrored, on the person's screen with what to do in their language. The panel
//! draws what the app keeps ([`CameraModel`]) and returns intents: it starts no process.

use std::time::{Duration, Instant};

use eframe::egui::{self, RichText};

use super::intent::{CameraIntent, Intent};
use super::remote::Remote;
use super::theme::{self, Tone, size, space};
use crate::camera::Camera;
use crate::camera::capture::{CLIP_SECONDS, DEFAULT_CLIP_SECONDS};
use crate::camera::hints::OVAL;
use crate::camera::stream::Sink;
use crate::i18n::I18n;
use crate::i18n::n;
use crate::text::Msg;

/// Seconds of countdown before a photo or a clip.
pub const COUNTDOWN: u32 = 3;

/// What the window knows of the desk's camera.
#[derive(Default)]
pub struct CameraModel {
    /// The panel is open for this session.
    pub open_for: Option<String>,
    /// The desk's cameras.
    pub cameras: Remote<Vec<Camera>>,
    /// The camera in use.
    pub chosen: Option<Camera>,
    /// Where its frames arrive (the preview's, then each capture's).
    pub sink: Option<Sink>,
    /// The newest frame, on the GPU.
    pub texture: Option<egui::TextureHandle>,
    /// That frame's number.
    pub shown: u64,
    /// A photo or a clip under way.
    pub shot: Option<Shot>,
    /// Why there is no picture.
    pub problem: Option<Msg>,
    /// The synthetic camera is offered (the demo, or asked for by name).
    pub offer_synthetic: bool,
}

impl std::fmt::Debug for CameraModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraModel")
            .field("open_for", &self.open_for)
            .field("chosen", &self.chosen)
            .field("shown", &self.shown)
            .field("shot", &self.shot)
            .field("problem", &self.problem)
            .finish_non_exhaustive()
    }
}

impl CameraModel {
    /// Whether the panel is open for `session`.
    pub fn open_for(&self, session: &str) -> bool {
        self.open_for.as_deref() == Some(session)
    }
}

/// A photo or a clip asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shot {
    /// A clip of this many seconds, or a photo.
    pub clip_seconds: Option<u32>,
    /// When it was asked for.
    pub started: Instant,
    /// The camera's frames delivered before it: its own are counted from here.
    pub frames_before: u64,
}

/// Where a shot stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Seconds left before it is taken.
    Countdown(u32),
    /// Recording: seconds left, and which of the script's steps (0-3).
    Recording(u32, usize),
    /// Taken; being saved and checked.
    Saving,
}

impl Shot {
    /// Where it stands when the camera has delivered `frames` in all: by the capture's own
    /// frames ([`crate::camera::stream::RATE`] a second of the camera's time), so the count on
    /// screen is the camera's, however long it took to open.
    pub fn phase(&self, frames: u64) -> Phase {
        let own = frames.saturating_sub(self.frames_before);
        let elapsed = own as f32 / crate::camera::stream::RATE as f32;
        let lead = COUNTDOWN as f32;
        if elapsed < lead {
            return Phase::Countdown(COUNTDOWN - elapsed as u32);
        }
        match self.clip_seconds {
            Some(secs) if elapsed < lead + secs as f32 => {
                let into = elapsed - lead;
                let step = ((into / secs as f32) * SCRIPT.len() as f32) as usize;
                Phase::Recording(
                    (secs as f32 - into).ceil() as u32,
                    step.min(SCRIPT.len() - 1),
                )
            }
            _ => Phase::Saving,
        }
    }
}

/// What the person does during a clip, one step after another.
pub const SCRIPT: [&str; 4] = [
    "person-camera-look",
    "person-camera-left",
    "person-camera-right",
    "person-camera-smile",
];

/// The panel's own state (the clip's length as staff set it).
#[derive(Debug)]
pub struct CameraPanel {
    /// The clip's length in seconds.
    pub clip_seconds: u32,
    /// The open panel was brought into view.
    pub in_view: bool,
}

impl Default for CameraPanel {
    fn default() -> Self {
        CameraPanel {
            clip_seconds: DEFAULT_CLIP_SECONDS,
            in_view: false,
        }
    }
}

/// The button that opens the panel (beside Choose files).
pub fn open_button(
    ui: &mut egui::Ui,
    i: &I18n,
    cam: &CameraModel,
    session: &str,
    out: &mut Vec<Intent>,
) {
    let open = cam.open_for(session);
    let label = i.t(if open { "camera-close" } else { "camera-open" });
    if ui.button(label).clicked() {
        out.push(Intent::Camera(if open {
            CameraIntent::Close
        } else {
            CameraIntent::Open(session.to_string())
        }));
    }
}

/// The panel, when it is open for `session`.
pub fn panel(
    state: &mut CameraPanel,
    ui: &mut egui::Ui,
    i: &I18n,
    cam: &CameraModel,
    session: &str,
    out: &mut Vec<Intent>,
) {
    if !cam.open_for(session) {
        state.in_view = false;
        return;
    }
    ui.add_space(space::S);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(i.t("camera-title")).strong());
        if let Some(list) = cam.cameras.value() {
            let shown = cam.chosen.as_ref().map_or("", |c| c.name.as_str());
            egui::ComboBox::from_id_salt("camera-choice")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    let offered = list.iter().filter(|c| {
                        c.kind == crate::camera::Kind::Device
                            || cam.offer_synthetic
                            || cam.chosen.as_ref() == Some(c)
                    });
                    for c in offered {
                        let chosen = cam.chosen.as_ref() == Some(c);
                        if ui.selectable_label(chosen, &c.name).clicked() && !chosen {
                            out.push(Intent::Camera(CameraIntent::Choose(c.clone())));
                        }
                    }
                });
        }
    });
    if let Some(problem) = &cam.problem {
        ui.add(
            egui::Label::new(RichText::new(i.msg(problem)).color(theme::tone(ui, Tone::Warn)))
                .wrap(),
        );
    }
    let frames = cam.sink.as_ref().map_or(0, Sink::frames);
    let phase = cam.shot.map(|s| s.phase(frames));
    if cam.shot.is_some() {
        // The countdown's numbers change between frames of the camera.
        ui.ctx().request_repaint_after(Duration::from_millis(200));
    }
    let width = ui.available_width().min(480.0);
    let waiting = cam.texture.is_none() && cam.problem.is_none();
    let note = match phase {
        _ if waiting => Some(i.t("camera-opening")),
        Some(Phase::Recording(left, _)) => Some(i.ta("camera-recording", &[n("n", left as usize)])),
        Some(Phase::Saving) => Some(i.t("camera-saving")),
        _ => None,
    };
    picture(
        ui,
        cam.texture.as_ref(),
        width,
        false,
        phase,
        note.as_deref(),
        &i.t("camera-preview-alt"),
    );
    ui.add_space(space::S);
    let free = cam.shot.is_none() && cam.chosen.is_some() && cam.problem.is_none();
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(free, theme::primary(ui, i.t("camera-take-photo")))
            .clicked()
        {
            out.push(Intent::Camera(CameraIntent::Take {
                session: session.to_string(),
                clip_seconds: None,
            }));
        }
        if ui
            .add_enabled(free, egui::Button::new(i.t("camera-record")))
            .clicked()
        {
            out.push(Intent::Camera(CameraIntent::Take {
                session: session.to_string(),
                clip_seconds: Some(state.clip_seconds),
            }));
        }
        let seconds = ui.add_enabled(
            cam.shot.is_none(),
            egui::DragValue::new(&mut state.clip_seconds)
                .range(CLIP_SECONDS)
                .suffix(i.t("camera-seconds-suffix")),
        );
        seconds.on_hover_text(i.t("camera-seconds-hint"));
    });
    let tip = ui.label(theme::hint(ui, i.t("camera-tip")).size(size::SMALL));
    if !state.in_view {
        // Just opened (below the fold on a laptop's screen): brought into view once, its
        // buttons included.
        tip.scroll_to_me(Some(egui::Align::BOTTOM));
        state.in_view = true;
    }
}

/// The camera's picture `width` wide (16:9) with the face's oval, mirrored for the person; the
/// countdown's number over it, and a line of `note`.
pub fn picture(
    ui: &mut egui::Ui,
    texture: Option<&egui::TextureHandle>,
    width: f32,
    mirrored: bool,
    phase: Option<Phase>,
    note: Option<&str>,
    alt: &str,
) {
    let size = egui::vec2(width, width * 9.0 / 16.0);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    // What is painted over the picture is said to screen readers with it.
    let said = match (phase, note) {
        (Some(Phase::Countdown(left)), _) => format!("{alt}: {left}"),
        (_, Some(note)) => format!("{alt}: {note}"),
        _ => alt.to_string(),
    };
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &said));
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 8.0, egui::Color32::from_gray(24));
    if let Some(t) = texture {
        let uv = if mirrored {
            egui::Rect::from_min_max(egui::pos2(1.0, 0.0), egui::pos2(0.0, 1.0))
        } else {
            egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0))
        };
        painter.image(t.id(), rect, uv, egui::Color32::WHITE);
    }
    let [cx, cy, rx, ry] = OVAL;
    let centre = egui::pos2(
        rect.left() + cx * rect.width(),
        rect.top() + cy * rect.height(),
    );
    let radius = egui::vec2(rx * rect.width(), ry * rect.height());
    let white = egui::Color32::from_white_alpha(220);
    painter.add(egui::Shape::ellipse_stroke(
        centre,
        radius,
        egui::Stroke::new(2.5, white),
    ));
    match phase {
        Some(Phase::Countdown(left)) => {
            painter.text(
                centre,
                egui::Align2::CENTER_CENTER,
                left.to_string(),
                egui::FontId::proportional(rect.height() * 0.4),
                white,
            );
        }
        Some(Phase::Recording(..)) => {
            let dot = rect.left_top() + egui::vec2(18.0, 18.0);
            painter.circle_filled(dot, 7.0, egui::Color32::from_rgb(220, 40, 40));
        }
        _ => {}
    }
    if let Some(note) = note {
        let at = egui::pos2(rect.center().x, rect.bottom() - 14.0);
        let font = egui::FontId::proportional((rect.height() * 0.06).max(size::SMALL));
        let galley = painter.layout_no_wrap(note.to_string(), font, white);
        let back = egui::Rect::from_center_size(at, galley.size() + egui::vec2(16.0, 6.0));
        painter.rect_filled(back, 6.0, egui::Color32::from_black_alpha(160));
        painter.galley(back.min + egui::vec2(8.0, 3.0), galley, white);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shot_counts_by_the_cameras_own_frames() {
        let shot = Shot {
            clip_seconds: Some(6),
            started: Instant::now(),
            frames_before: 100,
        };
        let rate = crate::camera::stream::RATE;
        let at = |seconds: f32| shot.phase(100 + (seconds * rate as f32).round() as u64);
        // Before the capture's first frame (the camera still opening), the count holds at 3.
        assert_eq!(shot.phase(100), Phase::Countdown(3));
        assert_eq!(at(1.2), Phase::Countdown(2));
        assert_eq!(at(2.5), Phase::Countdown(1));
        assert_eq!(at(3.0), Phase::Recording(6, 0));
        assert_eq!(at(4.6), Phase::Recording(5, 1));
        assert_eq!(at(7.6), Phase::Recording(2, 3));
        assert_eq!(at(9.0), Phase::Saving);
        let photo = Shot {
            clip_seconds: None,
            ..shot
        };
        assert_eq!(photo.phase(100 + u64::from(3 * rate)), Phase::Saving);
    }
}
