//! The Fix dialog of a local video that breaks a limit ffmpeg can mend: staff choose where the
//! 15 s kept begin; the fixed copy then takes the row's place. The original file is kept.

use eframe::egui::{self, RichText};

use super::intent::Intent;
use super::theme;
use super::view::View;
use crate::engine::Command;
use crate::flow::AssetId;
use crate::i18n::s as text;

/// The longest part of a video that is kept, in seconds (a little under 15 s: whole frames).
const KEPT_SECS: f64 = crate::media::fix::KEPT_MS as f64 / 1000.0;

/// What the dialog is for, and the start chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct FixForm {
    /// The session.
    pub session: String,
    /// The row.
    pub asset: AssetId,
    /// The row's name.
    pub name: String,
    /// The video's length, when its index could be read.
    pub length_ms: Option<u64>,
    /// Where the part kept begins, in seconds.
    pub start_secs: f64,
}

/// The dialog, when open.
pub fn dialog(
    ctx: &egui::Context,
    view: &View<'_>,
    form: &mut Option<FixForm>,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    let Some(f) = form.as_mut() else {
        return;
    };
    let mut close = false;
    let modal = egui::Modal::new(egui::Id::unique("fix_video")).show(ctx, |ui| {
        ui.set_max_width(460.0);
        ui.label(theme::title(i.ta("fix-title", &[text("name", &f.name)])));
        ui.label(i.t("fix-body"));
        let length = f.length_ms.map_or(0.0, |ms| ms as f64 / 1000.0);
        let latest = (length - KEPT_SECS).max(0.0);
        if latest > 0.0 {
            ui.add_space(6.0);
            ui.label(RichText::new(i.t("fix-start")).strong());
            ui.spacing_mut().slider_width = 300.0;
            ui.add(
                egui::Slider::new(&mut f.start_secs, 0.0..=latest)
                    .step_by(0.5)
                    .fixed_decimals(1)
                    .suffix(" s"),
            )
            .on_hover_text(i.t("fix-start"));
            let to = (f.start_secs + KEPT_SECS).min(length);
            let (from, to, length) = (
                format!("{:.1}", f.start_secs),
                format!("{to:.1}"),
                format!("{length:.1}"),
            );
            let args = [
                text("from", &from),
                text("to", &to),
                text("length", &length),
            ];
            ui.label(theme::hint(ui, i.ta("fix-keeps", &args)));
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button(i.t("fix-button")).clicked() {
                let start_ms = (f.start_secs.clamp(0.0, latest) * 1000.0).round() as u64;
                out.push(Intent::Fixing(f.session.clone(), f.asset));
                out.push(Intent::Send(Command::FixVideo(
                    f.session.clone(),
                    f.asset,
                    start_ms,
                )));
                close = true;
            }
            if ui.button(i.t("fix-cancel")).clicked() {
                close = true;
            }
        });
    });
    if close || modal.should_close() {
        *form = None;
    }
}
