//! A person's entries in the audit log, from History: what was done with their data, when, at
//! which desk and by which of the computer's users, oldest first.

use eframe::egui::{self, RichText};

use super::theme::{self, Tone};
use super::view::View;
use super::widgets;
use crate::flow::AuditEntry;
use crate::i18n::s as text;
use crate::text::Msg;

/// The log open for one session.
#[derive(Debug, Clone)]
pub struct LogView {
    /// Whose session.
    pub session: String,
    /// Their name, for the title.
    pub person: String,
    /// The entries once the engine has read them, or why it could not.
    pub entries: Option<Result<Vec<AuditEntry>, Msg>>,
}

/// Draws the log while it is open; closing it forgets it.
pub fn dialog(ctx: &egui::Context, view: &View<'_>, log: &mut Option<LogView>) {
    let i = view.i18n;
    let Some(open) = log.as_ref() else {
        return;
    };
    let mut close = false;
    let modal = egui::Modal::new(egui::Id::unique("audit-log")).show(ctx, |ui| {
        ui.set_max_width(760.0);
        ui.label(theme::title(
            i.ta("log-title", &[text("person", &open.person)]),
        ));
        ui.label(theme::hint(ui, i.t("log-intro")));
        ui.add_space(theme::space::S);
        match &open.entries {
            None => {
                ui.spinner();
            }
            Some(Err(why)) => {
                ui.label(RichText::new(i.msg(why)).color(theme::tone(ui, Tone::Bad)));
            }
            Some(Ok(entries)) if entries.is_empty() => {
                ui.label(i.t("log-empty"));
            }
            Some(Ok(entries)) => entries_grid(ui, view, entries),
        }
        ui.add_space(theme::space::S);
        if ui.button(i.t("log-close")).clicked() {
            close = true;
        }
    });
    if close || modal.should_close() {
        *log = None;
    }
}

fn entries_grid(ui: &mut egui::Ui, view: &View<'_>, entries: &[AuditEntry]) {
    let i = view.i18n;
    egui::ScrollArea::vertical()
        .max_height(420.0)
        .show(ui, |ui| {
            egui::Grid::new("audit-log-entries")
                .striped(true)
                .num_columns(5)
                .show(ui, |ui| {
                    for id in [
                        "log-when",
                        "log-action",
                        "log-desk",
                        "log-user",
                        "log-detail",
                    ] {
                        ui.label(theme::hint(ui, i.t(id)).strong());
                    }
                    ui.end_row();
                    for e in entries {
                        ui.label(widgets::local_time(e.at));
                        ui.label(action_word(i, &e.action));
                        ui.label(&e.desk);
                        ui.label(&e.os_user);
                        ui.label(&e.detail);
                        ui.end_row();
                    }
                });
        });
}

/// An action in the window's language; a word this version does not know, as stored.
fn action_word(i: &crate::i18n::I18n, word: &str) -> String {
    match crate::flow::AuditAction::from_word(word) {
        Some(action) => i.t(&format!("log-action-{}", action.word())),
        None => word.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::flow::AuditAction;
    use crate::i18n::{I18n, UiLang};

    #[test]
    fn every_action_is_said_in_words_and_an_unknown_one_as_stored() {
        let i = I18n::new(UiLang::En);
        for action in AuditAction::ALL {
            let said = super::action_word(&i, action.word());
            assert!(!said.starts_with("log-action-"), "{said}");
            assert_ne!(said, action.word());
        }
        assert_eq!(super::action_word(&i, "rekeyed"), "rekeyed");
    }
}
