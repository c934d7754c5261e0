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

/// How much of the steps the top bar has room for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Steps {
    /// Every step's name.
    Named,
    /// The current step's name, the others by number.
    Current,
    /// Numbers only.
    Numbers,
}

/// One step: a numbered circle and its name; done steps get a tick.
fn step(ui: &mut egui::Ui, n: usize, name: &str, now: usize, on_wizard: bool, shown: Steps) {
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
    // The number is painted: screen readers get it from here ("2 of 5", and the name when the
    // bar has no room to write it).
    let said = match shown {
        Steps::Named => format!("{} / {}", n + 1, STEPS.len()),
        _ => format!("{} / {} {name}", n + 1, STEPS.len()),
    };
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
    if shown == Steps::Named || (shown == Steps::Current && current) {
        let text = RichText::new(name);
        ui.label(if current {
            text.strong().color(p.text)
        } else {
            text.color(p.weak)
        });
    }
}

/// How wide `text` is drawn in the body font.
fn text_width(ui: &egui::Ui, text: RichText) -> f32 {
    egui::WidgetText::from(text)
        .into_galley(
            ui,
            Some(egui::TextWrapMode::Extend),
            f32::INFINITY,
            egui::TextStyle::Body,
        )
        .size()
        .x
}

/// What the top bar has room for: the title, how much of the steps, the buttons or a menu.
struct Fit {
    title: bool,
    steps: Steps,
    menu: bool,
}

/// The fullest top bar that fits in `room`: the buttons give way to a menu before the steps
/// lose their names, and the title goes last.
fn fit(ui: &egui::Ui, names: &[String], current: Option<usize>, widths: [f32; 4]) -> Fit {
    let [room, title, nav, menu] = widths;
    let gap = ui.spacing().item_spacing.x;
    let circles = names.len() as f32 * (24.0 + gap);
    let dash = text_width(ui, RichText::new("—")) + gap;
    let name = |n: &String| text_width(ui, RichText::new(n).strong()) + space::XS;
    let dashes = dash * (names.len() as f32 - 1.0);
    let named: f32 = circles + names.iter().map(name).sum::<f32>() + dashes;
    let one = circles + current.and_then(|c| names.get(c)).map_or(0.0, name) + dashes;
    let tries = [
        (true, Steps::Named, named, false),
        (true, Steps::Current, one, false),
        (true, Steps::Named, named, true),
        (true, Steps::Current, one, true),
        (true, Steps::Numbers, circles, true),
    ];
    for (with_title, steps, width, with_menu) in tries {
        let buttons = if with_menu { menu } else { nav };
        if title + width + buttons <= room {
            return Fit {
                title: with_title,
                steps,
                menu: with_menu,
            };
        }
    }
    Fit {
        title: false,
        steps: Steps::Numbers,
        menu: true,
    }
}

/// The bar at the top: the title and the steps, then the ways to the other screens at the
/// right, in reading order. When the window is narrow or the text large, the step names give
/// way to numbers and the buttons to a menu: nothing overlaps.
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
            let links = nav_links(view);
            let pad = ui.spacing().button_padding.x * 2.0 + ui.spacing().item_spacing.x;
            let nav_width: f32 = links
                .iter()
                .map(|l| text_width(ui, RichText::new(i.t(l.key))) + pad)
                .sum();
            let menu = i.t("nav-menu");
            let menu_width = text_width(ui, RichText::new(&menu)) + pad;
            let title = RichText::new(i.t("app-title"))
                .size(size::TITLE - 4.0)
                .strong()
                .color(p.accent);
            let title_width = text_width(ui, title.clone()) + space::L + pad;
            let now = step_of(view.session());
            let on_wizard = view.screen == Screen::Wizard;
            let names: Vec<String> = STEPS.iter().map(|k| i.t(k)).collect();
            let room = ui.available_width() - space::S;
            let widths = [room, title_width, nav_width, menu_width];
            let fit = fit(ui, &names, on_wizard.then_some(now), widths);
            ui.horizontal(|ui| {
                if fit.title {
                    ui.label(title);
                    ui.add_space(space::L);
                }
                for (n, name) in names.iter().enumerate() {
                    ui.scope(|ui| {
                        ui.spacing_mut().item_spacing.x = space::XS;
                        step(ui, n, name, now, on_wizard, fit.steps);
                    });
                    if n + 1 < STEPS.len() && fit.steps != Steps::Numbers {
                        ui.label(theme::hint(ui, "—"));
                    }
                }
                // The buttons (or their menu) at the right, in reading order.
                let buttons = if fit.menu { menu_width } else { nav_width };
                ui.add_space((ui.available_width() - buttons).max(0.0));
                if fit.menu {
                    ui.menu_button(menu, |ui| nav(ui, view, &links, &mut out));
                } else {
                    nav(ui, view, &links, &mut out);
                }
            });
            banners(ui, view, &mut out);
        });
    out
}

/// One of the top bar's buttons.
struct Link {
    key: &'static str,
    go: Intent,
    selected: bool,
    shortcut: Option<&'static egui::KeyboardShortcut>,
}

/// The top bar's buttons, in reading order.
fn nav_links(view: &View<'_>) -> Vec<Link> {
    let new_person = view.screen == Screen::Wizard && view.model.current.is_none();
    let mut links = vec![Link {
        key: "nav-new-person",
        go: Intent::NewSession,
        selected: new_person,
        shortcut: Some(&keys::NEW_PERSON),
    }];
    for (screen, key, shortcut) in [
        (Screen::People, "nav-people", &keys::PEOPLE),
        (Screen::Library, "nav-library", &keys::LIBRARY),
        (Screen::History, "nav-history", &keys::HISTORY),
        (Screen::Settings, "nav-settings", &keys::SETTINGS),
    ] {
        links.push(Link {
            key,
            go: Intent::Go(screen),
            selected: view.screen == screen,
            shortcut: Some(shortcut),
        });
    }
    if let Some(k) = view.kiosk {
        if k.unlocked {
            links.push(Link {
                key: "kiosk-lock",
                go: Intent::Lock,
                selected: false,
                shortcut: None,
            });
        }
        links.push(Link {
            key: "kiosk-leave",
            go: Intent::AskPin(PinFor::Leave),
            selected: false,
            shortcut: None,
        });
    }
    links
}

fn nav(ui: &mut egui::Ui, view: &View<'_>, links: &[Link], out: &mut Vec<Intent>) {
    let i = view.i18n;
    for link in links {
        let mut response = ui.selectable_label(link.selected, i.t(link.key));
        if let Some(shortcut) = link.shortcut {
            response = response.on_hover_text(ui.ctx().format_shortcut(shortcut));
        }
        if response.clicked() {
            out.push(link.go.clone());
            ui.close();
        }
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
