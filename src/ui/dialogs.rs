//! The windows over the wizard: the in-app file list, the replacement, the questions before
//! deleting a person or sending an uncertain row again, and the staff PIN. Each draws from the
//! app's state and returns what staff asked for.

use eframe::egui::{self, RichText};

use super::app::{Act, KioskApp};
use super::i18n::{n, s as text};
use super::jobs::PickFor;
use super::widgets::{AMBER, RED};
use crate::engine::Command;

/// The staff PIN question, when kiosk mode asks it.
pub fn pin_prompt(app: &mut KioskApp, ctx: &egui::Context) -> Vec<Act> {
    let mut acts = Vec::new();
    let i = app.i18n.clone();
    let no_pin = app.launch.settings.kiosk_pin_hash.is_none() || app.launch.settings_unreadable;
    let Some(k) = app.kiosk.as_mut() else {
        return acts;
    };
    let wait = k
        .retry_at
        .map(|at| at.saturating_duration_since(std::time::Instant::now()))
        .filter(|d| !d.is_zero());
    let Some(prompt) = k.prompt.as_mut() else {
        return acts;
    };
    if let Some(d) = wait {
        // Count the wait down without a busy window: one repaint a second.
        ctx.request_repaint_after(std::time::Duration::from_secs(1).min(d));
    }
    let mut cancel = false;
    let modal = egui::Modal::new(egui::Id::unique("pin-prompt")).show(ctx, |ui| {
        ui.heading(i.t("pin-title"));
        let l = ui.label(i.t("pin-field"));
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut prompt.pin)
                    .password(true)
                    .desired_width(160.0),
            )
            .labelled_by(l.id);
        if !prompt.checking && !r.has_focus() && prompt.pin.is_empty() {
            r.request_focus();
        }
        let enter = r.lost_focus() && ui.input(|inp| inp.key_pressed(egui::Key::Enter));
        if no_pin {
            ui.label(RichText::new(i.t("pin-none-known")).color(AMBER));
        }
        if prompt.wrong {
            ui.label(RichText::new(i.t("pin-wrong")).color(RED));
        }
        if let Some(d) = wait {
            let secs = d.as_secs() + 1;
            ui.label(RichText::new(i.ta("pin-wait", &[n("n", secs as usize)])).color(AMBER));
        }
        if prompt.checking {
            ui.label(i.t("pin-checking"));
        }
        ui.horizontal(|ui| {
            if (ui
                .add_enabled(
                    !prompt.checking && wait.is_none(),
                    egui::Button::new(i.t("pin-unlock")),
                )
                .clicked()
                || enter)
                && !prompt.pin.is_empty()
            {
                acts.push(Act::CheckPin);
            }
            if ui.button(i.t("cancel")).clicked() {
                cancel = true;
            }
        });
    });
    if (cancel || modal.should_close())
        && let Some(k) = &mut app.kiosk
    {
        k.prompt = None;
    }
    acts
}

/// Windows over the screen: the in-app file list, the replace dialog, the delete question,
/// and the hint while files are dragged over the window.
pub fn overlays(app: &mut KioskApp, ctx: &egui::Context) -> Vec<Act> {
    let i = app.i18n.clone();
    let mut acts = Vec::new();
    let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
    if hovering {
        egui::Area::new(egui::Id::unique("drop-hint"))
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.label(RichText::new(i.t("assets-drop-here")).size(22.0));
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
            ui.heading(i.ta("delete-title", &[text("person", &person)]));
            ui.label(i.t("delete-body"));
            ui.horizontal(|ui| {
                if ui
                    .button(RichText::new(i.t("delete-button")).color(RED))
                    .clicked()
                {
                    acts.push(Act::Send(Command::Delete(id.clone())));
                    app.confirm_delete = None;
                }
                if ui.button(i.t("delete-keep")).clicked() {
                    app.confirm_delete = None;
                }
            });
        });
        if modal.should_close() {
            app.confirm_delete = None;
        }
    }
    resubmit_question(app, ctx, &mut acts);
    acts
}

