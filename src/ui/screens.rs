//! The wizard's steps, the top bar and the overlays (file list, replace, delete). Each draws
//! from the app's state and returns what staff asked for.

use eframe::egui::{self, Color32, RichText};

use super::app::{Act, KioskApp, Screen};
use super::jobs::PickFor;
use super::widgets::{self, AMBER, GREEN, RED};
use crate::api::Language;
use crate::engine::{Command, now_ms};
use crate::flow::{AssetState, Session, Stage, TokenState, Verification};

/// The five steps staff see.
const STEPS: [&str; 5] = ["Start", "Verify", "Assets", "Review", "Done"];

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
    let mut acts = Vec::new();
    egui::Panel::top("top-bar").show(ui, |ui| {
        ui.add_space(4.0);
        ui.horizontal(|ui| {
            ui.heading("Avatar Kiosk");
            ui.separator();
            let step = step_of(app.current_session());
            for (i, name) in STEPS.iter().enumerate() {
                let text = format!("{}. {name}", i + 1);
                let rich = if i == step && app.screen() == Screen::Wizard {
                    RichText::new(text).strong().underline()
                } else if i < step {
                    RichText::new(text).color(GREEN)
                } else {
                    RichText::new(text).weak()
                };
                ui.label(rich);
                if i + 1 < STEPS.len() {
                    ui.label(RichText::new("›").weak());
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .selectable_label(app.screen() == Screen::Settings, "Settings")
                    .on_hover_text("Ctrl+,")
                    .clicked()
                {
                    acts.push(Act::Go(Screen::Settings));
                }
                if ui
                    .selectable_label(app.screen() == Screen::History, "History")
                    .on_hover_text("Ctrl+H")
                    .clicked()
                {
                    acts.push(Act::Go(Screen::History));
                }
                if ui
                    .selectable_label(
                        app.screen() == Screen::Wizard && app.current.is_none(),
                        "New person",
                    )
                    .on_hover_text("Ctrl+N")
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
                        RichText::new(
                            "Demo: everything runs on the built-in APIMart simulator. No real person is verified.",
                        )
                        .color(Color32::from_rgb(0x6B, 0x3D, 0x00)),
                    );
                });
        }
        if let Some(problem) = app.engine_problem.clone() {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(problem).color(RED));
                if ui.button("Open Settings").clicked() {
                    acts.push(Act::Go(Screen::Settings));
                }
            });
        }
        ui.add_space(2.0);
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
        // Native names need the CJK font fallback (issue 6); until then, English names.
        Language::Ko => "Korean",
        Language::En => "English",
        Language::Zh => "Chinese (Simplified)",
        Language::Ja => "Japanese",
    }
}

