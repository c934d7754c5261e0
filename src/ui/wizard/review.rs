//! Steps 4 and 5, Review and Done: where the assets stand, the approved URLs, exports, more
//! assets for the same group, and the next person.

use eframe::egui::{self, RichText};

use super::{Wizard, add};
use crate::engine::Command;
use crate::flow::{Phase, Session, Stage, Verification};
use crate::i18n::s as text;
use crate::ui::intent::{Intent, keys};
use crate::ui::theme::{self, Tone, size, space};
use crate::ui::view::View;

/// Rows by phase: approved, needing staff, still on their way.
fn counts(s: &Session) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for a in s.current_assets() {
        match a.phase() {
            Phase::Approved => c.0 += 1,
            Phase::NeedsStaff => c.1 += 1,
            Phase::Unsent | Phase::InReview => c.2 += 1,
        }
    }
    c
}

/// A number with its word, large, in a tone.
fn tile(ui: &mut egui::Ui, number: usize, word: &str, tone: Tone) {
    let p = theme::palette(ui);
    egui::Frame::new()
        .fill(p.bg)
        .corner_radius(8)
        .inner_margin(egui::Margin::symmetric(space::L as i8, space::S as i8))
        .show(ui, |ui| {
            ui.vertical(|ui| {
                ui.label(
                    RichText::new(number.to_string())
                        .size(size::TITLE + 6.0)
                        .strong()
                        .color(p.tone(tone)),
                );
                ui.label(theme::hint(ui, word).size(size::SMALL));
            });
        });
}

pub(super) fn show(
    w: &mut Wizard,
    ui: &mut egui::Ui,
    view: &View<'_>,
    s: &Session,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    let stage = s.stage();
    let (active, failed, pending) = counts(s);
    let (title, tone) = match stage {
        Stage::Uploading => (i.t("review-uploading"), Tone::Info),
        Stage::Reviewing => (i.t("review-checking"), Tone::Info),
        Stage::FinishedAllApproved => (i.t("done-all"), Tone::Ok),
        Stage::FinishedPartly => (i.t("done-partly"), Tone::Warn),
        Stage::Cancelled => (i.t("done-cancelled"), Tone::Neutral),
        _ => (i.t("done-none"), Tone::Bad),
    };
    theme::card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(
            RichText::new(title)
                .size(size::TITLE)
                .strong()
                .color(theme::tone(ui, tone)),
        );
        problems(ui, view, s, out);
        ui.add_space(space::S);
        ui.horizontal(|ui| {
            tile(ui, active, &i.t("review-tile-approved"), Tone::Ok);
            tile(ui, failed, &i.t("review-tile-attention"), Tone::Bad);
            tile(ui, pending, &i.t("review-tile-going"), Tone::Info);
        });
        // The same counts in one sentence, for screen readers and exports of the screen.
        let summary = i.ta(
            "review-summary",
            &[
                crate::i18n::n("active", active),
                crate::i18n::n("failed", failed),
                crate::i18n::n("pending", pending),
            ],
        );
        ui.label(theme::hint(ui, summary).size(size::SMALL));
        ui.add_space(space::M);
        actions(ui, view, s, active, out);
    });
    if s.group_id().is_some() && s.accepts_assets() {
        ui.add_space(space::S);
        // A returning person, from People: open, once.
        let open = (w.open_add.as_deref() == Some(s.id.as_str())).then_some(true);
        if open.is_some() {
            w.open_add = None;
        }
        egui::CollapsingHeader::new(i.t("review-add-more"))
            .default_open(stage == Stage::FinishedPartly)
            .open(open)
            .show(ui, |ui| {
                add::add_panel(w, ui, view, s, out);
                add::submit_button(ui, view, s, out);
            });
    }
    if !s.renders.is_empty() {
        ui.add_space(space::S);
        crate::ui::render::panel(ui, view, s, &mut w.posters, out);
    }
    ui.add_space(space::M);
    out.extend(w.table.show(ui, view, s));
}

/// A failed verification, or an error the review met, with the way on.
fn problems(ui: &mut egui::Ui, view: &View<'_>, s: &Session, out: &mut Vec<Intent>) {
    let i = view.i18n;
    if let Verification::Failed { reason } = &s.verification {
        let reason = i.msg(reason);
        ui.label(
            RichText::new(i.ta("review-verify-failed", &[text("reason", &reason)]))
                .color(theme::tone(ui, Tone::Bad)),
        );
        ui.label(i.t("review-verify-failed-hint"));
        if ui.button(i.t("review-new-code")).clicked() {
            out.push(Intent::Send(Command::NewLink(s.id.clone())));
        }
    }
    // The upstream no longer takes this person's group: the way on is a new verification.
    let retired = s.current_assets().any(|a| {
        matches!(&a.state, crate::flow::AssetState::Refused { reason } if reason.id() == "api-group-retired")
    });
    if retired {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(i.t("review-group-retired")).color(theme::tone(ui, Tone::Bad)));
            if ui
                .add(theme::primary(ui, i.t("review-verify-again")))
                .clicked()
            {
                out.push(Intent::VerifyAgain(s.id.clone()));
            }
        });
    }
    if let Some(err) = &s.last_error {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(i.msg(err)).color(theme::tone(ui, Tone::Warn)));
            if ui
                .button(i.t("review-check-again"))
                .on_hover_text(ui.ctx().format_shortcut(&keys::CHECK_AGAIN))
                .clicked()
            {
                out.push(Intent::Send(Command::Refresh(s.id.clone())));
            }
        });
    }
}

fn actions(ui: &mut egui::Ui, view: &View<'_>, s: &Session, active: usize, out: &mut Vec<Intent>) {
    let i = view.i18n;
    ui.horizontal(|ui| {
        if s.stage().is_final()
            && ui
                .add(theme::primary(ui, i.t("review-next")))
                .on_hover_text(ui.ctx().format_shortcut(&keys::NEW_PERSON))
                .clicked()
        {
            out.push(Intent::NewSession);
        }
        if ui
            .add_enabled(active > 0, egui::Button::new(i.t("review-copy-all")))
            .clicked()
        {
            let urls = crate::flow::export::approved_urls(s);
            let each = vec![s.id.clone(); urls.lines().count()];
            out.push(Intent::CopyUrls(urls, i.t("copied-approved"), each));
        }
        if ui.button(i.t("review-export-csv")).clicked() {
            out.push(Intent::Export(s.id.clone(), true));
        }
        if ui.button(i.t("review-export-json")).clicked() {
            out.push(Intent::Export(s.id.clone(), false));
        }
        if ui.button(i.t("review-receipt")).clicked() {
            out.push(Intent::Send(Command::Receipt(s.id.clone())));
        }
        if s.group_id().is_some() && active > 0 && s.stage().is_final() {
            let render = egui::Button::new(i.t("review-test-render"));
            if ui
                .add(render)
                .on_hover_text(i.t("review-test-render-hint"))
                .clicked()
            {
                out.push(Intent::AskRender(s.id.clone()));
            }
        }
    });
}
