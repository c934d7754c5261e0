//! History: every stored session, with open, export and delete.

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use super::app::{Act, KioskApp};
use super::widgets;

/// Draws the list.
pub fn show(app: &mut KioskApp, ui: &mut egui::Ui) -> Vec<Act> {
    let mut acts = Vec::new();
    ui.horizontal(|ui| {
        ui.heading("History");
        if ui.button("Refresh").clicked() {
            acts.push(Act::Go(super::app::Screen::History));
        }
    });
    ui.label(
        "Every person onboarded on this computer. Unfinished sessions resume where they stopped.",
    );
    ui.add_space(6.0);
    let Some(list) = app.history.clone() else {
        ui.spinner();
        return acts;
    };
    if list.is_empty() {
        ui.label(RichText::new("No sessions yet.").weak().italics());
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
            for t in ["Person", "Started", "Status", "Approved / failed / all", ""] {
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
                    let (word, color) = stage_chip(&r.stage);
                    widgets::chip(ui, word, color);
                });
                row.col(|ui| {
                    ui.label(format!("{} / {} / {}", r.active, r.failed, r.total));
                });
                row.col(|ui| {
                    let unfinished = !matches!(
                        r.stage.as_str(),
                        "approved" | "partly-approved" | "failed" | "cancelled"
                    );
                    let open = if unfinished { "Resume" } else { "Open" };
                    if widgets::named_button(ui, open, &format!("{open} {}", r.person)).clicked() {
                        acts.push(Act::Open(r.id.clone()));
                    }
                    if widgets::named_button(ui, "CSV", &format!("Export CSV of {}", r.person))
                        .clicked()
                    {
                        acts.push(Act::Export(r.id.clone(), true));
                    }
                    if widgets::named_button(ui, "JSON", &format!("Export JSON of {}", r.person))
                        .clicked()
                    {
                        acts.push(Act::Export(r.id.clone(), false));
                    }
                    if widgets::named_button(ui, "Delete", &format!("Delete {}", r.person))
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
        "approved" => ("Approved", widgets::GREEN),
        "partly-approved" => ("Partly approved", widgets::AMBER),
        "failed" => ("Failed", widgets::RED),
        "cancelled" => ("Cancelled", widgets::GREY),
        "verify" | "start" => ("Verifying", widgets::BLUE),
        "assets" => ("Adding assets", widgets::BLUE),
        _ => ("In review", widgets::BLUE),
    }
}