fn start(app: &mut KioskApp, ui: &mut egui::Ui) -> Vec<Act> {
    let mut acts = Vec::new();
    ui.heading("Start: who is being verified?");
    ui.add_space(8.0);
    egui::Grid::new("start-form")
        .num_columns(2)
        .spacing([12.0, 10.0])
        .show(ui, |ui| {
            let l = ui.label("Person's name");
            let r = ui.add(
                egui::TextEdit::singleline(&mut app.start.person)
                    .hint_text("As they write it")
                    .desired_width(320.0),
            );
            r.labelled_by(l.id);
            ui.end_row();
            let l = ui.label("Note (optional)");
            ui.add(
                egui::TextEdit::singleline(&mut app.start.note)
                    .hint_text("Project, role, booking number…")
                    .desired_width(320.0),
            )
            .labelled_by(l.id);
            ui.end_row();
            let label = ui.label("Their language");
            egui::ComboBox::from_id_salt("person-language")
                .selected_text(language_name(app.start.language))
                .show_ui(ui, |ui| {
                    for l in [Language::Ko, Language::En, Language::Zh, Language::Ja] {
                        ui.selectable_value(&mut app.start.language, l, language_name(l));
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();
        });
    ui.add_space(8.0);
    ui.checkbox(
        &mut app.start.consent,
        "The person agreed to face verification and to their photos being registered",
    );
    ui.add_space(12.0);
    let ready = !app.start.person.trim().is_empty() && app.start.consent;
    let button = egui::Button::new(RichText::new("Start verification").size(16.0))
        .min_size(egui::vec2(200.0, 36.0));
    let clicked = ui.add_enabled(ready, button).clicked();
    let enter = ready
        && ui.input_mut(|i| {
            i.consume_shortcut(&egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND,
                egui::Key::Enter,
            ))
        });
    if clicked || enter {
        acts.push(Act::StartSession);
    }
    if !ready {
        ui.label(
            RichText::new("Type the name and tick consent to continue.")
                .weak()
                .italics(),
        );
    }
    acts
}

fn verify(app: &mut KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    ui.heading("Verify: the person scans the code with their phone");
    let link = match &s.verification {
        Verification::Link(link) => link.clone(),
        Verification::Following { .. } => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Verification received. Reading the result…");
            });
            return;
        }
        _ => {
            if let Some(err) = &s.last_error {
                ui.label(RichText::new(err).color(RED));
                ui.horizontal(|ui| {
                    if ui.button("Try again").clicked() {
                        acts.push(Act::Send(Command::NewLink(s.id.clone())));
                    }
                    if err.contains("Settings") && ui.button("Open Settings").clicked() {
                        acts.push(Act::Go(Screen::Settings));
                    }
                });
            } else {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Getting a verification code…");
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
                ui.label(RichText::new("Verification received. Checking the result…").size(16.0));
            });
            return;
        }
        TokenState::Spent { reason } => {
            ui.label(RichText::new(reason).color(AMBER));
            new_code_only(ui, s, acts);
            return;
        }
        _ if expired => {
            ui.label(
                RichText::new("This code has expired. Codes last two minutes.")
                    .size(16.0)
                    .color(AMBER),
            );
            new_code_only(ui, s, acts);
            return;
        }
        _ => {}
    }
    if let Some(err) = &s.last_error {
        ui.label(RichText::new(err).color(AMBER));
    }
    let remaining = link.expires_at - now;
    // Repaint on the next second boundary for the countdown, and not before.
    let to_next = (remaining % 1000).max(1) as u64;
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(to_next));
    ui.columns(2, |cols| {
        let ui = &mut cols[0];
        let side = ui
            .available_width()
            .min(ui.available_height() - 20.0)
            .clamp(180.0, 560.0);
        widgets::qr(ui, &mut app.qr_cache, &link.h5_link, side);
        let ui = &mut cols[1];
        ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
        ui.label(RichText::new(format!("Expires in {}", widgets::countdown(remaining))).size(26.0).strong());
        ui.add_space(6.0);
        // Dots that move with the countdown: alive, yet no repaint beyond one a second
        // (a spinner would redraw the window continuously).
        let dots = [".  ", ".. ", "..."][((remaining / 1000) % 3) as usize];
        ui.label(RichText::new(format!("Waiting for the phone{dots}")).size(16.0));
        ui.add_space(10.0);
        ui.label("On the phone the person will:");
        ui.label("• sign in to a ByteDance / BytePlus account if asked,");
        ui.label("• follow the face liveness check, in good, even light,");
        ui.label("• see \"success\" at the end. The app then moves on by itself.");
        ui.add_space(10.0);
        ui.horizontal(|ui| {
            if ui.button("Copy link").clicked() {
                acts.push(Act::Copy(link.h5_link.clone(), "The verification link"));
            }
            if ui.button("New code").clicked() {
                acts.push(Act::Send(Command::NewLink(s.id.clone())));
            }
        });
        ui.add_space(6.0);
        if ui
            .button("The phone shows success")
            .on_hover_text("Use this when the phone finished but the app did not move on (the phone could not reach this computer).")
            .clicked()
        {
            acts.push(Act::Send(Command::ConfirmPhone(s.id.clone())));
        }
        if app.is_demo() {
            ui.add_space(12.0);
            egui::Frame::group(ui.style())
                .stroke(egui::Stroke::new(2.0, AMBER))
                .show(ui, |ui| {
                    ui.label(RichText::new("Demo only: simulate the phone").strong().color(AMBER));
                    ui.horizontal(|ui| {
                        if ui.button("Simulate the phone: pass").clicked() {
                            acts.push(Act::Phone(link.task_id.clone(), true));
                        }
                        if ui.button("Simulate the phone: fail").clicked() {
                            acts.push(Act::Phone(link.task_id.clone(), false));
                        }
                    });
                });
        }
        ui.add_space(12.0);
        if ui.button("Cancel this session").clicked() {
            acts.push(Act::Send(Command::Cancel(s.id.clone())));
        }
        });
    });
}

