//! The wizard's steps, the top bar and the overlays (file list, replace, delete). Each draws
//! from the app's state and returns what staff asked for.

use eframe::egui::{self, Color32, RichText};

use super::app::{Act, KioskApp, Screen, keys};
use super::i18n::{I18n, n, s as text};
use super::jobs::PickFor;
use super::kiosk::PinFor;
use super::widgets::{self, AMBER, GREEN, RED};
use crate::api::Language;
use crate::engine::{Command, now_ms};
use crate::flow::{AssetState, Session, Stage, TokenState, Verification};

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

/// The bar at the top: the steps, and the way to History and Settings.
pub fn top_bar(app: &mut KioskApp, ui: &mut egui::Ui) -> Vec<Act> {
    let i = app.i18n.clone();
    let mut acts = Vec::new();
    egui::Panel::top("top-bar").show(ui, |ui| {
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.heading(i.t("app-title"));
            ui.separator();
            let step = step_of(app.current_session());
            for (n, key) in STEPS.iter().enumerate() {
                let text = i.ta(
                    "step-numbered",
                    &[
                        super::i18n::n("n", n + 1),
                        super::i18n::s("name", &i.t(key)),
                    ],
                );
                let rich = if n == step && app.screen() == Screen::Wizard {
                    RichText::new(text).strong().underline()
                } else if n < step {
                    RichText::new(text).color(GREEN)
                } else {
                    RichText::new(text).weak()
                };
                ui.label(rich);
                if n + 1 < STEPS.len() {
                    ui.label(RichText::new("›").weak());
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if app.kiosk.is_some() {
                    if ui.button(i.t("kiosk-leave")).clicked() {
                        acts.push(Act::AskPin(PinFor::Leave));
                    }
                    if app.kiosk.as_ref().is_some_and(|k| k.unlocked)
                        && ui.button(i.t("kiosk-lock")).clicked()
                    {
                        acts.push(Act::Lock);
                    }
                }
                if ui
                    .selectable_label(app.screen() == Screen::Settings, i.t("nav-settings"))
                    .on_hover_text(ui.ctx().format_shortcut(&keys::SETTINGS))
                    .clicked()
                {
                    acts.push(Act::Go(Screen::Settings));
                }
                if ui
                    .selectable_label(app.screen() == Screen::History, i.t("nav-history"))
                    .on_hover_text(ui.ctx().format_shortcut(&keys::HISTORY))
                    .clicked()
                {
                    acts.push(Act::Go(Screen::History));
                }
                if ui
                    .selectable_label(
                        app.screen() == Screen::Wizard && app.current.is_none(),
                        i.t("nav-new-person"),
                    )
                    .on_hover_text(ui.ctx().format_shortcut(&keys::NEW_PERSON))
                    .clicked()
                {
                    acts.push(Act::NewSession);
                }
            });
        });
        if app.is_demo() {
            egui::Frame::new()
                .fill(Color32::from_rgb(0xFF, 0xF1, 0xD6))
                .inner_margin(egui::Margin::symmetric(8, 4))
                .show(ui, |ui| {
                    ui.label(
                        RichText::new(i.t("demo-banner"))
                            .color(Color32::from_rgb(0x6B, 0x3D, 0x00)),
                    );
                });
        }
        if let Some(problem) = app.engine_problem.clone() {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(i.msg(&problem)).color(RED));
                if ui.button(i.t("open-settings")).clicked() {
                    acts.push(Act::Go(Screen::Settings));
                }
            });
        }
        ui.add_space(2.0);
    });
    acts
}

/// A locked screen in kiosk mode: only the way to the PIN.
pub fn locked(app: &mut KioskApp, ui: &mut egui::Ui, screen: Screen) -> Vec<Act> {
    let i = app.i18n.clone();
    let mut acts = Vec::new();
    ui.add_space(40.0);
    ui.vertical_centered(|ui| {
        let key = if screen == Screen::Settings {
            "settings-locked"
        } else {
            "history-locked"
        };
        ui.label(RichText::new(i.t(key)).size(18.0));
        ui.add_space(12.0);
        if ui.button(i.t("pin-unlock")).clicked() {
            acts.push(Act::AskPin(PinFor::Screen(screen)));
        }
    });
    acts
}

