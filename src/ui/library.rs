//! The asset library: every approved asset across people, searchable by person, name, note and
//! date; one or many URLs copied; the rows shown exported as CSV or JSON. Only the visible rows
//! are drawn, and the search runs when its text or the list changes, so ten thousand assets
//! scroll as smoothly as ten.

use std::collections::HashSet;
use std::sync::Arc;

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use super::intent::{Intent, Screen};
use super::theme::{self, space};
use super::view::View;
use super::widgets;
use crate::flow::{LibraryAsset, Session};
use crate::i18n::{I18n, n, s as text};

/// The rows a search found, for the list and the search they came from.
struct Found {
    list: Arc<Vec<Session>>,
    search: String,
    rows: Vec<LibraryAsset>,
    total: usize,
}

/// What the library screen keeps: the search, the selection, the rows found.
#[derive(Default)]
pub struct LibraryView {
    /// The search field.
    pub search: String,
    /// Selected rows, by `asset://` URL.
    pub selected: HashSet<String>,
    found: Option<Found>,
    /// How many approved assets a list holds in all (counted once per list).
    total: Option<(Arc<Vec<Session>>, usize)>,
}

impl LibraryView {
    /// The rows for this list and search: searched again only when either changed.
    fn rows(&mut self, list: &Arc<Vec<Session>>) -> &Found {
        let fresh = self
            .found
            .as_ref()
            .is_some_and(|f| Arc::ptr_eq(&f.list, list) && f.search == self.search);
        if !fresh {
            self.found = None;
        }
        if !self
            .total
            .as_ref()
            .is_some_and(|(l, _)| Arc::ptr_eq(l, list))
        {
            self.total = Some((list.clone(), crate::flow::library(list, "").len()));
        }
        let total = self.total.as_ref().map_or(0, |(_, n)| *n);
        let search = &self.search;
        self.found.get_or_insert_with(|| Found {
            list: list.clone(),
            search: search.clone(),
            rows: crate::flow::library(list, search),
            total,
        })
    }

    /// Draws the screen.
    pub fn show(&mut self, ui: &mut egui::Ui, view: &View<'_>) -> Vec<Intent> {
        let i = view.i18n;
        let mut out = Vec::new();
        theme::page(ui, 1280.0, |ui| {
            super::people::heading(ui, view, Screen::Library, "nav-library", &mut out);
            ui.label(theme::hint(ui, i.t("library-intro")));
            ui.add_space(space::S);
            let Some(list) = view.model.everyone.value().cloned() else {
                return;
            };
            ui.horizontal(|ui| {
                let l = ui.label(i.t("search-label"));
                ui.add(
                    egui::TextEdit::singleline(&mut self.search)
                        .hint_text(i.t("library-search-hint"))
                        .desired_width(380.0),
                )
                .labelled_by(l.id);
            });
            let selected = std::mem::take(&mut self.selected);
            let found = self.rows(&list);
            let mut selected = selected;
            ui.add_space(space::XS);
            toolbar(ui, i, found, &mut selected, &mut out);
            ui.add_space(space::S);
            if found.rows.is_empty() {
                let key = if found.total == 0 {
                    "library-empty"
                } else {
                    "library-nothing-found"
                };
                ui.label(theme::hint(ui, i.t(key)));
            } else {
                theme::card(ui).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    table(ui, i, &found.rows, &mut selected, &mut out);
                });
            }
            self.selected = selected;
        });
        out
    }
}

