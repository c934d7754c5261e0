//! History: every stored session, with open, export and delete.

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use super::app::{Act, KioskApp};
use super::i18n::s as text;
use super::widgets;

/// Draws the list.
pub fn show(app: &mut KioskApp, ui: &mut egui::Ui) -> Vec<Act> {
    let i = app.i18n.clone();
    let mut acts = Vec::new();
    ui.horizontal(|ui| {
        ui.heading(i.t("nav-history"));
        if ui.button(i.t("history-refresh")).clicked() {
            acts.push(Act::Go(super::app::Screen::History));
        }
    });
    ui.label(i.t("history-intro"));
    ui.add_space(6.0);
    let Some(list) = app.history.clone() else {
        ui.spinner();
        return acts;
    };
    if list.is_empty() {
        ui.label(RichText::new(i.t("history-empty")).weak().italics());
        return acts;
    }
    TableBuilder::new(ui)
        .id_salt("history-table")
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(200.0).at_least(100.0).clip(true))
        .column(Column::exact(140.0))
        .column(Column::exact(140.0))
        .column(Column::exact(180.0))
        .column(Column::remainder().at_least(220.0))
        .header(24.0, |mut h| {
            for t in [
                i.t("history-person"),
                i.t("history-started"),
                i.t("col-status"),
                i.t("history-counts"),
                String::new(),
            ] {
                h.col(|ui| {
                    ui.strong(t);
                });
            }
        })
        .body(|body| {
            body.rows(30.0, list.len(), |mut row| {
                let Some(r) = list.get(row.index()) else {
                    return;
                };
                row.col(|ui| {
                    ui.label(&r.person);
                });
                row.col(|ui| {
                    ui.label(widgets::local_time(r.created_at));
                });
                row.col(|ui| {
                    let (key, color) = stage_chip(&r.stage);
                    widgets::chip(ui, &i.t(key), color);
                });
                row.col(|ui| {
                    ui.label(format!("{} / {} / {}", r.active, r.failed, r.total));
                });
                row.col(|ui| {
                    let unfinished = !matches!(
                        r.stage.as_str(),
                        "approved" | "partly-approved" | "failed" | "cancelled"
                    );
                    let (open, label) = if unfinished {
                        ("history-resume", "history-resume-label")
                    } else {
                        ("history-open", "history-open-label")
                    };
                    let who = [text("person", &r.person)];
                    if widgets::named_button(ui, i.t(open), &i.ta(label, &who)).clicked() {
                        acts.push(Act::Open(r.id.clone()));
                    }
                    if widgets::named_button(
                        ui,
                        i.t("history-csv"),
                        &i.ta("history-csv-label", &who),
                    )
                    .clicked()
                    {
                        acts.push(Act::Export(r.id.clone(), true));
                    }
                    if widgets::named_button(
                        ui,
                        i.t("history-json"),
                        &i.ta("history-json-label", &who),
                    )
                    .clicked()
                    {
                        acts.push(Act::Export(r.id.clone(), false));
                    }
                    if widgets::named_button(
                        ui,
                        i.t("delete-button"),
                        &i.ta("history-delete-label", &who),
                    )
                    .clicked()
                    {
                        acts.push(Act::AskDelete(r.id.clone()));
                    }
                });
            });
        });
    acts
}

fn stage_chip(stage: &str) -> (&'static str, egui::Color32) {
    match stage {
        "approved" => ("stage-approved", widgets::GREEN),
        "partly-approved" => ("stage-partly", widgets::AMBER),
        "failed" => ("stage-failed", widgets::RED),
        "cancelled" => ("stage-cancelled", widgets::GREY),
        "verify" | "start" => ("stage-verifying", widgets::BLUE),
        "assets" => ("stage-assets", widgets::BLUE),
        _ => ("stage-review", widgets::BLUE),
    }
}