/// The wizard: the step is computed from the stored session.
pub fn wizard(app: &mut KioskApp, ui: &mut egui::Ui) -> Vec<Act> {
    let Some(session) = app
        .current
        .as_ref()
        .and_then(|id| app.sessions.get(id))
        .cloned()
    else {
        return start(app, ui);
    };
    let mut acts = Vec::new();
    ui.horizontal(|ui| {
        ui.label(RichText::new(&session.person).size(20.0).strong());
        if !session.note.is_empty() {
            ui.label(RichText::new(&session.note).weak());
        }
    });
    ui.add_space(6.0);
    match session.stage() {
        Stage::Start | Stage::Verify => verify(app, ui, &session, &mut acts),
        Stage::Assets => assets(app, ui, &session, &mut acts),
        _ => review(app, ui, &session, &mut acts),
    }
    acts
}

fn language_name(l: Language) -> &'static str {
    match l {
        Language::Ko => "lang-ko",
        Language::En => "lang-en",
        Language::Zh => "lang-zh",
        Language::Ja => "lang-ja",
    }
}

fn start(app: &mut KioskApp, ui: &mut egui::Ui) -> Vec<Act> {
    let i = app.i18n.clone();
    let mut acts = Vec::new();
    ui.heading(i.t("start-title"));
    ui.add_space(8.0);
    egui::Grid::new("start-form")
        .num_columns(2)
        .spacing([12.0, 10.0])
        .show(ui, |ui| {
            let l = ui.label(i.t("start-name"));
            let r = ui.add(
                egui::TextEdit::singleline(&mut app.start.person)
                    .hint_text(i.t("start-name-hint"))
                    .desired_width(320.0),
            );
            r.labelled_by(l.id);
            ui.end_row();
            let l = ui.label(i.t("start-note"));
            ui.add(
                egui::TextEdit::singleline(&mut app.start.note)
                    .hint_text(i.t("start-note-hint"))
                    .desired_width(320.0),
            )
            .labelled_by(l.id);
            ui.end_row();
            let label = ui.label(i.t("start-language"));
            egui::ComboBox::from_id_salt("person-language")
                .selected_text(i.t(language_name(app.start.language)))
                .show_ui(ui, |ui| {
                    for l in [Language::Ko, Language::En, Language::Zh, Language::Ja] {
                        ui.selectable_value(&mut app.start.language, l, i.t(language_name(l)));
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
        });
    ui.add_space(8.0);
    ui.checkbox(&mut app.start.consent, i.t("start-consent"))
        .on_hover_text(i.t("start-consent-hint"));
    ui.add_space(12.0);
    let ready = !app.start.person.trim().is_empty() && app.start.consent && !app.starting();
    let button = egui::Button::new(RichText::new(i.t("start-button")).size(16.0))
        .min_size(egui::vec2(200.0, 36.0));
    let clicked = ui
        .add_enabled(ready, button)
        .on_hover_text(ui.ctx().format_shortcut(&keys::GO_ON))
        .clicked();
    let enter = ready && ui.input_mut(|i| i.consume_shortcut(&keys::GO_ON));
    if clicked || enter {
        acts.push(Act::StartSession);
    }
    if !ready {
        ui.label(RichText::new(i.t("start-missing")).weak().italics());
    }
    acts
}

fn verify(app: &mut KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    let i = app.i18n.clone();
    ui.heading(i.t("verify-title"));
    let link = match &s.verification {
        Verification::Link(link) => link.clone(),
        Verification::Following { .. } => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(i.t("verify-reading"));
            });
            staged_meanwhile(app, ui, s, acts);
            return;
        }
        _ => {
            if let Some(err) = &s.last_error {
                ui.label(RichText::new(i.msg(err)).color(RED));
                ui.horizontal(|ui| {
                    if ui.button(i.t("verify-try-again")).clicked() {
                        acts.push(Act::Send(Command::NewLink(s.id.clone())));
                    }
                    if err.points_to_settings() && ui.button(i.t("open-settings")).clicked() {
                        acts.push(Act::Go(Screen::Settings));
                    }
                });
            } else {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(i.t("verify-getting-code"));
                });
            }
            return;
        }
    };
    let now = now_ms();
    let expired = link.token_state == TokenState::Expired
        || (link.token_state == TokenState::Waiting && now >= link.expires_at);
    match &link.token_state {
        TokenState::Used { .. } => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(RichText::new(i.t("verify-checking")).size(16.0));
            });
            staged_meanwhile(app, ui, s, acts);
            return;
        }
        TokenState::Spent { reason } => {
            ui.label(RichText::new(i.msg(reason)).color(AMBER));
            new_code_only(ui, &i, s, acts);
            staged_meanwhile(app, ui, s, acts);
            return;
        }
        _ if expired => {
            ui.label(RichText::new(i.t("verify-expired")).size(16.0).color(AMBER));
            new_code_only(ui, &i, s, acts);
            staged_meanwhile(app, ui, s, acts);
            return;
        }
        _ => {}
    }
    if let Some(err) = &s.last_error {
        ui.label(RichText::new(i.msg(err)).color(AMBER));
    }
    let remaining = link.expires_at - now;
    // Repaint on the next second boundary for the countdown, and not before.
    let to_next = (remaining % 1000).max(1) as u64;
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(to_next));
    // The QR keeps the room it needs; the photos staged meanwhile go below it.
    let qr_room = (ui.available_height() - 240.0).max(180.0);
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        let side = ui.available_width().min(qr_room).clamp(180.0, 520.0);
        widgets::qr(
            ui,
            &mut app.qr_cache,
            &link.h5_link,
            side,
            &i.t("qr-alt"),
            &i.t("qr-too-long"),
        );
        let ui = &mut cols[1];
        ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
            ui.label(
                RichText::new(i.ta(
                    "verify-expires-in",
                    &[text("time", &widgets::countdown(remaining))],
                ))
                .size(26.0)
                .strong(),
            );
            ui.add_space(6.0);
            // Dots that move with the countdown: alive, yet no repaint beyond one a second
            // (a spinner would redraw the window continuously).
            let dots = [".  ", ".. ", "..."][((remaining / 1000) % 3) as usize];
            ui.label(RichText::new(i.ta("verify-waiting", &[text("dots", dots)])).size(16.0));
            ui.add_space(10.0);
            ui.label(i.t("verify-phone-will"));
            ui.label(i.t("verify-phone-sign-in"));
            ui.label(i.t("verify-phone-face"));
            ui.label(i.t("verify-phone-success"));
            ui.add_space(10.0);
            ui.horizontal(|ui| {
                if ui.button(i.t("verify-copy-link")).clicked() {
                    acts.push(Act::Copy(link.h5_link.clone(), i.t("copied-link")));
                }
                if ui.button(i.t("verify-new-code")).clicked() {
                    acts.push(Act::Send(Command::NewLink(s.id.clone())));
                }
            });
            ui.add_space(6.0);
            if ui
                .button(i.t("verify-confirm"))
                .on_hover_text(i.t("verify-confirm-hint"))
                .clicked()
            {
                acts.push(Act::Send(Command::ConfirmPhone(s.id.clone())));
            }
            if app.is_demo() {
                ui.add_space(12.0);
                egui::Frame::group(ui.style())
                    .stroke(egui::Stroke::new(2.0, AMBER))
                    .show(ui, |ui| {
                        ui.label(
                            RichText::new(i.t("verify-demo-title"))
                                .strong()
                                .color(AMBER),
                        );
                        ui.horizontal(|ui| {
                            if ui.button(i.t("verify-demo-pass")).clicked() {
                                acts.push(Act::Phone(link.task_id.clone(), true));
                            }
                            if ui.button(i.t("verify-demo-fail")).clicked() {
                                acts.push(Act::Phone(link.task_id.clone(), false));
                            }
                        });
                    });
            }
            ui.add_space(12.0);
            if app.kiosk.is_some()
                && app.customer_window_on(ui.ctx()).is_none()
                && ui
                    .button(RichText::new(i.t("verify-show-customer")).size(16.0))
                    .clicked()
            {
                acts.push(Act::CustomerView(true));
            }
            if ui.button(i.t("verify-cancel")).clicked() {
                acts.push(Act::Send(Command::Cancel(s.id.clone())));
            }
        });
    });
    staged_meanwhile(app, ui, s, acts);
}

