//! History: every stored session, with open, export and delete.

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use super::intent::{Intent, Screen};
use super::theme::{self, Tone, space};
use super::view::View;
use super::widgets;
use crate::flow::Stage;
use crate::i18n::{I18n, s as text};
use crate::store::SessionSummary;

/// A stage's word (message id) and tone in the list.
pub fn stage_chip(stage: Stage) -> (&'static str, Tone) {
    match stage {
        Stage::FinishedAllApproved => ("stage-approved", Tone::Ok),
        Stage::FinishedPartly => ("stage-partly", Tone::Warn),
        Stage::Failed => ("stage-failed", Tone::Bad),
        Stage::Cancelled => ("stage-cancelled", Tone::Neutral),
        Stage::Start | Stage::Verify => ("stage-verifying", Tone::Info),
        Stage::Assets => ("stage-assets", Tone::Info),
        Stage::Uploading | Stage::Reviewing => ("stage-review", Tone::Info),
    }
}

/// Draws the list.
pub fn show(ui: &mut egui::Ui, view: &View<'_>, search: &mut String) -> Vec<Intent> {
    let i = view.i18n;
    let mut out = Vec::new();
    theme::page(ui, 1180.0, |ui| {
        ui.horizontal(|ui| {
            ui.label(theme::title(i.t("nav-history")));
            if ui.button(i.t("history-refresh")).clicked() {
                out.push(Intent::Go(Screen::History));
            }
            if view.model.history.is_loading() {
                ui.spinner();
            }
        });
        let intro = match &view.model.shared_as {
            Some(desk) => i.ta("history-intro-shared", &[text("kiosk", desk)]),
            None => i.t("history-intro"),
        };
        ui.label(theme::hint(ui, intro));
        ui.add_space(space::M);
        if let Some(e) = view.model.history.error() {
            ui.label(RichText::new(i.msg(e)).color(theme::tone(ui, Tone::Bad)));
        }
        let Some(list) = view.model.history.value() else {
            return;
        };
        if list.is_empty() {
            empty(ui, i, &mut out);
            return;
        }
        let (label, hint) = (i.t("search-label"), i.t("history-search-hint"));
        widgets::search_field(ui, label, hint, search);
        ui.add_space(space::S);
        let found: Vec<&SessionSummary> = list
            .iter()
            .filter(|r| {
                let texts = [
                    r.person.as_str(),
                    r.kiosk.as_str(),
                    r.id.as_str(),
                    r.stage.word(),
                ];
                crate::flow::search_finds(search, texts)
            })
            .collect();
        if found.is_empty() {
            ui.label(theme::hint(ui, i.t("search-nothing")));
            return;
        }
        theme::card(ui).show(ui, |ui| {
            ui.set_width(ui.available_width());
            // A narrow window or large text: each person on lines of their own, their
            // buttons wrapped, so that none is out of reach.
            if ui.available_width() < NARROW {
                narrow_list(ui, i, &found, &mut out);
            } else {
                table(ui, i, &found, view.model.shared_as.is_some(), &mut out);
            }
        });
    });
    out
}

/// Nobody yet: what to do next.
fn empty(ui: &mut egui::Ui, i: &I18n, out: &mut Vec<Intent>) {
    theme::card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.vertical_centered(|ui| {
            ui.label(RichText::new(i.t("history-empty")).strong());
            ui.label(theme::hint(ui, i.t("history-empty-hint")));
            ui.add_space(space::S);
            if ui
                .add(theme::primary(ui, i.t("history-first-person")))
                .clicked()
            {
                out.push(Intent::NewSession);
            }
        });
    });
}

/// Below this width the table's columns do not fit.
const NARROW: f32 = 900.0;