fn new_code_only(ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    ui.add_space(10.0);
    let b =
        egui::Button::new(RichText::new("New code").size(18.0)).min_size(egui::vec2(180.0, 44.0));
    if ui.add(b).clicked() {
        acts.push(Act::Send(Command::NewLink(s.id.clone())));
    }
}

/// The ways to add assets: dialog, drop, paste.
fn add_panel(app: &mut KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    ui.horizontal(|ui| {
        if ui
            .button("Choose files…")
            .on_hover_text("Ctrl+O. You can also drop files on the window.")
            .clicked()
        {
            acts.push(Act::Pick(PickFor::Add(s.id.clone())));
        }
        if ui.button("Browse in the app…").clicked() {
            acts.push(Act::InAppPicker(PickFor::Add(s.id.clone())));
        }
        ui.label(RichText::new("or drop photos on this window").weak());
    });
    if app.dialog_failed {
        ui.label(
            RichText::new("The system file dialog is not available here: use \"Browse in the app…\" or paste paths below.")
                .color(AMBER),
        );
    }
    ui.add_space(4.0);
    let l = ui.label("Paste image or video URLs, or file paths, one per line");
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::multiline(&mut app.paste)
                .desired_rows(2)
                .desired_width(ui.available_width() - 90.0)
                .hint_text("https://cdn.studio.example/people/minji-01.jpg"),
        )
        .labelled_by(l.id);
        if ui
            .add_enabled(!app.paste.trim().is_empty(), egui::Button::new("Add"))
            .clicked()
        {
            acts.push(Act::AddPasted);
        }
    });
}

/// Rows staged and not yet sent, and what blocks them.
fn blockers(app: &KioskApp, s: &Session) -> (usize, usize, usize) {
    let staged: Vec<_> = s
        .current_assets()
        .filter(|a| matches!(a.state, AssetState::Staged))
        .collect();
    let mut problems = 0;
    let mut checking = 0;
    for a in &staged {
        match app.checks.get(&super::app::source_key(&a.source)) {
            Some(c) if c.problem.is_some() => problems += 1,
            Some(c)
                if c.texture.is_none()
                    && c.hash.is_none()
                    && matches!(a.source, crate::flow::AssetSource::File { .. }) =>
            {
                checking += 1
            }
            _ => {}
        }
    }
    (staged.len(), problems, checking)
}

fn submit_button(app: &KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    let (staged, problems, checking) = blockers(app, s);
    if staged == 0 {
        return;
    }
    let ok = problems == 0 && checking == 0;
    let label = format!("Upload and submit {staged} asset(s)");
    let b = egui::Button::new(RichText::new(label).size(16.0)).min_size(egui::vec2(220.0, 36.0));
    let clicked = ui.add_enabled(ok, b).on_hover_text("Ctrl+Enter").clicked();
    let key = ok
        && ui.input_mut(|i| {
            i.consume_shortcut(&egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND,
                egui::Key::Enter,
            ))
        });
    if clicked || key {
        acts.push(Act::Send(Command::Submit(s.id.clone())));
    }
    if problems > 0 {
        ui.label(
            RichText::new(format!(
                "Remove the {problems} row(s) with a problem before submitting."
            ))
            .color(RED),
        );
    } else if checking > 0 {
        ui.label(RichText::new(format!("Checking {checking} file(s)…")).weak());
    }
}

fn assets(app: &mut KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
    ui.horizontal(|ui| {
        widgets::chip(ui, "Verified", GREEN);
        ui.heading("Assets: add the person's photos and videos");
    });
    ui.add_space(6.0);
    add_panel(app, ui, s, acts);
    ui.add_space(8.0);
    submit_button(app, ui, s, acts);
    ui.add_space(8.0);
    acts.extend(super::table::show(app, ui, s));
}

