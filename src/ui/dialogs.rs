//! The windows over the wizard: the in-app file list, the replacement, the questions before
//! deleting a person or sending an uncertain row again, and the staff PIN. Each draws from the
//! app's state and returns what staff asked for.

use std::path::PathBuf;

use eframe::egui::{self, RichText};

use super::intent::{Intent, PickFor, Pin};
use super::jobs::Entry;
use super::kiosk::KioskState;
use super::remote::Remote;
use super::theme::{self, Tone};
use super::view::View;
use crate::engine::Command;
use crate::flow::AssetId;
use crate::i18n::{I18n, n, s as text};
use crate::text::Msg;

/// The in-app file list, for machines where the native dialog cannot open.
#[derive(Debug, Clone)]
pub struct Picker {
    /// For which session or row.
    pub target: PickFor,
    /// The folder shown.
    pub dir: PathBuf,
    /// The folder field.
    pub dir_text: String,
    /// Its listing.
    pub entries: Remote<Vec<Entry>, String>,
    /// Ticked files.
    pub selected: Vec<PathBuf>,
}

/// The replacement offered for a row.
#[derive(Debug, Clone)]
pub struct Replace {
    /// The session.
    pub session: String,
    /// The row.
    pub asset: AssetId,
    /// A URL or path typed.
    pub typed: String,
    /// Why what was typed cannot be used (with the text it was for).
    pub problem: Option<(String, Msg)>,
    /// The field was given the keyboard when the dialog opened.
    pub focused: bool,
}

/// The dialogs' own state: which are open, and what is typed in them.
#[derive(Debug, Default)]
pub struct Dialogs {
    /// The in-app file list.
    pub picker: Option<Picker>,
    /// The replacement dialog.
    pub replace: Option<Replace>,
    /// A session staff asked to delete, until they confirm.
    pub confirm_delete: Option<String>,
    /// An uncertain row staff want to send again, until they confirm.
    pub confirm_resubmit: Option<(String, AssetId)>,
    /// The test render form.
    pub render: Option<super::render::RenderForm>,
    /// The Fix dialog of a local video.
    pub fix: Option<super::fix::FixForm>,
    /// Whether deleting also deletes the person's videos from the studio's bucket.
    pub delete_objects: bool,
    /// A withdrawal: the question, then what was deleted.
    pub withdraw: super::withdraw::Withdraw,
    /// A person's entries in the audit log (from History).
    pub log: Option<super::audit_log::LogView>,
}

/// The staff PIN question, when kiosk mode asks it. `no_pin`: none is known (none set, or the
/// settings unreadable).
pub fn pin_prompt(ctx: &egui::Context, i: &I18n, k: &mut KioskState, no_pin: bool) -> Vec<Intent> {
    let mut out = Vec::new();
    let wait = k
        .retry_at
        .map(|at| at.saturating_duration_since(std::time::Instant::now()))
        .filter(|d| !d.is_zero());
    let Some(prompt) = k.prompt.as_mut() else {
        return out;
    };
    if let Some(d) = wait {
        // Count the wait down without a busy window: one repaint a second.
        ctx.request_repaint_after(std::time::Duration::from_secs(1).min(d));
    }
    let mut cancel = false;
    let modal = egui::Modal::new(egui::Id::unique("pin-prompt")).show(ctx, |ui| {
        ui.label(theme::title(i.t("pin-title")));
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
        let (warn, bad) = (theme::tone(ui, Tone::Warn), theme::tone(ui, Tone::Bad));
        if no_pin {
            ui.label(RichText::new(i.t("pin-none-known")).color(warn));
        }
        if prompt.wrong {
            ui.label(RichText::new(i.t("pin-wrong")).color(bad));
        }
        if let Some(d) = wait {
            let secs = usize::try_from(d.as_secs() + 1).unwrap_or(usize::MAX);
            ui.label(RichText::new(i.ta("pin-wait", &[n("n", secs)])).color(warn));
        }
        if prompt.checking {
            ui.label(i.t("pin-checking"));
        }
        ui.horizontal(|ui| {
            // While a guess is checked, or during the wait after wrong ones, what is typed
            // stays in the field.
            let can = !prompt.checking && wait.is_none();
            let unlock = ui
                .add_enabled(can, theme::primary(ui, i.t("pin-unlock")))
                .clicked();
            if can && (unlock || enter) && !prompt.pin.is_empty() {
                out.push(Intent::CheckPin(Pin::new(std::mem::take(&mut prompt.pin))));
            }
            if ui.button(i.t("cancel")).clicked() {
                cancel = true;
            }
        });
    });
    if cancel || modal.should_close() {
        k.prompt = None;
    }
    out
}

impl Dialogs {
    /// Closes every dialog.
    pub fn clear(&mut self) {
        *self = Dialogs::default();
    }

