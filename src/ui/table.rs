//! The asset table: one row per current asset, virtual rows so a thousand stay smooth, and
//! filters that group rows exactly as their status words do.

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use super::intent::Intent;
use super::theme::{self, Tone, space};
use super::view::View;
use super::widgets;
use crate::engine::Command;
use crate::flow::{Asset, AssetSource, AssetState, Phase, Session, Stage};
use crate::i18n::{I18n, s as text};

/// Which rows the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Filter {
    /// Every row.
    #[default]
    All,
    /// Rows in one phase.
    Only(Phase),
}

impl Filter {
    /// Every filter, in the order the bar shows them.
    pub const ALL: [Filter; 5] = [
        Filter::All,
        Filter::Only(Phase::Unsent),
        Filter::Only(Phase::InReview),
        Filter::Only(Phase::Approved),
        Filter::Only(Phase::NeedsStaff),
    ];

    fn key(self) -> &'static str {
        match self {
            Filter::All => "filter-all",
            Filter::Only(Phase::Unsent) => "filter-unsent",
            Filter::Only(Phase::InReview) => "filter-processing",
            Filter::Only(Phase::Approved) => "filter-active",
            Filter::Only(Phase::NeedsStaff) => "filter-attention",
        }
    }

    /// Whether a row passes.
    pub fn keeps(self, a: &Asset) -> bool {
        match self {
            Filter::All => true,
            Filter::Only(p) => a.phase() == p,
        }
    }
}

/// The table's own state.
#[derive(Debug, Default)]
pub struct AssetTable {
    /// The filter chosen.
    pub filter: Filter,
    /// The search typed: rows whose name, source or status contain it.
    pub search: String,
}

fn progress(state: &AssetState) -> Option<f32> {
    match state {
        AssetState::Uploading { sent, total } if *total > 0 => {
            Some((*sent as f64 / *total as f64) as f32)
        }
        AssetState::Uploading { .. } => Some(0.0),
        _ => None,
    }
}

impl AssetTable {
    /// Draws the filter bar and the table; returns what staff clicked.
    pub fn show(&mut self, ui: &mut egui::Ui, view: &View<'_>, s: &Session) -> Vec<Intent> {
        self.draw(ui, view, s, false)
    }

    /// The table without its filters and with small rows: for the few photos staged while the
    /// person is on the phone, under the QR code.
    pub fn show_compact(&mut self, ui: &mut egui::Ui, view: &View<'_>, s: &Session) -> Vec<Intent> {
        self.draw(ui, view, s, true)
    }

    fn draw(
        &mut self,
        ui: &mut egui::Ui,
        view: &View<'_>,
        s: &Session,
        compact: bool,
    ) -> Vec<Intent> {
        let i = view.i18n;
        let mut out = Vec::new();
        let rows: Vec<&Asset> = s.current_assets().collect();
        if rows.is_empty() {
            empty(ui, i);
            return out;
        }
        let filter = if compact { Filter::All } else { self.filter };
        if !compact {
            ui.horizontal(|ui| {
                ui.label(theme::hint(ui, i.t("table-show")));
                for f in Filter::ALL {
                    let n = rows.iter().filter(|a| f.keeps(a)).count();
                    let label = i.ta(f.key(), &[crate::i18n::n("n", n)]);
                    ui.selectable_value(&mut self.filter, f, label);
                }
            });
            ui.add_space(space::XS);
        }
        if !compact {
            let (label, hint) = (i.t("search-label"), i.t("table-search-hint"));
            widgets::search_field(ui, label, hint, &mut self.search);
            ui.add_space(space::XS);
        }
        let search = if compact { "" } else { self.search.as_str() };
        let shown: Vec<&Asset> = rows
            .into_iter()
            .filter(|a| filter.keeps(a))
            .filter(|a| {
                // Nothing searched: every row, without spelling out each source every frame.
                search.trim().is_empty() || {
                    let source = a.source.display();
                    let word = crate::flow::export::status_word(a);
                    crate::flow::search_finds(search, [a.name.as_str(), source.as_str(), word])
                }
            })
            .collect();
        let (row_height, thumb) = if compact { (40.0, 32.0) } else { (64.0, 52.0) };
        TableBuilder::new(ui)
            .id_salt("assets-table")
            .striped(true)
            .resizable(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(60.0))
            .column(Column::initial(130.0).at_least(80.0).clip(true))
            .column(Column::initial(140.0).at_least(80.0).clip(true))
            .column(Column::exact(130.0))
            .column(Column::initial(320.0).at_least(160.0).clip(true))
            .column(Column::initial(230.0).at_least(140.0).clip(true))
            // The last column takes what is left: the table never runs past the page.
            .column(Column::remainder().at_least(120.0))
            // Room for rows: the page scrolls when the window is small.
            .min_scrolled_height(if compact { 120.0 } else { 360.0 })
            .header(28.0, |mut header| {
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
                        ui.label(theme::hint(ui, title).strong().size(theme::size::SMALL));
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, shown.len(), |mut row| {
                    let Some(a) = shown.get(row.index()).copied() else {
                        return;
                    };
                    row.col(|ui| preview(ui, view, a, thumb));
                    row.col(|ui| {
                        ui.label(RichText::new(&a.name).strong());
                    });
                    row.col(|ui| source(ui, a));
                    row.col(|ui| status(ui, i, a));
                    row.col(|ui| reason(ui, i, a));
                    row.col(|ui| url(ui, i, s, a, &mut out));
                    row.col(|ui| {
                        let fixing = view.model.fixing.contains(&(s.id.clone(), a.id));
                        fix_action(ui, i, s, a, fixing, &mut out);
                        row_actions(ui, i, s, a, &mut out);
                    });
                });
            });
        out
    }
}