/// The person's photos, added while they are on the phone: checked and uploaded now, submitted
/// the moment verification passes. Staff only (never on the person's screen).
fn staged_meanwhile(app: &mut KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    let i = app.i18n.clone();
    ui.separator();
    ui.strong(i.t("verify-assets-title"));
    ui.label(RichText::new(i.t("verify-assets-hint")).weak());
    add_panel(app, ui, s, acts);
    if s.current_assets().next().is_some() {
        ui.add_space(4.0);
        acts.extend(super::table::show(app, ui, s));
    }
}

fn new_code_only(ui: &mut egui::Ui, i: &I18n, s: &Session, acts: &mut Vec<Act>) {
    ui.add_space(10.0);
    let b = egui::Button::new(RichText::new(i.t("verify-new-code")).size(18.0))
        .min_size(egui::vec2(180.0, 44.0));
    if ui.add(b).clicked() {
        acts.push(Act::Send(Command::NewLink(s.id.clone())));
    }
}

/// The ways to add assets: dialog, drop, paste.
fn add_panel(app: &mut KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    let i = app.i18n.clone();
    ui.horizontal(|ui| {
        if ui
            .button(i.t("assets-choose"))
            .on_hover_text(i.ta(
                "assets-choose-hint",
                &[text("keys", &ui.ctx().format_shortcut(&keys::ADD_FILES))],
            ))
            .clicked()
        {
            acts.push(Act::Pick(PickFor::Add(s.id.clone())));
        }
        if ui.button(i.t("assets-browse")).clicked() {
            acts.push(Act::InAppPicker(PickFor::Add(s.id.clone())));
        }
        ui.label(RichText::new(i.t("assets-drop")).weak());
    });
    if app.dialog_failed {
        ui.label(RichText::new(i.t("assets-no-dialog")).color(AMBER));
    }
    ui.add_space(4.0);
    let l = ui.label(i.t("assets-paste"));
    ui.horizontal(|ui| {
        let width = ui.available_width() - 90.0;
        // Twenty pasted paths scroll inside the field instead of pushing the page down.
        egui::ScrollArea::vertical()
            .id_salt("paste-field")
            .max_height(64.0)
            .show(ui, |ui| {
                let field = ui
                    .add(
                        egui::TextEdit::multiline(&mut app.paste)
                            .desired_rows(2)
                            .desired_width(width)
                            .hint_text("https://cdn.studio.example/people/minji-01.jpg"),
                    )
                    .labelled_by(l.id);
                // Ctrl+Enter in the field adds what was pasted (elsewhere it starts or submits).
                if field.has_focus()
                    && !app.paste.trim().is_empty()
                    && ui.input_mut(|i| i.consume_shortcut(&keys::GO_ON))
                {
                    acts.push(Act::AddPasted);
                }
            });
        if ui
            .add_enabled(
                !app.paste.trim().is_empty(),
                egui::Button::new(i.t("assets-add")),
            )
            .clicked()
        {
            acts.push(Act::AddPasted);
        }
    });
}

