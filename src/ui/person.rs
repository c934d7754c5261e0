//! The person's screen in kiosk mode: the QR code, the countdown and what to do, in their
//! language, large and calm, and nothing else (never a name, a note or another session).

use eframe::egui::{self, RichText};

use super::theme::{self, Tone, space};
use super::widgets;
use crate::flow::{Millis, Session, Stage, TokenState, Verification};
use crate::i18n::{I18n, UiLang};

/// What the person's screen shows. Built only from what the person may see: never a name,
/// a note, a key or another session.
#[derive(Debug, Clone, PartialEq)]
pub enum PersonView {
    /// Nobody is being verified.
    Welcome,
    /// The code to scan.
    Scan {
        /// The H5 link.
        link: String,
        /// When it stops working.
        expires_at: Millis,
    },
    /// The code expired; staff make a new one.
    Expired,
    /// The phone finished.
    Received,
    /// Verification did not pass.
    Failed,
    /// The desk's camera: the person sees themselves (mirrored) with the oval, and what to do.
    Camera {
        /// A photo or a clip under way, and where it stands.
        shot: Option<(bool, super::camera::Phase)>,
    },
}

impl PersonView {
    /// The view for the session on screen (or none).
    pub fn of(session: Option<&Session>, now: Millis) -> PersonView {
        let Some(s) = session else {
            return PersonView::Welcome;
        };
        match &s.verification {
            Verification::Verified { .. } | Verification::Following { .. } => PersonView::Received,
            Verification::Failed { .. } => PersonView::Failed,
            Verification::Link(link) => match &link.token_state {
                TokenState::Used { .. } => PersonView::Received,
                TokenState::Waiting if now < link.expires_at => PersonView::Scan {
                    link: link.h5_link.clone(),
                    expires_at: link.expires_at,
                },
                _ => PersonView::Expired,
            },
            Verification::NotStarted | Verification::Issuing => {
                if s.stage() == Stage::Cancelled {
                    PersonView::Welcome
                } else {
                    PersonView::Expired
                }
            }
        }
    }
}

/// Sizes on the person's screen: read from a metre away.
mod big {
    use crate::ui::theme::size;
    pub const BODY: f32 = size::BODY * size::PERSON * 0.8;
    pub const TITLE: f32 = size::TITLE * size::PERSON;
}

/// The pictures the person's screen draws: the QR code's texture (made once per link) and the
/// camera's newest frame.
pub struct Pictures<'a> {
    /// The QR code's texture, for the link it shows.
    pub qr: &'a mut Option<(String, egui::TextureHandle)>,
    /// The camera's picture, while staff use the camera.
    pub camera: Option<&'a egui::TextureHandle>,
}

/// Draws the person's screen in `lang`. With `staff_button`, a small corner button asks for
/// the PIN (the switch mode); returns whether it was clicked.
pub fn show(
    ui: &mut egui::Ui,
    i: &I18n,
    lang: UiLang,
    view: &PersonView,
    pictures: Pictures<'_>,
    now: Millis,
    staff_button: bool,
) -> bool {
    let Pictures {
        qr: qr_cache,
        camera,
    } = pictures;
    let t = |id: &str| i.t_in(lang, id);
    let p = theme::palette(ui);
    ui.vertical_centered(|ui| {
        ui.add_space(space::XL);
        match view {
            PersonView::Welcome => message(
                ui,
                &t("person-welcome"),
                &t("person-welcome-body"),
                p.accent,
            ),
            PersonView::Scan { link, expires_at } => {
                let remaining = expires_at - now;
                let to_next = u64::try_from((remaining % 1000).max(1)).unwrap_or(1000);
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(to_next));
                ui.label(RichText::new(t("person-title")).size(big::TITLE).strong());
                ui.add_space(space::S);
                ui.label(RichText::new(t("person-scan")).size(big::BODY));
                ui.add_space(space::L);
                let side = ui
                    .available_width()
                    .min(ui.available_height() - 260.0)
                    .clamp(220.0, 640.0);
                widgets::qr_card(ui, qr_cache, link, side, &t("qr-alt"), &t("qr-too-long"));
                ui.add_space(space::L);
                let time = widgets::countdown(remaining);
                ui.label(
                    RichText::new(i.ta_in(
                        lang,
                        "person-expires",
                        &[crate::i18n::s("time", &time)],
                    ))
                    .size(big::BODY)
                    .strong()
                    .color(p.accent),
                );
                ui.add_space(space::M);
                for step in [
                    "person-step-sign-in",
                    "person-step-face",
                    "person-step-done",
                ] {
                    ui.label(RichText::new(t(step)).size(big::BODY * 0.85));
                }
            }
            PersonView::Expired => message(ui, &t("person-expired"), "", p.tone(Tone::Warn)),
            PersonView::Received => message(
                ui,
                &t("person-received"),
                &t("person-received-body"),
                p.tone(Tone::Ok),
            ),
            PersonView::Failed => message(ui, &t("person-failed"), "", p.tone(Tone::Bad)),
            PersonView::Camera { shot } => camera_view(ui, i, lang, camera, *shot),
        }
    });
    staff_button && staff_corner(ui, i)
}

