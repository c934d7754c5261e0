//! The asset table: one row per current asset, virtual rows so a thousand stay smooth.

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use super::app::{Act, KioskApp, source_key};
use super::i18n::s as text;
use super::widgets::{self, RED};
use crate::engine::Command;
use crate::flow::{Asset, AssetSource, AssetState, Check, Session};

/// Which rows the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Every row.
    All,
    /// Not settled yet.
    Processing,
    /// Approved.
    Active,
    /// Needs staff: failed, refused, upload failed, uncertain.
    Failed,
}

impl Filter {
    fn key(self) -> &'static str {
        match self {
            Filter::All => "filter-all",
            Filter::Processing => "filter-processing",
            Filter::Active => "filter-active",
            Filter::Failed => "filter-failed",
        }
    }

    /// Whether a row passes.
    pub fn keeps(self, state: &AssetState) -> bool {
        match self {
            Filter::All => true,
            Filter::Active => matches!(state, AssetState::Active { .. }),
            Filter::Failed => crate::flow::export::needs_attention(state),
            Filter::Processing => {
                !matches!(state, AssetState::Active { .. })
                    && !crate::flow::export::needs_attention(state)
            }
        }
    }
}

fn progress(state: &AssetState) -> Option<f32> {
    match state {
        AssetState::Staged => None,
        AssetState::Uploading { sent, total } if *total > 0 => Some(*sent as f32 / *total as f32),
        AssetState::Uploading { .. } => Some(0.0),
        _ => Some(1.0),
    }
}