    /// Windows over the screen: the in-app file list, the replace dialog, the questions, and
    /// the hint while files are dragged over the window.
    pub fn show(&mut self, ctx: &egui::Context, view: &View<'_>) -> Vec<Intent> {
        let i = view.i18n;
        let mut out = Vec::new();
        if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
            egui::Area::new(egui::Id::unique("drop-hint"))
                .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                .order(egui::Order::Foreground)
                .show(ctx, |ui| {
                    egui::Frame::popup(ui.style()).show(ui, |ui| {
                        ui.label(RichText::new(i.t("assets-drop-here")).size(22.0));
                    });
                });
        }
        self.picker_window(ctx, i, &mut out);
        self.replace_window(ctx, view, &mut out);
        self.delete_question(ctx, view, &mut out);
        self.resubmit_question(ctx, view, &mut out);
        super::withdraw::dialogs(ctx, view, &mut self.withdraw, &mut out);
        super::audit_log::dialog(ctx, view, &mut self.log);
        super::render::dialog(ctx, view, &mut self.render, &mut out);
        super::fix::dialog(ctx, view, &mut self.fix, &mut out);
        out
    }

    fn delete_question(&mut self, ctx: &egui::Context, view: &View<'_>, out: &mut Vec<Intent>) {
        let i = view.i18n;
        let Some(id) = self.confirm_delete.clone() else {
            return;
        };
        let person = view
            .model
            .history
            .value()
            .and_then(|h| h.iter().find(|r| r.id == id))
            .map(|r| r.person.clone())
            .unwrap_or_default();
        let mut close = false;
        let modal = egui::Modal::new(egui::Id::unique("confirm-delete")).show(ctx, |ui| {
            ui.label(theme::title(
                i.ta("delete-title", &[text("person", &person)]),
            ));
            // On a shared roster the person goes for every desk: the question says so.
            ui.label(match view.model.shared_as {
                Some(_) => i.t("delete-body-shared"),
                None => i.t("delete-body"),
            });
            // With a bucket set, the person's videos there can go too (ticked by default).
            let bucket = view.settings().bucket.is_set();
            if bucket {
                ui.checkbox(&mut self.delete_objects, i.t("delete-objects"));
            }
            ui.horizontal(|ui| {
                let bad = theme::tone(ui, Tone::Bad);
                if ui
                    .button(RichText::new(i.t("delete-button")).color(bad))
                    .clicked()
                {
                    if bucket && self.delete_objects {
                        out.push(Intent::DeletingObjects(id.clone()));
                        out.push(Intent::Send(Command::DeleteWithObjects(id.clone())));
                    } else {
                        out.push(Intent::Send(Command::Delete(id.clone())));
                    }
                    close = true;
                }
                if ui.button(i.t("delete-keep")).clicked() {
                    close = true;
                }
            });
        });
        if close || modal.should_close() {
            self.confirm_delete = None;
        }
    }

    /// Sending an uncertain row again may register it twice: staff say so first.
    fn resubmit_question(&mut self, ctx: &egui::Context, view: &View<'_>, out: &mut Vec<Intent>) {
        let i = view.i18n;
        let Some((session, asset)) = self.confirm_resubmit.clone() else {
            return;
        };
        let name = row_name(view, &session, asset);
        let mut close = false;
        let modal = egui::Modal::new(egui::Id::unique("confirm-resubmit")).show(ctx, |ui| {
            ui.label(theme::title(i.ta("resubmit-title", &[text("name", &name)])));
            ui.label(RichText::new(i.t("resubmit-body")).color(theme::tone(ui, Tone::Warn)));
            ui.horizontal(|ui| {
                if ui.button(i.t("resubmit-anyway")).clicked() {
                    out.push(Intent::Send(Command::Resubmit(session.clone(), asset)));
                    close = true;
                }
                if ui.button(i.t("resubmit-wait")).clicked() {
                    close = true;
                }
            });
        });
        if close || modal.should_close() {
            self.confirm_resubmit = None;
        }
    }

    fn picker_window(&mut self, ctx: &egui::Context, i: &I18n, out: &mut Vec<Intent>) {
        let Some(picker) = self.picker.as_mut() else {
            return;
        };
        let mut open = true;
        let mut go_to: Option<PathBuf> = None;
        let mut finish = false;
        egui::Window::new(i.t("picker-title"))
            .open(&mut open)
            .default_size([520.0, 420.0])
            .collapsible(false)
            .show(ctx, |ui| {
                go_to = picker_folder_bar(ui, i, picker);
                ui.separator();
                egui::ScrollArea::vertical()
                    .max_height(300.0)
                    .show(ui, |ui| {
                        if let Some(dir) = picker_entries(ui, i, picker) {
                            go_to = Some(dir);
                        }
                    });
                ui.separator();
                let n = picker.selected.len();
                if ui
                    .add_enabled(
                        n > 0,
                        egui::Button::new(i.ta("picker-add", &[crate::i18n::n("n", n)])),
                    )
                    .clicked()
                {
                    finish = true;
                }
            });
        if finish {
            let paths = std::mem::take(&mut picker.selected);
            out.push(Intent::Picked(picker.target.clone(), paths));
            self.picker = None;
        } else if !open {
            self.picker = None;
        } else if let Some(dir) = go_to {
            out.push(Intent::InAppPicker(picker.target.clone(), Some(dir)));
        }
    }

    fn replace_window(&mut self, ctx: &egui::Context, view: &View<'_>, out: &mut Vec<Intent>) {
        let i = view.i18n;
        let Some(r) = self.replace.as_mut() else {
            return;
        };
        let (id, asset) = (r.session.clone(), r.asset);
        let name = row_name(view, &id, asset);
        let mut close = false;
        let modal = egui::Modal::new(egui::Id::unique("replace")).show(ctx, |ui| {
            ui.label(theme::title(i.ta("replace-title", &[text("name", &name)])));
            ui.label(i.t("replace-hint"));
            ui.horizontal(|ui| {
                if ui.button(i.t("replace-choose")).clicked() {
                    out.push(Intent::Pick(PickFor::Replace(id.clone(), asset)));
                    close = true;
                }
                if ui.button(i.t("assets-browse")).clicked() {
                    out.push(Intent::InAppPicker(
                        PickFor::Replace(id.clone(), asset),
                        None,
                    ));
                    close = true;
                }
            });
            let l = ui.label(i.t("replace-field"));
            let field = ui
                .add(egui::TextEdit::singleline(&mut r.typed).desired_width(360.0))
                .labelled_by(l.id);
            // The keyboard starts in the field; Enter there replaces, as the button does.
            if !r.focused {
                r.focused = true;
                field.request_focus();
            }
            let enter = field.lost_focus() && ui.input(|inp| inp.key_pressed(egui::Key::Enter));
            if let Some((typed, why)) = &r.problem
                && *typed == r.typed.trim()
            {
                ui.label(RichText::new(i.msg(why)).color(theme::tone(ui, Tone::Bad)));
            }
            ui.horizontal(|ui| {
                let typed = r.typed.trim().to_string();
                let button = ui
                    .add_enabled(!typed.is_empty(), egui::Button::new(i.t("table-replace")))
                    .clicked();
                if button || (enter && !typed.is_empty()) {
                    match crate::engine::parse_source(&typed, None) {
                        Ok(new) => {
                            out.push(Intent::Send(Command::Check(new.source.clone())));
                            out.push(Intent::Send(Command::Replace(id.clone(), asset, new)));
                            close = true;
                        }
                        // Kept until the text changes, so it stays on screen.
                        Err(why) => r.problem = Some((typed.clone(), why)),
                    }
                }
                if ui.button(i.t("cancel")).clicked() {
                    close = true;
                }
            });
        });
        if close || modal.should_close() {
            self.replace = None;
        }
    }
}

