//! Around every screen: the top bar (the steps, the way to History and Settings, the demo's
//! banner, why there is no engine) and the locked screen of kiosk mode.

use eframe::egui::{self, RichText};

use super::intent::{Intent, PinFor, Screen, keys};
use super::theme::{self, Tone, size, space};
use super::view::View;
use crate::flow::{Session, Stage};

/// The five steps staff see.
const STEPS: [&str; 5] = [
    "step-start",
    "step-verify",
    "step-assets",
    "step-review",
    "step-done",
];

fn step_of(session: Option<&Session>) -> usize {
    match session.map(Session::stage) {
        None => 0,
        Some(Stage::Start | Stage::Verify) => 1,
        Some(Stage::Assets) => 2,
        Some(Stage::Uploading | Stage::Reviewing) => 3,
        Some(_) => 4,
    }
}

/// One step: a numbered circle and its name; done steps get a tick.
fn step(ui: &mut egui::Ui, n: usize, name: &str, now: usize, on_wizard: bool) {
    let p = theme::palette(ui);
    let current = n == now && on_wizard;
    let (fill, ink) = if current {
        (p.accent, p.on_accent)
    } else if n < now {
        (p.accent_wash, p.accent)
    } else {
        (p.bg, p.weak)
    };
    let (rect, circle) = ui.allocate_exact_size(egui::vec2(24.0, 24.0), egui::Sense::hover());
    // The number is painted: screen readers get it from here ("2 of 5").
    let said = format!("{} / {}", n + 1, STEPS.len());
    circle.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, said.clone()));
    let c = rect.center();
    let painter = ui.painter();
    painter.circle_filled(c, 12.0, fill);
    if n < now {
        // A tick, drawn: no font needs to have the glyph.
        let tick = vec![
            c + egui::vec2(-5.0, 0.0),
            c + egui::vec2(-1.5, 4.0),
            c + egui::vec2(5.5, -4.0),
        ];
        painter.line(tick, egui::Stroke::new(2.0, ink));
    } else {
        if !current {
            painter.circle_stroke(c, 11.5, egui::Stroke::new(1.0, p.border));
        }
        let number = (n + 1).to_string();
        let font = egui::FontId::proportional(size::SMALL);
        painter.text(c, egui::Align2::CENTER_CENTER, number, font, ink);
    }
    let text = RichText::new(name);
    ui.label(if current {
        text.strong().color(p.text)
    } else {
        text.color(p.weak)
    });
}

/// The bar at the top.
pub fn top_bar(ui: &mut egui::Ui, view: &View<'_>) -> Vec<Intent> {
    let i = view.i18n;
    let mut out = Vec::new();
    let p = theme::palette(ui);
    egui::Panel::top("top-bar")
        .frame(
            egui::Frame::new()
                .fill(p.card)
                .stroke(egui::Stroke::new(1.0, p.border))
                .inner_margin(egui::Margin::symmetric(space::L as i8, space::M as i8)),
        )
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(
                    RichText::new(i.t("app-title"))
                        .size(size::TITLE - 4.0)
                        .strong()
                        .color(p.accent),
                );
                ui.add_space(space::L);
                let now = step_of(view.session());
                for (n, key) in STEPS.iter().enumerate() {
                    ui.scope(|ui| {
                        ui.spacing_mut().item_spacing.x = space::XS;
                        step(ui, n, &i.t(key), now, view.screen == Screen::Wizard);
                    });
                    if n + 1 < STEPS.len() {
                        ui.label(theme::hint(ui, "—"));
                    }
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    nav(ui, view, &mut out);
                });
            });
            banners(ui, view, &mut out);
        });
    out
}

fn nav(ui: &mut egui::Ui, view: &View<'_>, out: &mut Vec<Intent>) {
    let i = view.i18n;
    if let Some(k) = view.kiosk {
        if ui.button(i.t("kiosk-leave")).clicked() {
            out.push(Intent::AskPin(PinFor::Leave));
        }
        if k.unlocked && ui.button(i.t("kiosk-lock")).clicked() {
            out.push(Intent::Lock);
        }
    }
    for (screen, id, key) in [
        (Screen::Settings, "nav-settings", &keys::SETTINGS),
        (Screen::History, "nav-history", &keys::HISTORY),
        (Screen::Library, "nav-library", &keys::LIBRARY),
        (Screen::People, "nav-people", &keys::PEOPLE),
    ] {
        if ui
            .selectable_label(view.screen == screen, i.t(id))
            .on_hover_text(ui.ctx().format_shortcut(key))
            .clicked()
        {
            out.push(Intent::Go(screen));
        }
    }
    let new_person = view.screen == Screen::Wizard && view.model.current.is_none();
    if ui
        .selectable_label(new_person, i.t("nav-new-person"))
        .on_hover_text(ui.ctx().format_shortcut(&keys::NEW_PERSON))
        .clicked()
    {
        out.push(Intent::NewSession);
    }
}

/// The demo's banner, and why there is no engine.
fn banners(ui: &mut egui::Ui, view: &View<'_>, out: &mut Vec<Intent>) {
    let i = view.i18n;
    if view.model.demo {
        ui.add_space(space::S);
        let warn = theme::tone(ui, Tone::Warn);
        egui::Frame::new()
            .fill(theme::palette(ui).bg)
            .stroke(egui::Stroke::new(1.0, warn))
            .corner_radius(6)
            .inner_margin(egui::Margin::symmetric(space::S as i8, space::XS as i8))
            .show(ui, |ui| {
                ui.label(RichText::new(i.t("demo-banner")).color(warn));
            });
    }
    if view.model.roster_down {
        ui.add_space(space::XS);
        let bad = theme::tone(ui, Tone::Bad);
        ui.label(RichText::new(i.t("roster-down-banner")).color(bad));
    }
    if let Some(problem) = &view.model.engine_problem {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(i.msg(problem)).color(theme::tone(ui, Tone::Bad)));
            if ui.button(i.t("open-settings")).clicked() {
                out.push(Intent::Go(Screen::Settings));
            }
        });
    }
}

/// A locked screen in kiosk mode: only the way to the PIN.
pub fn locked(ui: &mut egui::Ui, view: &View<'_>, screen: Screen) -> Vec<Intent> {
    let i = view.i18n;
    let mut out = Vec::new();
    ui.add_space(space::XL * 2.0);
    theme::page(ui, 480.0, |ui| {
        theme::card(ui).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.vertical_centered(|ui| {
                let key = match screen {
                    Screen::Settings => "settings-locked",
                    Screen::People | Screen::Library => "people-locked",
                    _ => "history-locked",
                };
                ui.label(RichText::new(i.t(key)).size(size::BODY + 3.0));
                ui.add_space(space::M);
                if ui.add(theme::primary(ui, i.t("pin-unlock"))).clicked() {
                    out.push(Intent::AskPin(PinFor::Screen(screen)));
                }
            });
        });
    });
    out
}
