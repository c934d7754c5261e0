//! A person's withdrawal from People: a question first (what goes, what stays at APIMart),
//! then what was deleted, with the references staff ask APIMart to delete (the API has none).

use eframe::egui::{self, RichText};

use super::intent::Intent;
use super::theme::{self, Tone};
use super::view::View;
use crate::engine::{Command, Removal};
use crate::i18n::{n, s as text};

/// The withdrawal's dialogs.
#[derive(Debug, Default)]
pub struct Withdraw {
    /// The person staff asked to withdraw (session, name), until they confirm.
    pub confirm: Option<(String, String)>,
    /// What a withdrawal just deleted, until staff close it.
    pub done: Option<Removal>,
}

/// Draws whichever of the two is open.
pub fn dialogs(ctx: &egui::Context, view: &View<'_>, w: &mut Withdraw, out: &mut Vec<Intent>) {
    question(ctx, view, w, out);
    done(ctx, view, w, out);
}

fn question(ctx: &egui::Context, view: &View<'_>, w: &mut Withdraw, out: &mut Vec<Intent>) {
    let i = view.i18n;
    let Some((id, person)) = w.confirm.clone() else {
        return;
    };
    let mut close = false;
    let modal = egui::Modal::new(egui::Id::unique("confirm-withdraw")).show(ctx, |ui| {
        ui.set_max_width(520.0);
        ui.label(theme::title(
            i.ta("withdraw-title", &[text("person", &person)]),
        ));
        ui.label(i.t("withdraw-body"));
        ui.label(RichText::new(i.t("withdraw-upstream")).color(theme::tone(ui, Tone::Warn)));
        ui.horizontal(|ui| {
            let bad = theme::tone(ui, Tone::Bad);
            if ui
                .button(RichText::new(i.t("withdraw-button")).color(bad))
                .clicked()
            {
                out.push(Intent::Send(Command::Withdraw(id.clone())));
                close = true;
            }
            if ui.button(i.t("withdraw-keep")).clicked() {
                close = true;
            }
        });
    });
    if close || modal.should_close() {
        w.confirm = None;
    }
}

fn done(ctx: &egui::Context, view: &View<'_>, w: &mut Withdraw, out: &mut Vec<Intent>) {
    let i = view.i18n;
    let Some(r) = &w.done else {
        return;
    };
    let mut close = false;
    let modal = egui::Modal::new(egui::Id::unique("withdrawn-receipt")).show(ctx, |ui| {
        ui.set_max_width(560.0);
        ui.label(theme::title(
            i.ta("withdrawn-title", &[text("person", &r.person)]),
        ));
        ui.label(i.ta(
            "withdrawn-deleted",
            &[n("files", r.files.len()), n("objects", r.objects.len())],
        ));
        if r.upstream.is_empty() {
            ui.label(i.t("withdrawn-nothing-upstream"));
        } else {
            ui.label(i.ta("withdrawn-upstream", &[n("n", r.upstream.len())]));
            let urls = r.upstream.join("\n");
            egui::ScrollArea::vertical()
                .max_height(160.0)
                .show(ui, |ui| {
                    for url in &r.upstream {
                        super::widgets::asset_url(ui, url);
                    }
                });
            if ui.button(i.t("withdrawn-copy")).clicked() {
                let each = vec![r.session.clone(); r.upstream.len()];
                out.push(Intent::CopyUrls(urls, i.t("copied-asset"), each));
            }
        }
        if ui.button(i.t("withdrawn-save-receipt")).clicked() {
            out.push(Intent::Send(Command::Receipt(r.session.clone())));
        }
        if ui.button(i.t("withdrawn-close")).clicked() {
            close = true;
        }
    });
    if close || modal.should_close() {
        w.done = None;
    }
}
