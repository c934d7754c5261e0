//! The onboarding wizard: one module per step. The step is computed from the stored session,
//! so a resumed session opens where it stopped. The wizard keeps only what staff are typing
//! and what it draws with (the QR texture, the table's filter).

mod add;
mod review;
mod start;
mod verify;

use eframe::egui;

use super::intent::Intent;
use super::table::AssetTable;
use super::theme::{self, space};
use super::view::View;
use crate::flow::Stage;

pub use start::StartForm;

/// The wizard's own state.
#[derive(Default)]
pub struct Wizard {
    /// The Start form.
    pub start: StartForm,
    /// The paste field.
    pub paste: String,
    /// The pasted lines that could not be added, each with why (they stay in the field).
    pub paste_problems: Vec<(String, crate::text::Msg)>,
    /// The QR code's texture, for the link it shows.
    pub qr: Option<(String, egui::TextureHandle)>,
    /// The rows table.
    pub table: AssetTable,
    /// Posters of finished test renders.
    pub posters: super::render::Posters,
    /// Open "Add more" on this session's Done step (a returning person, from People).
    pub open_add: Option<String>,
    /// The camera panel's own state.
    pub camera: crate::ui::camera::CameraPanel,
    /// The person's consent, being asked (before the session exists).
    pub consent: Option<crate::ui::consent::ConsentAsk>,
}

impl Wizard {
    /// Forgets what was typed and drawn (a new person, an idle reset).
    pub fn clear(&mut self) {
        *self = Wizard {
            table: std::mem::take(&mut self.table),
            posters: std::mem::take(&mut self.posters),
            ..Wizard::default()
        };
    }

    /// Draws the current step.
    pub fn show(&mut self, ui: &mut egui::Ui, view: &View<'_>) -> Vec<Intent> {
        // A person's consent being asked comes first, whatever session staff opened meanwhile:
        // its Cancel stays in reach, and the opened session shows once it is signed or
        // cancelled.
        if let Some(ask) = self.consent.as_mut() {
            let mut out = Vec::new();
            let elsewhere = view.person_window;
            crate::ui::consent::staff_step(ui, view.i18n, ask, elsewhere, &mut out);
            return out;
        }
        let Some(session) = view.model.session().cloned() else {
            return start::show(self, ui, view);
        };
        let mut out = Vec::new();
        theme::page(ui, 1180.0, |ui| {
            ui.horizontal(|ui| {
                ui.label(theme::title(&session.person));
                if !session.note.is_empty() {
                    ui.label(theme::hint(ui, &session.note));
                }
            });
            ui.add_space(space::S);
            match session.stage() {
                Stage::Start | Stage::Verify => verify::show(self, ui, view, &session, &mut out),
                Stage::Assets => add::assets_step(self, ui, view, &session, &mut out),
                _ => review::show(self, ui, view, &session, &mut out),
            }
        });
        out
    }
}
