//! Settings: the API key (kept only in the OS keyring), the API address, the project, how the
//! phone's redirect arrives, and polling.

use eframe::egui::{self, RichText};

use super::app::{Act, KioskApp};
use super::i18n::UiLang;
use super::i18n::s as text;
use super::widgets::{AMBER, GREEN, RED};
use crate::config::CallbackChoice;

/// Draws the form.
pub fn show(app: &mut KioskApp, ui: &mut egui::Ui) -> Vec<Act> {
    let i = app.i18n.clone();
    let mut acts = Vec::new();
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(i.t("settings-title"));
        window_section(app, ui, &mut acts);
        if app.kiosk.is_some() {
            kiosk_section(app, ui, &mut acts);
        }
        ui.separator();
        if app.is_demo() {
            ui.label(RichText::new(i.t("settings-demo-note")).italics());
        }
        ui.add_space(8.0);
        ui.label(RichText::new(i.t("settings-key")).strong());
        let stored = if app.launch.key_from_env {
            i.t("settings-key-env")
        } else if app.launch.key.is_some() {
            i.t("settings-key-stored")
        } else {
            i.t("settings-key-none")
        };
        ui.label(stored);
        ui.horizontal(|ui| {
            let l = ui.label(i.t("settings-new-key"));
            ui.add(
                egui::TextEdit::singleline(&mut app.settings_form.key)
                    .password(true)
                    .hint_text("sk-…")
                    .desired_width(320.0),
            )
            .labelled_by(l.id);
            if ui.button(i.t("settings-save-key")).clicked() {
                acts.push(Act::SaveKey);
            }
            if app.launch.key.is_some()
                && !app.launch.key_from_env
                && ui.button(i.t("settings-remove-key")).clicked()
            {
                acts.push(Act::RemoveKey);
            }
        });
        ui.label(RichText::new(i.t("settings-key-note")).weak());
        ui.horizontal(|ui| {
            let testing = app.settings_form.testing;
            if ui
                .add_enabled(!testing, egui::Button::new(i.t("settings-test")))
                .on_hover_text(i.t("settings-test-hint"))
                .clicked()
            {
                acts.push(Act::TestConnection);
            }
            if testing {
                ui.spinner();
            }
            match &app.settings_form.tested {
                Some(Ok(m)) => {
                    ui.label(RichText::new(i.msg(m)).color(GREEN));
                }
                Some(Err(m)) => {
                    ui.label(RichText::new(i.msg(m)).color(RED));
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
                let l = ui.label(i.t("settings-address"));
                ui.add(egui::TextEdit::singleline(&mut form.base_url).desired_width(320.0))
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label(i.t("settings-project"));
                ui.add(egui::TextEdit::singleline(&mut form.project).desired_width(200.0))
                    .labelled_by(l.id);
                ui.end_row();
                ui.label(i.t("settings-redirect"));
                ui.vertical(|ui| {
                    ui.radio_value(
                        &mut form.callback,
                        CallbackChoice::Lan,
                        i.t("settings-redirect-lan"),
                    );
                    ui.radio_value(
                        &mut form.callback,
                        CallbackChoice::Loopback,
                        i.t("settings-redirect-loopback"),
                    );
                    ui.radio_value(
                        &mut form.callback,
                        CallbackChoice::External,
                        i.t("settings-redirect-external"),
                    );
                });
                ui.end_row();
                if form.callback == CallbackChoice::External {
                    let l = ui.label(i.t("settings-callback-url"));
                    ui.add(
                        egui::TextEdit::singleline(&mut form.callback_url)
                            .hint_text("https://studio.example/cb/{session}")
                            .desired_width(320.0),
                    )
                    .labelled_by(l.id);
                } else {
                    let l = ui.label(i.t("settings-callback-port"));
                    ui.horizontal(|ui| {
                        ui.add(egui::DragValue::new(&mut form.callback_port).range(0..=65535))
                            .labelled_by(l.id);
                        ui.label(RichText::new(i.t("settings-port-note")).weak());
                    });
                }
                ui.end_row();
                let l = ui.label(i.t("settings-poll-max"));
                ui.add(
                    egui::DragValue::new(&mut form.poll_max_secs)
                        .range(2..=300)
                        .suffix(format!(" {}", i.t("settings-seconds"))),
                )
                .labelled_by(l.id);
                ui.end_row();
                let l = ui.label(i.t("settings-poll-deadline"));
                ui.add(
                    egui::DragValue::new(&mut form.poll_deadline_mins)
                        .range(1..=1440)
                        .suffix(format!(" {}", i.t("settings-minutes"))),
                )
                .labelled_by(l.id);
                ui.end_row();
            });
        ui.add_space(8.0);
        if let Some(cb) = &app.callback_base {
            ui.label(RichText::new(i.ta("settings-listener", &[text("address", cb)])).weak());
        }
        ui.label(
            RichText::new(i.ta(
                "settings-data",
                &[text("path", &app.launch.data_dir.display().to_string())],
            ))
            .weak(),
        );
        ui.label(
            RichText::new(i.ta(
                "settings-version",
                &[text("version", crate::config::VERSION_LINE)],
            ))
            .weak(),
        );
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let changed = app.settings_form.settings != app.launch.settings;
            if ui
                .add_enabled(changed, egui::Button::new(i.t("settings-save")))
                .clicked()
            {
                acts.push(Act::ApplySettings);
            }
            if ui
                .add_enabled(changed, egui::Button::new(i.t("settings-undo")))
                .clicked()
            {
                app.settings_form.settings = app.launch.settings.clone();
            }
        });
    });
    acts
}