/// The person's own picture, mirrored as in a mirror, with the oval and what to do: for a
/// clip the script, its current step marked while it records.
fn camera_view(
    ui: &mut egui::Ui,
    i: &I18n,
    lang: UiLang,
    texture: Option<&egui::TextureHandle>,
    shot: Option<(bool, super::camera::Phase)>,
) {
    use super::camera::{Phase, SCRIPT};
    let t = |id: &str| i.t_in(lang, id);
    let p = theme::palette(ui);
    ui.label(
        RichText::new(t("person-camera-title"))
            .size(big::TITLE)
            .strong(),
    );
    ui.add_space(space::S);
    ui.label(RichText::new(t("person-camera-oval")).size(big::BODY));
    ui.add_space(space::M);
    let room = (ui.available_height() - 300.0).max(180.0) * 16.0 / 9.0;
    let width = ui.available_width().min(room).clamp(320.0, 1100.0);
    let phase = shot.map(|(_, phase)| phase);
    let note = match phase {
        Some(Phase::Saving) => Some(t("person-camera-thanks")),
        _ => None,
    };
    super::camera::picture(
        ui,
        texture,
        width,
        true,
        phase,
        note.as_deref(),
        &t("person-camera-alt"),
    );
    ui.add_space(space::M);
    match shot {
        Some((true, phase)) => {
            let current = match phase {
                Phase::Recording(_, step) => Some(step),
                _ => None,
            };
            for (n, id) in SCRIPT.iter().enumerate() {
                let text = RichText::new(t(id)).size(big::BODY * 0.9);
                ui.label(if current == Some(n) {
                    text.strong().color(p.accent)
                } else {
                    text
                });
            }
        }
        Some((false, _)) => {
            ui.label(RichText::new(t("person-camera-still")).size(big::BODY * 0.9));
        }
        None => {}
    }
}

/// A large sentence (and a smaller one) in the middle of the screen.
fn message(ui: &mut egui::Ui, title: &str, body: &str, color: egui::Color32) {
    ui.add_space((ui.available_height() * 0.25).max(space::XL));
    ui.label(RichText::new(title).size(big::TITLE).strong().color(color));
    if !body.is_empty() {
        ui.add_space(space::L);
        ui.label(RichText::new(body).size(big::BODY));
    }
}

/// The small way back to the staff screen, behind the PIN.
fn staff_corner(ui: &mut egui::Ui, i: &I18n) -> bool {
    let mut clicked = false;
    egui::Area::new(egui::Id::unique("person-staff"))
        .anchor(egui::Align2::RIGHT_BOTTOM, [-space::S, -space::S])
        .show(ui.ctx(), |ui| {
            clicked = ui
                .small_button(theme::hint(ui, i.t("kiosk-staff")))
                .clicked();
        });
    clicked
}