/// The sessions as lines: who, when, where they are, then the buttons.
fn narrow_list(ui: &mut egui::Ui, i: &I18n, list: &[&SessionSummary], out: &mut Vec<Intent>) {
    for (n, r) in list.iter().enumerate() {
        if n > 0 {
            ui.separator();
        }
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(&r.person).strong());
            let (key, tone) = stage_chip(r.stage);
            widgets::chip(ui, &i.t(key), tone);
            ui.label(format!("{} / {} / {}", r.active, r.failed, r.total));
        });
        let desk = i.ta("history-desk", &[text("kiosk", &r.kiosk)]);
        let when = widgets::local_time(r.created_at);
        ui.label(theme::hint(ui, format!("{when} · {desk}")).size(theme::size::SMALL));
        ui.horizontal_wrapped(|ui| row_actions(ui, i, r, out));
    }
}

fn table(
    ui: &mut egui::Ui,
    i: &I18n,
    list: &[&SessionSummary],
    shared: bool,
    out: &mut Vec<Intent>,
) {
    // On a shared roster each row says at which desk the person was onboarded.
    let row_height = if shared { 44.0 } else { 36.0 };
    TableBuilder::new(ui)
        .id_salt("history-table")
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(220.0).at_least(100.0).clip(true))
        .column(Column::exact(150.0))
        .column(Column::exact(150.0))
        .column(Column::exact(170.0))
        .column(Column::remainder().at_least(220.0))
        .header(28.0, |mut h| {
            for t in [
                i.t("history-person"),
                i.t("history-started"),
                i.t("col-status"),
                i.t("history-counts"),
                String::new(),
            ] {
                h.col(|ui| {
                    ui.label(theme::hint(ui, t).strong().size(theme::size::SMALL));
                });
            }
        })
        .body(|body| {
            body.rows(row_height, list.len(), |mut row| {
                let Some(r) = list.get(row.index()) else {
                    return;
                };
                row.col(|ui| {
                    if shared {
                        ui.vertical(|ui| {
                            ui.label(RichText::new(&r.person).strong());
                            let desk = i.ta("history-desk", &[text("kiosk", &r.kiosk)]);
                            ui.label(theme::hint(ui, desk).size(theme::size::SMALL));
                        });
                    } else {
                        ui.label(RichText::new(&r.person).strong());
                    }
                });
                row.col(|ui| {
                    ui.label(widgets::local_time(r.created_at));
                });
                row.col(|ui| {
                    let (key, tone) = stage_chip(r.stage);
                    widgets::chip(ui, &i.t(key), tone);
                });
                row.col(|ui| {
                    ui.label(format!("{} / {} / {}", r.active, r.failed, r.total));
                });
                row.col(|ui| row_actions(ui, i, r, out));
            });
        });
}

fn row_actions(ui: &mut egui::Ui, i: &I18n, r: &SessionSummary, out: &mut Vec<Intent>) {
    let (open, label) = if r.stage.is_final() {
        ("history-open", "history-open-label")
    } else {
        ("history-resume", "history-resume-label")
    };
    let who = [text("person", &r.person)];
    // Driven by another desk's engine when the list was read: said, and Resume still offered
    // (that desk may have stopped since; the engine says so if it has not).
    if let Some(desk) = r.held_by.as_ref().filter(|_| !r.stage.is_final()) {
        let held = i.ta("history-held", &[text("kiosk", desk)]);
        ui.label(RichText::new(held).color(theme::tone(ui, Tone::Warn)));
    }
    if widgets::named_button(ui, i.t(open), &i.ta(label, &who)).clicked() {
        out.push(Intent::Open(r.id.clone()));
    }
    if widgets::named_button(ui, i.t("history-csv"), &i.ta("history-csv-label", &who)).clicked() {
        out.push(Intent::Export(r.id.clone(), true));
    }
    if widgets::named_button(ui, i.t("history-json"), &i.ta("history-json-label", &who)).clicked() {
        out.push(Intent::Export(r.id.clone(), false));
    }
    if widgets::named_button(ui, i.t("history-log"), &i.ta("history-log-label", &who)).clicked() {
        out.push(Intent::ShowLog(r.id.clone(), r.person.clone()));
    }
    if widgets::named_button(
        ui,
        i.t("delete-button"),
        &i.ta("history-delete-label", &who),
    )
    .clicked()
    {
        out.push(Intent::AskDelete(r.id.clone()));
    }
}