/// Rows not yet sent, and how many of them the pre-send check blocks or is still reading.
fn blockers(s: &Session) -> (usize, usize, usize) {
    let unsent: Vec<_> = s
        .current_assets()
        .filter(|a| a.submissions == 0 && !a.queued)
        .filter(|a| {
            matches!(
                a.state,
                AssetState::Staged | AssetState::Uploading { .. } | AssetState::Uploaded { .. }
            )
        })
        .collect();
    let problems = unsent.iter().filter(|a| a.is_blocked()).count();
    let checking = unsent
        .iter()
        .filter(|a| a.check == crate::flow::Check::Pending)
        .count();
    (unsent.len(), problems, checking)
}

fn submit_button(app: &KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    let i = app.i18n.clone();
    let (unsent, problems, checking) = blockers(s);
    if unsent == 0 {
        return;
    }
    // Blocked rows stay behind (the flow never sends them); the rest can go.
    let ok = unsent > problems;
    let label = i.ta("assets-submit", &[n("n", unsent - problems)]);
    let b = egui::Button::new(RichText::new(label).size(16.0)).min_size(egui::vec2(220.0, 36.0));
    let clicked = ui
        .add_enabled(ok, b)
        .on_hover_text(ui.ctx().format_shortcut(&keys::GO_ON))
        .clicked();
    let key = ok && ui.input_mut(|i| i.consume_shortcut(&keys::GO_ON));
    if clicked || key {
        acts.push(Act::Send(Command::Submit(s.id.clone())));
    }
    if problems > 0 {
        ui.label(RichText::new(i.ta("assets-remove-problems", &[n("n", problems)])).color(RED));
    } else if checking > 0 {
        ui.label(RichText::new(i.ta("assets-checking", &[n("n", checking)])).weak());
    }
}