fn toolbar(
    ui: &mut egui::Ui,
    i: &I18n,
    found: &Found,
    selected: &mut HashSet<String>,
    out: &mut Vec<Intent>,
) {
    ui.horizontal_wrapped(|ui| {
        ui.label(i.ta(
            "library-count",
            &[n("shown", found.rows.len()), n("total", found.total)],
        ));
        let chosen: Vec<&LibraryAsset> = found
            .rows
            .iter()
            .filter(|a| selected.contains(&a.asset_url))
            .collect();
        let copy = egui::Button::new(i.ta("library-copy-selected", &[n("count", chosen.len())]));
        if ui.add_enabled(!chosen.is_empty(), copy).clicked() {
            out.push(copy_urls(i, &chosen));
        }
        let any = !found.rows.is_empty();
        if ui
            .add_enabled(any, egui::Button::new(i.t("library-copy-shown")))
            .clicked()
        {
            let shown: Vec<&LibraryAsset> = found.rows.iter().collect();
            out.push(copy_urls(i, &shown));
        }
        if ui
            .add_enabled(any, egui::Button::new(i.t("library-select-shown")))
            .clicked()
        {
            selected.extend(found.rows.iter().map(|a| a.asset_url.clone()));
        }
        if ui
            .add_enabled(
                !selected.is_empty(),
                egui::Button::new(i.t("library-clear")),
            )
            .clicked()
        {
            selected.clear();
        }
        let day = crate::flow::day_of(crate::clock::now_ms());
        if ui
            .add_enabled(any, egui::Button::new(i.t("library-export-csv")))
            .clicked()
        {
            match crate::flow::library_csv(&found.rows) {
                Ok(csv) => out.push(Intent::SaveText(
                    format!("asset-library-{day}.csv"),
                    csv,
                    sessions_of(&found.rows),
                )),
                Err(e) => tracing::warn!("the library could not be written as CSV: {e}"),
            }
        }
        if ui
            .add_enabled(any, egui::Button::new(i.t("library-export-json")))
            .clicked()
        {
            let json = crate::flow::library_json(&found.rows);
            let name = format!("asset-library-{day}.json");
            out.push(Intent::SaveText(name, json, sessions_of(&found.rows)));
        }
    });
}

fn table(
    ui: &mut egui::Ui,
    i: &I18n,
    rows: &[LibraryAsset],
    selected: &mut HashSet<String>,
    out: &mut Vec<Intent>,
) {
    TableBuilder::new(ui)
        .id_salt("library-table")
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::exact(28.0))
        .column(Column::initial(200.0).at_least(100.0).clip(true))
        .column(Column::initial(200.0).at_least(100.0).clip(true))
        .column(Column::exact(150.0))
        .column(Column::remainder().at_least(260.0).clip(true))
        .column(Column::exact(80.0))
        .header(28.0, |mut h| {
            for t in [
                String::new(),
                i.t("library-col-person"),
                i.t("library-col-name"),
                i.t("library-col-approved"),
                i.t("library-col-url"),
                String::new(),
            ] {
                h.col(|ui| {
                    ui.label(theme::hint(ui, t).strong().size(theme::size::SMALL));
                });
            }
        })
        .body(|body| {
            body.rows(30.0, rows.len(), |mut row| {
                let Some(a) = rows.get(row.index()) else {
                    return;
                };
                let who = [text("name", &a.name), text("person", &a.person)];
                row.col(|ui| {
                    let mut on = selected.contains(&a.asset_url);
                    let label = i.ta("library-select-label", &who);
                    if ui.checkbox(&mut on, "").on_hover_text(label).changed() {
                        if on {
                            selected.insert(a.asset_url.clone());
                        } else {
                            selected.remove(&a.asset_url);
                        }
                    }
                });
                row.col(|ui| {
                    ui.label(RichText::new(&a.person).strong());
                });
                row.col(|ui| {
                    ui.label(&a.name);
                });
                row.col(|ui| {
                    ui.label(widgets::local_time(a.approved_at));
                });
                row.col(|ui| {
                    widgets::asset_url(ui, &a.asset_url);
                });
                row.col(|ui| {
                    let copy = i.t("library-copy-one");
                    if widgets::named_button(ui, copy, &i.ta("library-copy-one-label", &who))
                        .clicked()
                    {
                        let (url, what) = (a.asset_url.clone(), i.t("copied-asset"));
                        out.push(Intent::CopyUrls(url, what, vec![a.session.clone()]));
                    }
                });
            });
        });
}

/// Copying these assets' URLs (logged for each person's session).
fn copy_urls(i: &I18n, assets: &[&LibraryAsset]) -> Intent {
    let urls: Vec<&str> = assets.iter().map(|a| a.asset_url.as_str()).collect();
    let said = i.ta("copied-library", &[n("count", urls.len())]);
    let sessions = assets.iter().map(|a| a.session.clone()).collect();
    Intent::CopyUrls(urls.join("\n"), said, sessions)
}

/// The session of each of these assets (the audit log counts them for each person).
fn sessions_of(assets: &[LibraryAsset]) -> Vec<String> {
    assets.iter().map(|a| a.session.clone()).collect()
}
