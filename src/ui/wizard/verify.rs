//! Step 2, Verify: the QR code of the H5 link with room to be scanned, the countdown and what
//! the phone will ask beside it, and the photos staff add meanwhile below.

use eframe::egui::{self, RichText};

use super::{Wizard, add};
use crate::engine::Command;
use crate::flow::{Link, Session, TokenState, Verification};
use crate::i18n::s as text;
use crate::ui::intent::{Intent, Screen, keys};
use crate::ui::theme::{self, Tone, size, space};
use crate::ui::view::View;
use crate::ui::widgets;

pub(super) fn show(
    w: &mut Wizard,
    ui: &mut egui::Ui,
    view: &View<'_>,
    s: &Session,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    let link = match &s.verification {
        Verification::Link(link) => link.clone(),
        Verification::Following { .. } => {
            busy(ui, &i.t("verify-reading"));
            add::staged_meanwhile(w, ui, view, s, out);
            return;
        }
        _ => {
            no_link_yet(ui, view, s, out);
            return;
        }
    };
    let now = view.now;
    let expired = link.token_state == TokenState::Expired
        || (link.token_state == TokenState::Waiting && now >= link.expires_at);
    let said = match &link.token_state {
        TokenState::Used { .. } => {
            busy(ui, &i.t("verify-checking"));
            None
        }
        TokenState::Spent { reason } => Some(i.msg(reason)),
        _ if expired => Some(i.t("verify-expired")),
        _ => {
            code_card(w, ui, view, s, &link, out);
            None
        }
    };
    if let Some(said) = said {
        theme::card(ui).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(
                RichText::new(said)
                    .size(size::BODY + 2.0)
                    .color(theme::tone(ui, Tone::Warn)),
            );
            ui.add_space(space::M);
            if ui.add(theme::primary(ui, i.t("verify-new-code"))).clicked() {
                out.push(Intent::Send(Command::NewLink(s.id.clone())));
            }
        });
    }
    add::staged_meanwhile(w, ui, view, s, out);
}

fn busy(ui: &mut egui::Ui, what: &str) {
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(RichText::new(what).size(size::BODY + 1.0));
    });
}

/// No link yet: on its way, or the last try failed.
fn no_link_yet(ui: &mut egui::Ui, view: &View<'_>, s: &Session, out: &mut Vec<Intent>) {
    let i = view.i18n;
    let Some(err) = &s.last_error else {
        busy(ui, &i.t("verify-getting-code"));
        return;
    };
    ui.label(RichText::new(i.msg(err)).color(theme::tone(ui, Tone::Bad)));
    ui.horizontal(|ui| {
        if ui.button(i.t("verify-try-again")).clicked() {
            out.push(Intent::Send(Command::NewLink(s.id.clone())));
        }
        if err.points_to_settings() && ui.button(i.t("open-settings")).clicked() {
            out.push(Intent::Go(Screen::Settings));
        }
    });
}

/// The code to scan, and beside it the countdown, what the phone will ask, and the ways on.
fn code_card(
    w: &mut Wizard,
    ui: &mut egui::Ui,
    view: &View<'_>,
    s: &Session,
    link: &Link,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    if let Some(err) = &s.last_error {
        ui.label(RichText::new(i.msg(err)).color(theme::tone(ui, Tone::Warn)));
    }
    let remaining = link.expires_at - view.now;
    // Repaint on the next second boundary for the countdown, and not before.
    let to_next = u64::try_from((remaining % 1000).max(1)).unwrap_or(1000);
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(to_next));
    // The QR keeps the room it needs; the photos staged meanwhile go below it.
    // With no rows yet the photos' card is all that goes below; with rows, their table too.
    let below = if s.current_assets().next().is_some() {
        360.0
    } else {
        220.0
    };
    let qr_room = (ui.available_height() - below).clamp(200.0, 420.0);
    theme::card(ui).inner_margin(space::M).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_top(|ui| {
            // Black on white whatever the theme, with a white margin, so phones read it.
            widgets::qr_card(
                ui,
                &mut w.qr,
                &link.h5_link,
                qr_room,
                &i.t("qr-alt"),
                &i.t("qr-too-long"),
            );
            ui.add_space(space::XL);
            ui.vertical(|ui| beside_the_code(ui, view, s, link, remaining, out));
        });
    });
}

fn beside_the_code(
    ui: &mut egui::Ui,
    view: &View<'_>,
    s: &Session,
    link: &Link,
    remaining: i64,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    let accent = theme::palette(ui).accent;
    let time = widgets::countdown(remaining);
    ui.label(
        RichText::new(i.ta("verify-expires-in", &[text("time", &time)]))
            .size(size::TITLE + 8.0)
            .strong()
            .color(accent),
    );
    // Dots that move with the countdown: alive, yet no repaint beyond one a second (a
    // spinner would redraw the window continuously).
    let dots = [".  ", ".. ", "..."][usize::try_from((remaining / 1000) % 3).unwrap_or(0)];
    ui.label(RichText::new(i.ta("verify-waiting", &[text("dots", dots)])).size(size::BODY + 1.0));
    ui.add_space(space::M);
    ui.label(RichText::new(i.t("verify-phone-will")).strong());
    ui.spacing_mut().item_spacing.y = space::XS;
    for step in [
        "verify-phone-sign-in",
        "verify-phone-face",
        "verify-phone-success",
    ] {
        ui.label(i.t(step));
    }
    ui.spacing_mut().item_spacing.y = space::S;
    ui.add_space(space::M);
    ui.horizontal_wrapped(|ui| {
        if ui
            .button(i.t("verify-confirm"))
            .on_hover_text(i.t("verify-confirm-hint"))
            .clicked()
        {
            out.push(Intent::Send(Command::ConfirmPhone(s.id.clone())));
        }
        if ui.button(i.t("verify-copy-link")).clicked() {
            out.push(Intent::Copy(link.h5_link.clone(), i.t("copied-link")));
        }
        if ui.button(i.t("verify-new-code")).clicked() {
            out.push(Intent::Send(Command::NewLink(s.id.clone())));
        }
        if ui.button(i.t("verify-cancel")).clicked() {
            out.push(Intent::Send(Command::Cancel(s.id.clone())));
        }
    });
    if view.model.demo {
        let warn = theme::tone(ui, Tone::Warn);
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(i.t("verify-demo-title")).strong().color(warn));
            // Also from the keyboard (F8, F9), so a demo runs without the mouse.
            for (label, key, passes) in [
                ("verify-demo-pass", keys::DEMO_PASS, true),
                ("verify-demo-fail", keys::DEMO_FAIL, false),
            ] {
                let pressed = ui
                    .button(i.t(label))
                    .on_hover_text(ui.ctx().format_shortcut(&key))
                    .clicked()
                    || ui.input_mut(|i| i.consume_shortcut(&key));
                if pressed {
                    out.push(Intent::Phone(link.task_id.clone(), passes));
                }
            }
        });
    }
    if view.kiosk.is_some() && !view.person_window {
        ui.add_space(space::S);
        if ui
            .add(theme::primary(ui, i.t("verify-show-person")))
            .clicked()
        {
            out.push(Intent::PersonView(true));
        }
    }
}
