//! Settings' card for the studio's consent text: its name, the purpose, the period, where to
//! withdraw, and how many days its copies are kept. Saving makes a new numbered version (every
//! desk on a shared roster counts on from the same list); sessions keep the version they
//! were given, so an edit never changes what an earlier person agreed to.

use eframe::egui::{self, RichText};

use super::intent::Intent;
use super::theme::{self, Tone, space};
use crate::engine::Command;
use crate::flow::{ConsentFields, ConsentVersion};
use crate::i18n::{I18n, s};
use crate::text::Msg;

/// The card's state: the version in use and the fields being edited.
#[derive(Debug, Default)]
pub struct ConsentCard {
    /// The studio's current version, once the engine has said it.
    pub current: Option<Result<ConsentVersion, Msg>>,
    /// What staff are typing (from the current version).
    pub form: Option<ConsentFields>,
}

impl ConsentCard {
    /// The engine's answer: the version in use, and the form starts from it.
    pub fn settle(&mut self, current: Result<ConsentVersion, Msg>) {
        self.form = current.as_ref().ok().map(|v| v.fields.clone());
        self.current = Some(current);
    }

    /// Draws the card.
    pub fn show(&mut self, ui: &mut egui::Ui, i: &I18n, out: &mut Vec<Intent>) {
        ui.label(theme::title(i.t("consent-card-title")).size(theme::size::BODY * 1.2));
        let current = match &self.current {
            None => {
                ui.spinner();
                return;
            }
            Some(Err(why)) => {
                ui.label(RichText::new(i.msg(why)).color(theme::tone(ui, Tone::Bad)));
                return;
            }
            Some(Ok(v)) => v.clone(),
        };
        ui.label(theme::hint(
            ui,
            i.ta(
                "consent-card-in-use",
                &[s("version", &current.number.to_string())],
            ),
        ));
        let Some(form) = self.form.as_mut() else {
            return;
        };
        ui.add_space(space::S);
        egui::Grid::new("consent-card")
            .num_columns(2)
            .spacing([space::M, space::S])
            .show(ui, |ui| {
                for (id, value) in [
                    ("consent-card-studio", &mut form.studio),
                    ("consent-card-purpose", &mut form.purpose),
                    ("consent-card-period", &mut form.period),
                    ("consent-card-contact", &mut form.contact),
                ] {
                    let l = ui.label(i.t(id));
                    ui.add(egui::TextEdit::singleline(value).desired_width(320.0))
                        .labelled_by(l.id);
                    ui.end_row();
                }
                let l = ui.label(i.t("consent-card-keep-days"));
                ui.add(egui::DragValue::new(&mut form.keep_days).range(0..=3650))
                    .labelled_by(l.id);
                ui.end_row();
            });
        ui.label(theme::hint(ui, i.t("consent-card-keep-hint")).size(theme::size::SMALL));
        ui.add_space(space::S);
        let changed = *form != current.fields;
        let complete = [&form.studio, &form.purpose, &form.period, &form.contact]
            .iter()
            .all(|f| !f.trim().is_empty());
        let save = egui::Button::new(i.ta(
            "consent-card-save",
            &[s("version", &current.number.saturating_add(1).to_string())],
        ));
        if ui.add_enabled(changed && complete, save).clicked() {
            out.push(Intent::Send(Command::NewConsentVersion(form.clone())));
        }
        if changed && !complete {
            ui.label(theme::hint(ui, i.t("consent-card-incomplete")).italics());
        }
    }
}