/// No rows yet: what to do next.
fn empty(ui: &mut egui::Ui, i: &I18n) {
    let p = theme::palette(ui);
    egui::Frame::new()
        .stroke(egui::Stroke::new(1.0, p.border))
        .corner_radius(8)
        .inner_margin(space::L)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.vertical_centered(|ui| {
                ui.label(RichText::new(i.t("table-empty")).strong());
                ui.label(theme::hint(ui, i.t("table-empty-hint")));
            });
        });
}

fn preview(ui: &mut egui::Ui, view: &View<'_>, a: &Asset, side: f32) {
    let i = view.i18n;
    match view.preview(&a.source).and_then(|p| p.texture.as_ref()) {
        Some(t) => {
            ui.add(
                egui::Image::new(t)
                    .fit_to_exact_size(egui::vec2(side, side))
                    .maintain_aspect_ratio(true)
                    .corner_radius(6)
                    .alt_text(i.ta("table-preview", &[text("name", &a.name)])),
            );
        }
        None => {
            let word = if matches!(a.source, AssetSource::Url { .. }) {
                i.t("table-url")
            } else if a.kind == crate::api::AssetKind::Video
                && a.check != crate::flow::Check::Pending
            {
                // No frame could be decoded here (no ffmpeg): the kind says what it is.
                i.t("table-video")
            } else {
                "…".to_string()
            };
            ui.label(theme::hint(ui, word));
        }
    }
}

fn source(ui: &mut egui::Ui, a: &Asset) {
    let src = a.source.display();
    let short = match &a.source {
        AssetSource::File { path } => path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| src.clone()),
        AssetSource::Url { .. } => src.clone(),
    };
    ui.label(theme::hint(ui, short)).on_hover_text(src);
}

fn status(ui: &mut egui::Ui, i: &I18n, a: &Asset) {
    let (key, tone) = widgets::chip_of(a);
    let word = i.t(key);
    match progress(&a.state) {
        Some(p) => {
            ui.vertical(|ui| {
                widgets::chip(ui, &word, tone);
                ui.add(
                    egui::ProgressBar::new(p)
                        .desired_width(110.0)
                        .show_percentage(),
                );
            });
        }
        None => {
            widgets::chip(ui, &word, tone);
        }
    }
}

fn reason(ui: &mut egui::Ui, i: &I18n, a: &Asset) {
    // The flow's verdict is the one both front ends obey.
    if let Some(p) = crate::flow::export::reason(a).map(|m| i.msg(&m)) {
        let text = RichText::new(p.clone())
            .size(theme::size::SMALL)
            .color(theme::tone(ui, Tone::Bad));
        ui.add(egui::Label::new(text).wrap()).on_hover_text(p);
    }
    // The camera's warnings, until the row is approved: what may make it fail, never a block.
    if !matches!(a.state, AssetState::Active { .. }) {
        for hint in &a.hints {
            let said = i.msg(hint);
            let text = RichText::new(format!("⚠ {said}"))
                .size(theme::size::SMALL)
                .color(theme::tone(ui, Tone::Warn));
            ui.add(egui::Label::new(text).wrap()).on_hover_text(said);
        }
    }
}