fn review(app: &mut KioskApp, ui: &mut egui::Ui, s: &Session, acts: &mut Vec<Act>) {
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
        Stage::Uploading => ("Review: uploading", widgets::BLUE),
        Stage::Reviewing => ("Review: APIMart is checking the assets", widgets::BLUE),
        Stage::FinishedAllApproved => ("Done: every asset is approved", GREEN),
        Stage::FinishedPartly => ("Done: some assets need another photo", AMBER),
        Stage::Cancelled => ("Cancelled", widgets::GREY),
        _ => ("Done: nothing was approved", RED),
    };
    ui.label(RichText::new(title).size(20.0).strong().color(color));
    if let Verification::Failed { reason } = &s.verification {
        ui.label(RichText::new(format!("Verification did not pass: {reason}")).color(RED));
        ui.label(
            "Check the light and that the right person is in front of the phone, then try again.",
        );
        if ui.button("Try again with a new code").clicked() {
            acts.push(Act::Send(Command::NewLink(s.id.clone())));
        }
    }
    if let Some(err) = &s.last_error {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(err).color(AMBER));
            if ui.button("Check again").on_hover_text("F5").clicked() {
                acts.push(Act::Send(Command::Refresh(s.id.clone())));
            }
        });
    }
    ui.label(format!(
        "{active} approved · {failed} need attention · {pending} in progress"
    ));
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        if ui
            .add_enabled(active > 0, egui::Button::new("Copy all approved URLs"))
            .clicked()
        {
            acts.push(Act::Copy(
                crate::flow::export::approved_urls(s),
                "The approved asset URLs",
            ));
        }
        if ui.button("Export CSV").clicked() {
            acts.push(Act::Export(s.id.clone(), true));
        }
        if ui.button("Export JSON").clicked() {
            acts.push(Act::Export(s.id.clone(), false));
        }
        if stage.is_final() && ui.button("Next person").on_hover_text("Ctrl+N").clicked() {
            acts.push(Act::NewSession);
        }
    });
    if s.group_id().is_some() && stage != Stage::Cancelled {
        egui::CollapsingHeader::new("Add more assets")
            .default_open(stage == Stage::FinishedPartly)
            .show(ui, |ui| {
                add_panel(app, ui, s, acts);
                submit_button(app, ui, s, acts);
            });
    }
    ui.add_space(6.0);
    acts.extend(super::table::show(app, ui, s));
}

/// Windows over the screen: the in-app file list, the replace dialog, the delete question,
/// and the hint while files are dragged over the window.
pub fn overlays(app: &mut KioskApp, ctx: &egui::Context) -> Vec<Act> {
    let mut acts = Vec::new();
    let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
    if hovering {
        egui::Area::new(egui::Id::unique("drop-hint"))
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.label(RichText::new("Drop to add these files").size(22.0));
                });
            });
    }
    picker_window(app, ctx, &mut acts);
    replace_window(app, ctx, &mut acts);
    if let Some(id) = app.confirm_delete.clone() {
        let person = app
            .history
            .as_ref()
            .and_then(|h| h.iter().find(|r| r.id == id))
            .map(|r| r.person.clone())
            .unwrap_or_default();
        let modal = egui::Modal::new(egui::Id::unique("confirm-delete")).show(ctx, |ui| {
            ui.heading(format!("Delete {person}?"));
            ui.label("This removes the session, its rows and its log from this computer. Assets already approved stay registered at APIMart.");
            ui.horizontal(|ui| {
                if ui.button(RichText::new("Delete").color(RED)).clicked() {
                    acts.push(Act::Send(Command::Delete(id.clone())));
                    app.confirm_delete = None;
                }
                if ui.button("Keep").clicked() {
                    app.confirm_delete = None;
                }
            });
        });
        if modal.should_close() {
            app.confirm_delete = None;
        }
    }
    acts
}