/// The window's language and text size: they apply at once.
fn window_section(app: &mut KioskApp, ui: &mut egui::Ui, acts: &mut Vec<Act>) {
    let i = app.i18n.clone();
    ui.label(RichText::new(i.t("settings-window")).strong());
    ui.horizontal(|ui| {
        let l = ui.label(i.t("settings-language"));
        let current = app.launch.settings.ui_language;
        let mut chosen = current;
        egui::ComboBox::from_id_salt("ui-language")
            .selected_text(current.map_or_else(
                || i.t("settings-language-auto"),
                |l| l.native_name().to_string(),
            ))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut chosen, None, i.t("settings-language-auto"));
                for lang in UiLang::ALL {
                    ui.selectable_value(&mut chosen, Some(lang), lang.native_name());
                }
            })
            .response
            .labelled_by(l.id);
        if chosen != current {
            acts.push(Act::SetLanguage(chosen));
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label(i.t("settings-text-size"));
        let mut scale = app.launch.settings.text_scale;
        let r = ui
            .add(
                egui::Slider::new(&mut scale, 0.75..=2.0)
                    .step_by(0.25)
                    .suffix("×"),
            )
            .labelled_by(l.id);
        if r.drag_stopped() || (r.changed() && !r.dragged()) {
            acts.push(Act::SetTextScale(scale));
        }
    });
    ui.add_space(6.0);
}

/// Kiosk mode: the staff PIN, the idle reset, where the person's screen goes.
fn kiosk_section(app: &mut KioskApp, ui: &mut egui::Ui, acts: &mut Vec<Act>) {
    let i = app.i18n.clone();
    ui.separator();
    ui.label(RichText::new(i.t("settings-kiosk")).strong());
    let set = app.launch.settings.kiosk_pin_hash.is_some();
    ui.label(if set {
        RichText::new(i.t("settings-pin-set"))
    } else {
        RichText::new(i.t("settings-pin-none")).color(AMBER)
    });
    ui.horizontal(|ui| {
        let l = ui.label(i.t("settings-pin-new"));
        ui.add(
            egui::TextEdit::singleline(&mut app.new_pin)
                .password(true)
                .desired_width(140.0),
        )
        .labelled_by(l.id);
        if ui.button(i.t("settings-pin-save")).clicked() {
            acts.push(Act::SetPin);
        }
    });
    let form = &mut app.settings_form.settings;
    ui.horizontal(|ui| {
        let l = ui.label(i.t("settings-idle"));
        ui.add(
            egui::DragValue::new(&mut form.idle_reset_secs)
                .range(10..=3600)
                .suffix(format!(" {}", i.t("settings-seconds"))),
        )
        .labelled_by(l.id);
    });
    let monitors = app.monitor_count();
    let form = &mut app.settings_form.settings;
    ui.label(i.ta("settings-customer-screen", &[super::i18n::n("n", monitors)]));
    ui.indent("customer-screen", |ui| {
        use crate::config::CustomerScreen;
        for (choice, id) in [
            (CustomerScreen::Auto, "settings-customer-auto"),
            (CustomerScreen::Window, "settings-customer-window"),
            (CustomerScreen::Switch, "settings-customer-switch"),
        ] {
            ui.radio_value(&mut form.customer_screen, choice, i.t(id));
        }
    });
    ui.add_space(6.0);
}