fn url(ui: &mut egui::Ui, i: &I18n, s: &Session, a: &Asset, out: &mut Vec<Intent>) {
    let AssetState::Active { asset_url, .. } = &a.state else {
        return;
    };
    if widgets::named_button(
        ui,
        i.t("table-copy"),
        &i.ta("table-copy-label", &[text("name", &a.name)]),
    )
    .on_hover_text(i.t("table-copy-hint"))
    .clicked()
    {
        let (url, what) = (asset_url.clone(), i.t("copied-asset"));
        out.push(Intent::CopyUrls(url, what, vec![s.id.clone()]));
    }
    // Whole when it fits, else its start and end (the id) with the middle left out; the one
    // tooltip is the whole address.
    let shown = middle_elided(asset_url, 40);
    let label = widgets::asset_url(ui, &shown);
    if shown != *asset_url {
        label.on_hover_text(asset_url);
    }
}

/// `text` in at most `max` characters: the start and the end kept, `…` between.
fn middle_elided(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max || max < 3 {
        return text.to_string();
    }
    let keep = max - 1;
    let head: String = text.chars().take(keep / 2).collect();
    let tail: String = text.chars().skip(count - (keep - keep / 2)).collect();
    format!("{head}…{tail}")
}

/// A local video ffmpeg can mend offers Fix (or shows that it is being fixed).
fn fix_action(
    ui: &mut egui::Ui,
    i: &I18n,
    s: &Session,
    a: &Asset,
    fixing: bool,
    out: &mut Vec<Intent>,
) {
    let offered = a.is_current()
        && s.stage() != Stage::Cancelled
        && matches!(&a.check, crate::flow::Check::Blocked { reason } if reason.id() == "video-fixable");
    if !offered {
        return;
    }
    if fixing {
        ui.add(egui::Spinner::new());
        ui.label(theme::hint(ui, i.t("table-fixing")));
    } else if widgets::named_button(
        ui,
        i.t("table-fix"),
        &i.ta("table-fix-label", &[text("name", &a.name)]),
    )
    .clicked()
    {
        out.push(Intent::AskFix(s.id.clone(), a.id));
    }
}

fn row_actions(ui: &mut egui::Ui, i: &I18n, s: &Session, a: &Asset, out: &mut Vec<Intent>) {
    let who = [text("name", &a.name)];
    let fixable = a.state.needs_staff();
    let open = s.stage() != Stage::Cancelled;
    // A row that cannot be sent as it is (a broken photo, a file left on another desk) can be
    // replaced too.
    let blocked = a.is_blocked() && a.is_current() && !fixable;
    if blocked
        && open
        && widgets::named_button(ui, i.t("table-replace"), &i.ta("table-replace-label", &who))
            .clicked()
    {
        out.push(Intent::AskReplace(s.id.clone(), a.id));
    }
    if fixable && s.group_id().is_some() && open {
        if widgets::named_button(ui, i.t("table-replace"), &i.ta("table-replace-label", &who))
            .clicked()
        {
            out.push(Intent::AskReplace(s.id.clone(), a.id));
        }
        let hint = if matches!(a.state, AssetState::Failed { .. }) {
            i.t("table-resubmit-failed-hint")
        } else {
            i.t("table-resubmit-hint")
        };
        if widgets::named_button(
            ui,
            i.t("table-resubmit"),
            &i.ta("table-resubmit-label", &who),
        )
        .on_hover_text(hint)
        .clicked()
        {
            if matches!(a.state, AssetState::Uncertain { .. }) {
                // It may already be under review: ask before sending again.
                out.push(Intent::AskResubmit(s.id.clone(), a.id));
            } else {
                out.push(Intent::Send(Command::Resubmit(s.id.clone(), a.id)));
            }
        }
    }
    if (matches!(a.state, AssetState::Staged) || fixable)
        && widgets::named_button(ui, i.t("table-remove"), &i.ta("table-remove-label", &who))
            .clicked()
    {
        out.push(Intent::Send(Command::Remove(s.id.clone(), a.id)));
    }
}

#[cfg(test)]
mod tests {
    use super::middle_elided;

    #[test]
    fn a_long_address_keeps_its_start_and_its_end() {
        let url = "asset://asset-20261202-0123456789abcdef0123456789abcdef";
        let shown = middle_elided(url, 40);
        assert_eq!(shown.chars().count(), 40);
        assert!(
            shown.starts_with("asset://asset-") && shown.ends_with("89abcdef"),
            "{shown}"
        );
        assert_eq!(middle_elided("asset://a1", 40), "asset://a1");
    }
}
