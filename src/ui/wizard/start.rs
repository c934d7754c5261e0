//! Step 1, Start: who is being verified, in which language, and their consent. A centred card.

use eframe::egui::{self, RichText};

use super::Wizard;
use crate::api::Language;
use crate::ui::intent::{Intent, keys};
use crate::ui::theme::{self, space};
use crate::ui::view::View;

/// The Start form as typed.
#[derive(Debug, Clone)]
pub struct StartForm {
    /// Name.
    pub person: String,
    /// Note.
    pub note: String,
    /// The person's language.
    pub language: Language,
    /// The name field takes the keyboard the first time the form shows (typing starts there).
    pub focus_name: bool,
}

impl Default for StartForm {
    fn default() -> Self {
        StartForm {
            person: String::new(),
            note: String::new(),
            language: Language::Ko,
            focus_name: true,
        }
    }
}

/// The message id of a person's language.
pub fn language_name(l: Language) -> &'static str {
    match l {
        Language::Ko => "lang-ko",
        Language::En => "lang-en",
        Language::Zh => "lang-zh",
        Language::Ja => "lang-ja",
    }
}

pub(super) fn show(w: &mut Wizard, ui: &mut egui::Ui, view: &View<'_>) -> Vec<Intent> {
    let i = view.i18n;
    let f = &mut w.start;
    let mut out = Vec::new();
    // Ctrl+Enter is taken before the form's widgets see its Enter: a focused checkbox would
    // otherwise take it as a click and untick consent in the same keystroke.
    let go_key = ui.input_mut(|i| i.consume_shortcut(&keys::GO_ON));
    ui.add_space((ui.available_height() * 0.08).clamp(space::L, 96.0));
    theme::page(ui, 560.0, |ui| {
        theme::card(ui).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(theme::title(i.t("start-title")));
            ui.add_space(space::L);
            let field_width = ui.available_width();
            let l = ui.label(RichText::new(i.t("start-name")).strong());
            let name = ui
                .add(
                    egui::TextEdit::singleline(&mut f.person)
                        .hint_text(i.t("start-name-hint"))
                        .desired_width(field_width)
                        .font(egui::TextStyle::Heading),
                )
                .labelled_by(l.id);
            if std::mem::take(&mut f.focus_name) {
                name.request_focus();
            }
            ui.add_space(space::M);
            let l = ui.label(RichText::new(i.t("start-note")).strong());
            ui.add(
                egui::TextEdit::singleline(&mut f.note)
                    .hint_text(i.t("start-note-hint"))
                    .desired_width(field_width),
            )
            .labelled_by(l.id);
            ui.add_space(space::M);
            let label = ui.label(RichText::new(i.t("start-language")).strong());
            egui::ComboBox::from_id_salt("person-language")
                .selected_text(i.t(language_name(f.language)))
                .width(220.0)
                .show_ui(ui, |ui| {
                    for l in [Language::Ko, Language::En, Language::Zh, Language::Ja] {
                        ui.selectable_value(&mut f.language, l, i.t(language_name(l)));
                    }
                })
                .response
                .labelled_by(label.id);
            ui.add_space(space::L);
            egui::Frame::new()
                .fill(theme::palette(ui).accent_wash)
                .corner_radius(8)
                .inner_margin(space::M)
                .show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.label(RichText::new(i.t("start-consent")).strong());
                    ui.label(theme::hint(ui, i.t("start-consent-hint")).size(theme::size::SMALL));
                });
            ui.add_space(space::L);
            // While the shared roster is away nothing new starts (the banner says why).
            let down = view.model.roster_down;
            let ready = !f.person.trim().is_empty() && !view.starting() && !down;
            let clicked = ui
                .add_enabled(ready, theme::primary(ui, i.t("start-button")))
                .on_hover_text(ui.ctx().format_shortcut(&keys::GO_ON))
                .clicked();
            let enter = ready && go_key;
            if clicked || enter {
                let person = f.person.trim().to_string();
                out.push(Intent::AskConsent(person, f.note.clone(), f.language));
            }
            if down {
                ui.label(theme::hint(ui, i.t("engine-roster-down")).italics());
            } else if !ready {
                ui.label(theme::hint(ui, i.t("start-missing")).italics());
            }
        });
    });
    out
}
