//! Adding the person's photos and videos (file dialog, in-app list, drop, paste), the Submit
//! button, and step 3, Assets.

use eframe::egui::{self, RichText};

use super::Wizard;
use crate::engine::Command;
use crate::flow::{AssetState, Check, Session};
use crate::i18n::{n, s as text};
use crate::ui::intent::{Intent, PickFor, keys};
use crate::ui::theme::{self, Tone, size, space};
use crate::ui::view::View;
use crate::ui::widgets;

/// Step 3: verified; add assets and submit them.
pub(super) fn assets_step(
    w: &mut Wizard,
    ui: &mut egui::Ui,
    view: &View<'_>,
    s: &Session,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    ui.horizontal(|ui| {
        widgets::chip(ui, &i.t("assets-verified"), Tone::Ok);
        ui.label(
            RichText::new(i.t("assets-title"))
                .size(size::BODY + 2.0)
                .strong(),
        );
    });
    ui.add_space(space::S);
    theme::card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        add_panel(w, ui, view, s, out);
        ui.add_space(space::M);
        submit_button(ui, view, s, out);
    });
    ui.add_space(space::M);
    out.extend(w.table.show(ui, view, s));
}

/// The person's photos, added while they are on the phone: checked and uploaded now, submitted
/// the moment verification passes. Staff only (never on the person's screen).
pub(super) fn staged_meanwhile(
    w: &mut Wizard,
    ui: &mut egui::Ui,
    view: &View<'_>,
    s: &Session,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    ui.add_space(space::M);
    theme::card(ui).inner_margin(space::M).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(i.t("verify-assets-title")).strong());
            ui.label(theme::hint(ui, i.t("verify-assets-hint")).size(size::SMALL));
        });
        add_panel(w, ui, view, s, out);
    });
    if s.current_assets().next().is_some() {
        ui.add_space(space::S);
        out.extend(w.table.show_compact(ui, view, s));
    }
}

/// The ways to add assets: dialog, in-app list, drop, paste.
pub(super) fn add_panel(
    w: &mut Wizard,
    ui: &mut egui::Ui,
    view: &View<'_>,
    s: &Session,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    if view.model.dialog_failed {
        ui.label(RichText::new(i.t("assets-no-dialog")).color(theme::tone(ui, Tone::Warn)));
    }
    ui.horizontal(|ui| {
        if ui
            .button(i.t("assets-choose"))
            .on_hover_text(i.ta(
                "assets-choose-hint",
                &[text("keys", &ui.ctx().format_shortcut(&keys::ADD_FILES))],
            ))
            .clicked()
        {
            out.push(Intent::Pick(PickFor::Add(s.id.clone())));
        }
        if ui.button(i.t("assets-browse")).clicked() {
            out.push(Intent::InAppPicker(PickFor::Add(s.id.clone()), None));
        }
        crate::ui::camera::open_button(ui, i, &view.model.camera, &s.id, out);
        ui.add_space(space::S);
        let l = ui.label(theme::hint(ui, i.t("assets-paste")).size(size::SMALL));
        let width = (ui.available_width() - 80.0).max(160.0);
        // Twenty pasted paths scroll inside the field instead of pushing the page down.
        egui::ScrollArea::vertical()
            .id_salt("paste-field")
            .max_height(56.0)
            .show(ui, |ui| {
                let field = ui
                    .add(
                        egui::TextEdit::multiline(&mut w.paste)
                            .desired_rows(1)
                            .desired_width(width)
                            .hint_text("https://cdn.studio.example/people/minji-01.jpg"),
                    )
                    .labelled_by(l.id);
                // Ctrl+Enter in the field adds what was pasted (elsewhere it starts or submits).
                if field.has_focus()
                    && !w.paste.trim().is_empty()
                    && ui.input_mut(|i| i.consume_shortcut(&keys::GO_ON))
                {
                    out.push(Intent::AddPasted(w.paste.clone()));
                }
            });
        if ui
            .add_enabled(
                !w.paste.trim().is_empty(),
                egui::Button::new(i.t("assets-add")),
            )
            .clicked()
        {
            out.push(Intent::AddPasted(w.paste.clone()));
        }
    });
    crate::ui::camera::panel(&mut w.camera, ui, i, &view.model.camera, &s.id, out);
    // The lines left in the field, each with why it was not added.
    for (line, why) in &w.paste_problems {
        let said = format!("{line}: {}", i.msg(why));
        ui.add(
            egui::Label::new(
                RichText::new(said)
                    .size(size::SMALL)
                    .color(theme::tone(ui, Tone::Bad)),
            )
            .wrap(),
        );
    }
}

/// Rows not yet sent, and how many of them the pre-send check blocks or is still reading.
fn blockers(s: &Session) -> (usize, usize, usize) {
    let unsent: Vec<_> = s
        .current_assets()
        .filter(|a| a.submissions == 0 && !a.queued)
        .filter(|a| {
            matches!(
                a.state,
                AssetState::Staged | AssetState::Uploading { .. } | AssetState::Uploaded { .. }
            )
        })
        .collect();
    let problems = unsent.iter().filter(|a| a.is_blocked()).count();
    let checking = unsent.iter().filter(|a| a.check == Check::Pending).count();
    (unsent.len(), problems, checking)
}

pub(super) fn submit_button(
    ui: &mut egui::Ui,
    view: &View<'_>,
    s: &Session,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    let (unsent, problems, checking) = blockers(s);
    if unsent == 0 {
        return;
    }
    // Blocked rows stay behind (the flow never sends them); the rest can go.
    let ok = unsent > problems;
    let label = i.ta("assets-submit", &[n("n", unsent - problems)]);
    let clicked = ui
        .add_enabled(ok, theme::primary(ui, label))
        .on_hover_text(ui.ctx().format_shortcut(&keys::GO_ON))
        .clicked();
    let key = ok && ui.input_mut(|i| i.consume_shortcut(&keys::GO_ON));
    if clicked || key {
        out.push(Intent::Send(Command::Submit(s.id.clone())));
    }
    if problems > 0 {
        ui.label(
            RichText::new(i.ta("assets-remove-problems", &[n("n", problems)]))
                .color(theme::tone(ui, Tone::Bad)),
        );
    } else if checking > 0 {
        ui.label(theme::hint(
            ui,
            i.ta("assets-checking", &[n("n", checking)]),
        ));
    }
}