/// Sending an uncertain row again may register it twice: staff say so first.
fn resubmit_question(app: &mut KioskApp, ctx: &egui::Context, acts: &mut Vec<Act>) {
    let i = app.i18n.clone();
    let Some((session, asset)) = app.confirm_resubmit.clone() else {
        return;
    };
    let name = app
        .sessions
        .get(&session)
        .and_then(|s| s.assets.iter().find(|a| a.id == asset))
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let modal = egui::Modal::new(egui::Id::unique("confirm-resubmit")).show(ctx, |ui| {
        ui.heading(i.ta("resubmit-title", &[text("name", &name)]));
        ui.label(RichText::new(i.t("resubmit-body")).color(AMBER));
        ui.horizontal(|ui| {
            if ui.button(i.t("resubmit-anyway")).clicked() {
                acts.push(Act::Send(Command::Resubmit(session.clone(), asset)));
                app.confirm_resubmit = None;
            }
            if ui.button(i.t("resubmit-wait")).clicked() {
                app.confirm_resubmit = None;
            }
        });
    });
    if modal.should_close() {
        app.confirm_resubmit = None;
    }
}

fn picker_window(app: &mut KioskApp, ctx: &egui::Context, acts: &mut Vec<Act>) {
    let i = app.i18n.clone();
    let Some(mut picker) = app.picker.clone() else {
        return;
    };
    let mut open = true;
    let mut go_to: Option<std::path::PathBuf> = None;
    let mut finish = false;
    egui::Window::new(i.t("picker-title"))
        .open(&mut open)
        .default_size([520.0, 420.0])
        .collapsible(false)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                let l = ui.label(i.t("picker-folder"));
                let r = ui
                    .add(egui::TextEdit::singleline(&mut picker.dir_text).desired_width(300.0))
                    .labelled_by(l.id);
                if (r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)))
                    || ui.button(i.t("picker-go")).clicked()
                {
                    go_to = Some(std::path::PathBuf::from(picker.dir_text.trim()));
                }
                if let Some(parent) = picker.dir.parent()
                    && ui.button(i.t("picker-up")).clicked()
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
                        ui.label(i.t("picker-empty"));
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
                .add_enabled(
                    n > 0,
                    egui::Button::new(i.ta("picker-add", &[super::i18n::n("n", n)])),
                )
                .clicked()
            {
                finish = true;
            }
        });
    if finish {
        let paths = std::mem::take(&mut picker.selected);
        acts.push(Act::Picked(picker.target.clone(), paths));
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
    let i = app.i18n.clone();
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
        ui.heading(i.ta("replace-title", &[text("name", &name)]));
        ui.label(i.t("replace-hint"));
        ui.horizontal(|ui| {
            if ui.button(i.t("replace-choose")).clicked() {
                acts.push(Act::Pick(PickFor::Replace(id.clone(), asset)));
                close = true;
            }
            if ui.button(i.t("assets-browse")).clicked() {
                acts.push(Act::InAppPicker(PickFor::Replace(id.clone(), asset)));
                close = true;
            }
        });
        let l = ui.label(i.t("replace-field"));
        ui.add(egui::TextEdit::singleline(&mut app.replace_url).desired_width(360.0))
            .labelled_by(l.id);
        if let Some((typed, why)) = &app.replace_problem
            && *typed == app.replace_url.trim()
        {
            ui.label(RichText::new(i.msg(why)).color(RED));
        }
        ui.horizontal(|ui| {
            let typed = app.replace_url.trim().to_string();
            if ui
                .add_enabled(!typed.is_empty(), egui::Button::new(i.t("table-replace")))
                .clicked()
            {
                match crate::engine::parse_source(&typed, None) {
                    Ok(new) => {
                        acts.push(Act::Send(Command::Check(new.source.clone())));
                        acts.push(Act::Send(Command::Replace(id.clone(), asset, new)));
                        close = true;
                    }
                    // Kept until the text changes, so it stays on screen.
                    Err(why) => app.replace_problem = Some((typed.clone(), why)),
                }
            }
            if ui.button(i.t("cancel")).clicked() {
                close = true;
            }
        });
    });
    if close || modal.should_close() {
        app.replacing = None;
        app.replace_url.clear();
        app.replace_problem = None;
    }
}