fn picker_window(app: &mut KioskApp, ctx: &egui::Context, acts: &mut Vec<Act>) {
    let Some(mut picker) = app.picker.clone() else {
        return;
    };
    let mut open = true;
    let mut go_to: Option<std::path::PathBuf> = None;
    let mut finish = false;
    egui::Window::new("Choose files")
        .open(&mut open)
        .default_size([520.0, 420.0])
        .collapsible(false)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                let l = ui.label("Folder");
                let r = ui
                    .add(egui::TextEdit::singleline(&mut picker.dir_text).desired_width(300.0))
                    .labelled_by(l.id);
                if (r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)))
                    || ui.button("Go").clicked()
                {
                    go_to = Some(std::path::PathBuf::from(picker.dir_text.trim()));
                }
                if let Some(parent) = picker.dir.parent()
                    && ui.button("Up").clicked()
                {
                    go_to = Some(parent.to_path_buf());
                }
            });
            ui.separator();
            egui::ScrollArea::vertical()
                .max_height(300.0)
                .show(ui, |ui| match &picker.entries {
                    None => {
                        ui.spinner();
                    }
                    Some(Err(e)) => {
                        ui.label(RichText::new(e).color(RED));
                    }
                    Some(Ok(entries)) if entries.is_empty() => {
                        ui.label("No folders or images here.");
                    }
                    Some(Ok(entries)) => {
                        for e in entries {
                            if e.is_dir {
                                if ui.link(format!("📁 {}", e.name)).clicked() {
                                    go_to = Some(e.path.clone());
                                }
                            } else {
                                let mut on = picker.selected.contains(&e.path);
                                if ui.checkbox(&mut on, &e.name).changed() {
                                    if on {
                                        picker.selected.push(e.path.clone());
                                    } else {
                                        picker.selected.retain(|p| *p != e.path);
                                    }
                                }
                            }
                        }
                    }
                });
            ui.separator();
            let n = picker.selected.len();
            if ui
                .add_enabled(n > 0, egui::Button::new(format!("Add {n} file(s)")))
                .clicked()
            {
                finish = true;
            }
        });
    if finish {
        let paths = std::mem::take(&mut picker.selected);
        match picker.target.clone() {
            PickFor::Add(_) => acts.push(Act::AddFiles(paths)),
            PickFor::Replace(id, asset) => {
                if let Some(p) = paths.into_iter().next() {
                    acts.push(Act::Send(Command::Replace(
                        id,
                        asset,
                        crate::engine::NewAsset {
                            name: None,
                            source: crate::flow::AssetSource::File { path: p },
                            kind: None,
                        },
                    )));
                }
            }
        }
        app.picker = None;
        return;
    }
    if !open {
        app.picker = None;
        return;
    }
    if let Some(dir) = go_to {
        app.open_folder(ctx, picker.target.clone(), dir);
    } else {
        app.picker = Some(picker);
    }
}

fn replace_window(app: &mut KioskApp, ctx: &egui::Context, acts: &mut Vec<Act>) {
    let Some((id, asset)) = app.replacing.clone() else {
        return;
    };
    let name = app
        .sessions
        .get(&id)
        .and_then(|s| s.assets.iter().find(|a| a.id == asset))
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let mut close = false;
    let modal = egui::Modal::new(egui::Id::unique("replace")).show(ctx, |ui| {
        ui.heading(format!("Replace {name}"));
        ui.label("Choose another photo of the person, or paste the URL of one.");
        ui.horizontal(|ui| {
            if ui.button("Choose a file…").clicked() {
                acts.push(Act::Pick(PickFor::Replace(id.clone(), asset)));
                close = true;
            }
            if ui.button("Browse in the app…").clicked() {
                acts.push(Act::InAppPicker(PickFor::Replace(id.clone(), asset)));
                close = true;
            }
        });
        let l = ui.label("Replacement URL or file path");
        ui.add(egui::TextEdit::singleline(&mut app.replace_url).desired_width(360.0))
            .labelled_by(l.id);
        ui.horizontal(|ui| {
            let typed = app.replace_url.trim().to_string();
            if ui
                .add_enabled(!typed.is_empty(), egui::Button::new("Replace"))
                .clicked()
            {
                match crate::cli::parse_asset(&typed, None) {
                    Ok(new) => {
                        acts.push(Act::Send(Command::Check(new.source.clone())));
                        acts.push(Act::Send(Command::Replace(id.clone(), asset, new)));
                        close = true;
                    }
                    Err(why) => {
                        ui.label(RichText::new(why).color(RED));
                    }
                }
            }
            if ui.button("Cancel").clicked() {
                close = true;
            }
        });
    });
    if close || modal.should_close() {
        app.replacing = None;
        app.replace_url.clear();
    }
}
