//! Settings: the API key (kept only in the OS keyring), the API address, the project, how the
//! phone's redirect arrives, and polling.

use eframe::egui::{self, RichText};

use super::app::{Act, KioskApp};
use super::widgets::{GREEN, RED};
use crate::config::CallbackChoice;

/// Draws the form.
pub fn show(app: &mut KioskApp, ui: &mut egui::Ui) -> Vec<Act> {
    let mut acts = Vec::new();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading("Settings");
        if app.is_demo() {
            ui.label(
                RichText::new("The demo uses the built-in simulator. Store your APIMart key here to switch to the real API (unless the app was started with --demo).")
                    .italics(),
            );
        }
        ui.add_space(8.0);
        ui.label(RichText::new("APIMart API key").strong());
        let stored = if app.launch.key_from_env {
            "In use: the key from AVATAR_KIOSK_API_KEY (unset it to use the keyring)."
        } else if app.launch.key.is_some() {
            "A key is stored in the system keyring."
        } else {
            "No key is stored."
        };
        ui.label(stored);
        ui.horizontal(|ui| {
            let l = ui.label("New key");
            ui.add(
                egui::TextEdit::singleline(&mut app.settings_form.key)
                    .password(true)
                    .hint_text("sk-…")
                    .desired_width(320.0),
            )
            .labelled_by(l.id);
            if ui.button("Save key").clicked() {
                acts.push(Act::SaveKey);
            }
            if app.launch.key.is_some()
                && !app.launch.key_from_env
                && ui.button("Remove key").clicked()
            {
                acts.push(Act::RemoveKey);
            }
        });
        ui.label(
            RichText::new("The key is kept only in the system keyring; it is never written to files or logs.")
                .weak(),
        );
        ui.horizontal(|ui| {
            let testing = app.settings_form.testing;
            if ui
                .add_enabled(!testing, egui::Button::new("Test connection"))
                .on_hover_text("Makes one harmless call with the address below and the typed (or stored) key")
                .clicked()
            {
                acts.push(Act::TestConnection);
            }
            if testing {
                ui.spinner();
            }
            match &app.settings_form.tested {
                Some(Ok(m)) => {
                    ui.label(RichText::new(m).color(GREEN));
                }
                Some(Err(m)) => {
                    ui.label(RichText::new(m).color(RED));
                }
                None => {}
            }
        });
        ui.separator();
        let form = &mut app.settings_form.settings;
        egui::Grid::new("settings-grid")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                let l = ui.label("API address");
                ui.add(egui::TextEdit::singleline(&mut form.base_url).desired_width(320.0))
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("Project");
                ui.add(egui::TextEdit::singleline(&mut form.project).desired_width(200.0))
                    .labelled_by(l.id);
                ui.end_row();
                ui.label("Phone's redirect");
                ui.vertical(|ui| {
                    ui.radio_value(&mut form.callback, CallbackChoice::Lan, "Listen on this computer's network address (phones on the studio Wi-Fi)");
                    ui.radio_value(&mut form.callback, CallbackChoice::Loopback, "Listen on this computer only (127.0.0.1)");
                    ui.radio_value(&mut form.callback, CallbackChoice::External, "The studio's own callback URL (staff confirm by hand)");
                });
                ui.end_row();
                if form.callback == CallbackChoice::External {
                    let l = ui.label("Callback URL");
                    ui.add(
                        egui::TextEdit::singleline(&mut form.callback_url)
                            .hint_text("https://studio.example/cb/{session}")
                            .desired_width(320.0),
                    )
                    .labelled_by(l.id);
                } else {
                    let l = ui.label("Callback port");
                    ui.horizontal(|ui| {
                        ui.add(egui::DragValue::new(&mut form.callback_port).range(0..=65535))
                            .labelled_by(l.id);
                        ui.label(RichText::new("0 picks a free port at each start; a fixed port lets a restarted app receive a phone that is still open.").weak());
                    });
                }
                ui.end_row();
                let l = ui.label("Longest wait between checks");
                ui.add(egui::DragValue::new(&mut form.poll_max_secs).range(2..=300).suffix(" s"))
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("Stop checking a review after");
                ui.add(
                    egui::DragValue::new(&mut form.poll_deadline_mins)
                        .range(1..=1440)
                        .suffix(" min"),
                )
                .labelled_by(l.id);
                ui.end_row();
            });
        ui.add_space(8.0);
        if let Some(cb) = &app.callback_base {
            ui.label(RichText::new(format!("The callback listener is at {cb}.")).weak());
        }
        ui.label(RichText::new(format!("Data: {}", app.launch.data_dir.display())).weak());
        ui.label(RichText::new(format!("Version {}", crate::config::VERSION_LINE)).weak());
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let changed = app.settings_form.settings != app.launch.settings;
            if ui
                .add_enabled(changed, egui::Button::new("Save settings"))
                .clicked()
            {
                acts.push(Act::ApplySettings);
            }
            if ui.add_enabled(changed, egui::Button::new("Undo changes")).clicked() {
                app.settings_form.settings = app.launch.settings.clone();
            }
        });
    });
    acts
}