/// Draws the filter bar and the table; returns what staff clicked.
pub fn show(app: &mut KioskApp, ui: &mut egui::Ui, s: &Session) -> Vec<Act> {
    let i = app.i18n.clone();
    let mut acts = Vec::new();
    let rows: Vec<&Asset> = s.current_assets().collect();
    if rows.is_empty() {
        ui.label(RichText::new(i.t("table-empty")).weak().italics());
        return acts;
    }
    ui.horizontal(|ui| {
        ui.label(i.t("table-show"));
        for f in [
            Filter::All,
            Filter::Processing,
            Filter::Active,
            Filter::Failed,
        ] {
            let n = rows.iter().filter(|a| f.keeps(&a.state)).count();
            ui.selectable_value(&mut app.filter, f, i.ta(f.key(), &[super::i18n::n("n", n)]));
        }
    });
    let shown: Vec<&Asset> = rows
        .into_iter()
        .filter(|a| app.filter.keeps(&a.state))
        .collect();
    let row_height = 56.0;
    TableBuilder::new(ui)
        .id_salt("assets-table")
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::exact(52.0))
        .column(Column::initial(120.0).at_least(80.0).clip(true))
        .column(Column::initial(140.0).at_least(80.0).clip(true))
        .column(Column::exact(120.0))
        .column(Column::remainder().at_least(200.0).clip(true))
        .column(Column::initial(200.0).at_least(120.0).clip(true))
        .column(Column::exact(230.0))
        .min_scrolled_height(200.0)
        .header(24.0, |mut header| {
            for title in [
                "",
                &i.t("col-name"),
                &i.t("col-source"),
                &i.t("col-status"),
                &i.t("col-reason"),
                &i.t("col-url"),
                "",
            ] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(row_height, shown.len(), |mut row| {
                let Some(a) = shown.get(row.index()).copied() else {
                    return;
                };
                let check = app.checks.get(&source_key(&a.source));
                row.col(|ui| match check.and_then(|c| c.texture.as_ref()) {
                    Some(t) => {
                        ui.add(
                            egui::Image::new(t)
                                .fit_to_exact_size(egui::vec2(48.0, 48.0))
                                .maintain_aspect_ratio(true)
                                .alt_text(i.ta("table-preview", &[text("name", &a.name)])),
                        );
                    }
                    None => {
                        ui.label(
                            RichText::new(if matches!(a.source, AssetSource::Url { .. }) {
                                i.t("table-url")
                            } else {
                                "…".to_string()
                            })
                            .weak(),
                        );
                    }
                });
                row.col(|ui| {
                    ui.label(&a.name);
                });
                row.col(|ui| {
                    let src = a.source.display();
                    let short = match &a.source {
                        AssetSource::File { path } => path
                            .file_name()
                            .map(|n| n.to_string_lossy().to_string())
                            .unwrap_or_else(|| src.clone()),
                        AssetSource::Url { .. } => src.clone(),
                    };
                    ui.label(short).on_hover_text(src);
                });
                row.col(|ui| {
                    let (key, color) = match (&a.state, &a.check) {
                        (AssetState::Staged, Check::Pending) => ("chip-checking", widgets::GREY),
                        (AssetState::Staged, Check::Blocked { .. }) => ("chip-blocked", RED),
                        (state, _) => widgets::chip_of(state),
                    };
                    let word = &i.t(key);
                    match progress(&a.state) {
                        Some(p) if matches!(a.state, AssetState::Uploading { .. }) => {
                            ui.vertical(|ui| {
                                widgets::chip(ui, word, color);
                                ui.add(
                                    egui::ProgressBar::new(p)
                                        .desired_width(110.0)
                                        .show_percentage(),
                                );
                            });
                        }
                        _ => {
                            widgets::chip(ui, word, color);
                        }
                    }
                });
                row.col(|ui| {
                    // The flow's verdict is the one both front ends obey.
                    let problem = crate::flow::export::problem(&a.state).or_else(|| {
                        match (&a.state, &a.check) {
                            (AssetState::Staged, Check::Blocked { reason }) => Some(reason.clone()),
                            _ => None,
                        }
                    });
                    if let Some(p) = problem.map(|m| i.msg(&m)) {
                        ui.add(egui::Label::new(RichText::new(p.clone()).color(RED)).wrap())
                            .on_hover_text(p);
                    }
                });
                row.col(|ui| {
                    if let AssetState::Active { asset_url, .. } = &a.state {
                        if widgets::named_button(
                            ui,
                            i.t("table-copy"),
                            &i.ta("table-copy-label", &[text("name", &a.name)]),
                        )
                        .on_hover_text(i.t("table-copy-hint"))
                        .clicked()
                        {
                            acts.push(Act::Copy(asset_url.clone(), i.t("copied-asset")));
                        }
                        ui.label(RichText::new(asset_url).monospace())
                            .on_hover_text(asset_url);
                    }
                });
                row.col(|ui| {
                    let fixable = matches!(
                        a.state,
                        AssetState::Failed { .. }
                            | AssetState::Refused { .. }
                            | AssetState::UploadFailed { .. }
                            | AssetState::Uncertain { .. }
                    );
                    if fixable
                        && s.group_id().is_some()
                        && s.stage() != crate::flow::Stage::Cancelled
                    {
                        if widgets::named_button(
                            ui,
                            i.t("table-replace"),
                            &i.ta("table-replace-label", &[text("name", &a.name)]),
                        )
                        .clicked()
                        {
                            app.replacing = Some((s.id.clone(), a.id));
                        }
                        let hint = if matches!(a.state, AssetState::Failed { .. }) {
                            i.t("table-resubmit-failed-hint")
                        } else {
                            i.t("table-resubmit-hint")
                        };
                        if widgets::named_button(
                            ui,
                            i.t("table-resubmit"),
                            &i.ta("table-resubmit-label", &[text("name", &a.name)]),
                        )
                        .on_hover_text(hint)
                        .clicked()
                        {
                            if matches!(a.state, AssetState::Uncertain { .. }) {
                                // It may already be under review: ask before sending again.
                                app.confirm_resubmit = Some((s.id.clone(), a.id));
                            } else {
                                acts.push(Act::Send(Command::Resubmit(s.id.clone(), a.id)));
                            }
                        }
                    }
                    if (matches!(a.state, AssetState::Staged) || fixable)
                        && widgets::named_button(
                            ui,
                            i.t("table-remove"),
                            &i.ta("table-remove-label", &[text("name", &a.name)]),
                        )
                        .clicked()
                    {
                        acts.push(Act::Send(Command::Remove(s.id.clone(), a.id)));
                    }
                });
            });
        });
    acts
}