/// A row's name, for a question about it.
fn row_name(view: &View<'_>, session: &str, asset: AssetId) -> String {
    view.model
        .sessions
        .get(session)
        .and_then(|s| s.assets.iter().find(|a| a.id == asset))
        .map(|a| a.name.clone())
        .unwrap_or_default()
}

/// The folder field and the way up; returns a folder to go to.
fn picker_folder_bar(ui: &mut egui::Ui, i: &I18n, picker: &mut Picker) -> Option<PathBuf> {
    let mut go_to = None;
    ui.horizontal(|ui| {
        let l = ui.label(i.t("picker-folder"));
        let r = ui
            .add(egui::TextEdit::singleline(&mut picker.dir_text).desired_width(300.0))
            .labelled_by(l.id);
        if (r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)))
            || ui.button(i.t("picker-go")).clicked()
        {
            go_to = Some(PathBuf::from(picker.dir_text.trim()));
        }
        if let Some(parent) = picker.dir.parent()
            && ui.button(i.t("picker-up")).clicked()
        {
            go_to = Some(parent.to_path_buf());
        }
    });
    go_to
}

/// The folder's entries, with boxes to tick; returns a folder clicked.
fn picker_entries(ui: &mut egui::Ui, i: &I18n, picker: &mut Picker) -> Option<PathBuf> {
    let mut go_to = None;
    if let Some(e) = picker.entries.error() {
        ui.label(RichText::new(e).color(theme::tone(ui, Tone::Bad)));
        return None;
    }
    let Some(entries) = picker.entries.value() else {
        ui.spinner();
        return None;
    };
    if entries.is_empty() {
        ui.label(i.t("picker-empty"));
    }
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
    go_to
}