fn assets(app: &mut KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    let i = app.i18n.clone();
    ui.horizontal(|ui| {
        widgets::chip(ui, &i.t("assets-verified"), GREEN);
        ui.heading(i.t("assets-title"));
    });
    ui.add_space(6.0);
    add_panel(app, ui, s, acts);
    ui.add_space(8.0);
    submit_button(app, ui, s, acts);
    ui.add_space(8.0);
    acts.extend(super::table::show(app, ui, s));
}

fn review(app: &mut KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    let i = app.i18n.clone();
    let stage = s.stage();
    let rows: Vec<_> = s.current_assets().collect();
    let active = rows
        .iter()
        .filter(|a| matches!(a.state, AssetState::Active { .. }))
        .count();
    let failed = rows
        .iter()
        .filter(|a| crate::flow::export::needs_attention(&a.state))
        .count();
    let pending = rows.len() - active - failed;
    let (title, color) = match stage {
        Stage::Uploading => (i.t("review-uploading"), widgets::BLUE),
        Stage::Reviewing => (i.t("review-checking"), widgets::BLUE),
        Stage::FinishedAllApproved => (i.t("done-all"), GREEN),
        Stage::FinishedPartly => (i.t("done-partly"), AMBER),
        Stage::Cancelled => (i.t("done-cancelled"), widgets::GREY),
        _ => (i.t("done-none"), RED),
    };
    ui.label(RichText::new(title).size(20.0).strong().color(color));
    if let Verification::Failed { reason } = &s.verification {
        ui.label(
            RichText::new(i.ta("review-verify-failed", &[text("reason", &i.msg(reason))]))
                .color(RED),
        );
        ui.label(i.t("review-verify-failed-hint"));
        if ui.button(i.t("review-new-code")).clicked() {
            acts.push(Act::Send(Command::NewLink(s.id.clone())));
        }
    }
    if let Some(err) = &s.last_error {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(i.msg(err)).color(AMBER));
            if ui
                .button(i.t("review-check-again"))
                .on_hover_text(ui.ctx().format_shortcut(&keys::CHECK_AGAIN))
                .clicked()
            {
                acts.push(Act::Send(Command::Refresh(s.id.clone())));
            }
        });
    }
    ui.label(i.ta(
        "review-summary",
        &[
            n("active", active),
            n("failed", failed),
            n("pending", pending),
        ],
    ));
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        if ui
            .add_enabled(active > 0, egui::Button::new(i.t("review-copy-all")))
            .clicked()
        {
            acts.push(Act::Copy(
                crate::flow::export::approved_urls(s),
                i.t("copied-approved"),
            ));
        }
        if ui.button(i.t("review-export-csv")).clicked() {
            acts.push(Act::Export(s.id.clone(), true));
        }
        if ui.button(i.t("review-export-json")).clicked() {
            acts.push(Act::Export(s.id.clone(), false));
        }
        if stage.is_final()
            && ui
                .button(i.t("review-next"))
                .on_hover_text(ui.ctx().format_shortcut(&keys::NEW_PERSON))
                .clicked()
        {
            acts.push(Act::NewSession);
        }
    });
    if s.group_id().is_some() && stage != Stage::Cancelled {
        egui::CollapsingHeader::new(i.t("review-add-more"))
            .default_open(stage == Stage::FinishedPartly)
            .show(ui, |ui| {
                add_panel(app, ui, s, acts);
                submit_button(app, ui, s, acts);
            });
    }
    ui.add_space(6.0);
    acts.extend(super::table::show(app, ui, s));
}
