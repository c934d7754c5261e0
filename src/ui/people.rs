//! People: every verified person, searchable, with the way to add photos to their group (no new
//! verification) and to a test render; when they consented, to which text.

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use super::intent::{Intent, Screen};
use super::theme::{self, Tone, space};
use super::view::View;
use super::widgets;
use std::sync::Arc;

use crate::engine::Command;
use crate::flow::{PersonRow, Session};
use crate::i18n::{I18n, n, s as text};

/// What staff typed on the People screen, and the rows it found.
#[derive(Default)]
pub struct PeopleView {
    /// The search field.
    pub search: String,
    /// The rows for a list and a search: searched again when either changes.
    found: Option<(Arc<Vec<Session>>, String, Vec<PersonRow>)>,
}

impl PeopleView {
    /// Draws the screen.
    pub fn show(&mut self, ui: &mut egui::Ui, view: &View<'_>) -> Vec<Intent> {
        let i = view.i18n;
        let mut out = Vec::new();
        theme::page(ui, 1180.0, |ui| {
            heading(ui, view, Screen::People, "nav-people", &mut out);
            ui.label(theme::hint(ui, i.t("people-intro")));
            ui.add_space(space::S);
            let (label, hint) = (i.t("search-label"), i.t("people-search-hint"));
            super::widgets::search_field(ui, label, hint, &mut self.search);
            ui.add_space(space::S);
            let Some(all) = view.model.everyone.value() else {
                return;
            };
            let fresh = self
                .found
                .as_ref()
                .is_some_and(|(list, search, _)| Arc::ptr_eq(list, all) && *search == self.search);
            if !fresh {
                let rows = crate::flow::people(all, &self.search);
                self.found = Some((all.clone(), self.search.clone(), rows));
            }
            let Some((_, _, rows)) = &self.found else {
                return;
            };
            if rows.is_empty() {
                let key = if self.search.trim().is_empty() {
                    "people-empty"
                } else {
                    "people-nothing-found"
                };
                ui.label(theme::hint(ui, i.t(key)));
                return;
            }
            theme::card(ui).show(ui, |ui| {
                ui.set_width(ui.available_width());
                table(ui, i, rows, &mut out);
            });
        });
        out
    }
}

/// The screen's title, its refresh button, and what failed reading the list.
pub fn heading(
    ui: &mut egui::Ui,
    view: &View<'_>,
    screen: Screen,
    title: &str,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    ui.horizontal(|ui| {
        ui.label(theme::title(i.t(title)));
        if ui.button(i.t("history-refresh")).clicked() {
            out.push(Intent::Go(screen));
        }
        if view.model.everyone.is_loading() {
            ui.spinner();
        }
    });
    if let Some(e) = view.model.everyone.error() {
        ui.label(RichText::new(i.msg(e)).color(theme::tone(ui, Tone::Bad)));
    }
}

fn table(ui: &mut egui::Ui, i: &I18n, rows: &[PersonRow], out: &mut Vec<Intent>) {
    TableBuilder::new(ui)
        .id_salt("people-table")
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(230.0).at_least(120.0).clip(true))
        .column(Column::exact(150.0))
        .column(Column::initial(190.0).clip(true))
        .column(Column::initial(170.0).clip(true))
        .column(Column::remainder().at_least(280.0))
        .header(28.0, |mut h| {
            for t in [
                i.t("people-col-person"),
                i.t("people-col-verified"),
                i.t("people-col-consent"),
                i.t("people-col-assets"),
                String::new(),
            ] {
                h.col(|ui| {
                    ui.label(theme::hint(ui, t).strong().size(theme::size::SMALL));
                });
            }
        })
        .body(|body| {
            body.rows(46.0, rows.len(), |mut row| {
                let Some(p) = rows.get(row.index()) else {
                    return;
                };
                row.col(|ui| {
                    ui.vertical(|ui| {
                        ui.label(RichText::new(&p.person).strong());
                        let mut under = p.note.clone();
                        if !p.kiosk.is_empty() {
                            let desk = i.ta("history-desk", &[text("kiosk", &p.kiosk)]);
                            under = if under.is_empty() {
                                desk
                            } else {
                                format!("{under} · {desk}")
                            };
                        }
                        ui.label(theme::hint(ui, under).size(theme::size::SMALL));
                    });
                });
                row.col(|ui| {
                    ui.label(widgets::local_time(p.created_at));
                });
                row.col(|ui| {
                    ui.vertical(|ui| {
                        ui.label(widgets::local_time(p.consent_at));
                        let version = if let Some(at) = p.withdrawn_at {
                            i.ta(
                                "people-withdrawn-at",
                                &[text("at", &widgets::local_time(at))],
                            )
                        } else if p.consent_version.is_empty() {
                            i.t("people-consent-unversioned")
                        } else {
                            i.ta(
                                "people-consent-version",
                                &[text("version", &p.consent_version)],
                            )
                        };
                        // The receipt goes with the consent it proves (withdrawn or not).
                        ui.horizontal(|ui| {
                            ui.label(theme::hint(ui, version).size(theme::size::SMALL));
                            let who = [text("person", &p.person)];
                            let label = i.ta("people-receipt-label", &who);
                            let link =
                                RichText::new(i.t("people-receipt")).size(theme::size::SMALL);
                            if widgets::named_link(ui, link, &label).clicked() {
                                out.push(Intent::Send(Command::Receipt(p.session.clone())));
                            }
                        });
                    });
                });
                row.col(|ui| {
                    ui.label(i.ta(
                        "people-counts",
                        &[n("approved", p.approved), n("failed", p.failed)],
                    ));
                });
                row.col(|ui| actions(ui, i, p, out));
            });
        });
}

fn actions(ui: &mut egui::Ui, i: &I18n, p: &PersonRow, out: &mut Vec<Intent>) {
    let who = [text("person", &p.person)];
    if p.withdrawn_at.is_some() {
        // Nothing more is offered for a person who withdrew: their record only (and the
        // receipt, beside the consent).
        if widgets::named_button(ui, i.t("history-open"), &i.ta("history-open-label", &who))
            .clicked()
        {
            out.push(Intent::Open(p.session.clone()));
        }
        return;
    }
    if widgets::named_button(ui, i.t("people-add"), &i.ta("people-add-label", &who)).clicked() {
        out.push(Intent::AddTo(p.session.clone()));
    }
    let render = egui::Button::new(i.t("people-render"));
    if ui
        .add_enabled(p.renderable > 0, render)
        .on_hover_text(i.ta("people-render-label", &who))
        .on_disabled_hover_text(i.t("render-no-images-hint"))
        .clicked()
    {
        out.push(Intent::AskRender(p.session.clone()));
    }
    if widgets::named_button(ui, i.t("history-open"), &i.ta("history-open-label", &who)).clicked() {
        out.push(Intent::Open(p.session.clone()));
    }
    let label = i.ta("people-withdraw-label", &who);
    if widgets::named_button(ui, i.t("people-withdraw"), &label).clicked() {
        out.push(Intent::AskWithdraw(p.session.clone(), p.person.clone()));
    }
}
