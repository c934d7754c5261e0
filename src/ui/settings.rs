//! Settings: the API key (kept only in the OS keyring), the API address, the project, how the
//! phone's redirect arrives, and polling.

use eframe::egui::{self, RichText};

use super::intent::{Intent, Pin};
use super::remote::Remote;
use super::theme::{self, Tone, space};
use super::view::View;
use crate::api::ApiKey;
use crate::config::{CallbackChoice, Settings, ThemeChoice};
use crate::i18n::{I18n, UiLang, s as text};
use crate::text::Msg;

/// The Settings screen's own state: the form being edited, the key being typed, the last
/// connection test, the new PIN.
#[derive(Default)]
pub struct SettingsView {
    /// An editable copy of the settings in use.
    pub form: Settings,
    /// The key being typed (cleared after each save).
    pub key: String,
    /// The last connection test: what it said.
    pub tested: Remote<Msg>,
    /// The new PIN being typed.
    pub new_pin: String,
    /// The new PIN typed again.
    pub pin_again: String,
    /// The roster's password being typed (cleared after each save).
    pub roster_password: String,
    /// The bucket's access key id being typed (kept in the keyring with its secret).
    pub bucket_access: String,
    /// The bucket's secret being typed (cleared after each save).
    pub bucket_secret: String,
    /// The studio's consent text.
    pub consent: super::consent_text::ConsentCard,
}

impl std::fmt::Debug for SettingsView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key and the PIN being typed are never shown.
        f.debug_struct("SettingsView")
            .field("form", &self.form)
            .field("tested", &self.tested)
            .finish_non_exhaustive()
    }
}

impl SettingsView {
    /// Starts again from the settings in use.
    pub fn reset(&mut self, in_use: &Settings) {
        self.form = in_use.clone();
    }

    /// Draws the form: two columns on a wide window (the window and the key on the left, the
    /// connection on the right), one otherwise.
    pub fn show(&mut self, ui: &mut egui::Ui, view: &View<'_>) -> Vec<Intent> {
        let mut out = Vec::new();
        let wide = ui.available_width() >= 1000.0;
        let width = if wide { 1180.0 } else { 760.0 };
        // The title and Save stay in view, whatever the window's size and the form's length.
        theme::page(ui, width, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(theme::title(view.i18n.t("settings-title")));
                ui.add_space(space::L);
                self.save_bar(ui, view, &mut out);
            });
        });
        ui.add_space(space::M);
        egui::ScrollArea::vertical().show(ui, |ui| {
            theme::page(ui, width, |ui| {
                if wide {
                    ui.columns(2, |cols| {
                        self.left(&mut cols[0], view, &mut out);
                        section(&mut cols[1], |ui| self.connection_section(ui, view));
                    });
                } else {
                    self.left(ui, view, &mut out);
                    section(ui, |ui| self.connection_section(ui, view));
                }
            });
        });
        out
    }

    fn left(&mut self, ui: &mut egui::Ui, view: &View<'_>, out: &mut Vec<Intent>) {
        section(ui, |ui| self.key_section(ui, view, out));
        section(ui, |ui| self.roster_section(ui, view));
        section(ui, |ui| self.bucket_section(ui, view));
        section(ui, |ui| window_section(ui, view, out));
        // Also outside kiosk mode: the PIN is set here before the first `--kiosk`.
        section(ui, |ui| self.kiosk_section(ui, view, out));
        section(ui, |ui| self.consent.show(ui, view.i18n, out));
    }
}

/// One card of the form.
fn section(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui)) {
    theme::card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        add(ui);
    });
    ui.add_space(space::M);
}

impl SettingsView {
    fn key_section(&mut self, ui: &mut egui::Ui, view: &View<'_>, out: &mut Vec<Intent>) {
        let i = view.i18n;
        let m = view.model;
        if m.demo {
            ui.label(RichText::new(i.t("settings-demo-note")).italics());
            ui.add_space(space::S);
        }
        ui.label(RichText::new(i.t("settings-key")).strong());
        let stored = if m.key_from_env {
            i.t("settings-key-env")
        } else if m.has_key {
            i.t("settings-key-stored")
        } else {
            i.t("settings-key-none")
        };
        ui.label(stored);
        ui.horizontal(|ui| {
            let l = ui.label(i.t("settings-new-key"));
            ui.add(
                egui::TextEdit::singleline(&mut self.key)
                    .password(true)
                    .hint_text("sk-…")
                    .desired_width(320.0),
            )
            .labelled_by(l.id);
            if ui.button(i.t("settings-save-key")).clicked() {
                out.push(Intent::SaveKey(ApiKey::new(self.key.clone())));
            }
            if m.has_key && !m.key_from_env && ui.button(i.t("settings-remove-key")).clicked() {
                out.push(Intent::RemoveKey);
            }
        });
        ui.label(theme::hint(ui, i.t("settings-key-note")));
        ui.horizontal(|ui| {
            let testing = self.tested.is_loading();
            if ui
                .add_enabled(!testing, egui::Button::new(i.t("settings-test")))
                .on_hover_text(i.t("settings-test-hint"))
                .clicked()
            {
                let typed = ApiKey::new(self.key.clone());
                let key = (!typed.is_empty()).then_some(typed);
                out.push(Intent::TestConnection(self.form.base_url.clone(), key));
            }
            if testing {
                ui.spinner();
            }
        });
        // Below the button, wrapped to the card: a long answer never widens the column.
        let said = match &self.tested {
            Remote::Ready(m) => Some((i.msg(m), Tone::Ok)),
            Remote::Failed { error, .. } => Some((i.msg(error), Tone::Bad)),
            _ => None,
        };
        if let Some((text, tone)) = said {
            let text = RichText::new(text).color(theme::tone(ui, tone));
            ui.add(egui::Label::new(text).wrap());
        }
    }

    /// Saves the form; a password typed (alone or in the roster's address) goes to the
    /// keyring, never into the settings file.
    fn save(&mut self, out: &mut Vec<Intent>) {
        let mut form = self.form.clone();
        let (url, in_url) = crate::config::split_roster_password(&form.roster_url);
        form.roster_url = url;
        self.form.roster_url = form.roster_url.clone();
        let typed = std::mem::take(&mut self.roster_password);
        if let Some(password) = in_url.or((!typed.is_empty()).then_some(typed)) {
            out.push(Intent::SaveRosterPassword(ApiKey::new(password)));
        }
        let secret = std::mem::take(&mut self.bucket_secret);
        let access = std::mem::take(&mut self.bucket_access);
        if !secret.trim().is_empty() && !access.trim().is_empty() {
            out.push(Intent::SaveBucketKeys(access, ApiKey::new(secret)));
        }
        out.push(Intent::ApplySettings(Box::new(form)));
    }

    /// The studio's shared roster and this desk's name there.
    fn roster_section(&mut self, ui: &mut egui::Ui, view: &View<'_>) {
        let i = view.i18n;
        ui.label(RichText::new(i.t("settings-roster")).strong());
        ui.label(theme::hint(ui, i.t("settings-roster-note")));
        if let Some(desk) = &view.model.shared_as {
            let on = i.ta("settings-roster-on", &[text("kiosk", desk)]);
            ui.label(theme::hint(ui, on));
        }
        if view.model.roster_from_run {
            ui.label(theme::hint(ui, i.t("settings-roster-from-run")));
        }
        if view.model.demo {
            ui.label(theme::hint(ui, i.t("settings-roster-demo")));
        }
        let wide = ui.available_width().min(480.0);
        let l = field_label(ui, i.t("settings-roster-address"));
        ui.add(
            egui::TextEdit::singleline(&mut self.form.roster_url)
                .hint_text("postgres://kiosk@db.studio.lan/avatar_kiosk")
                .desired_width(wide),
        )
        .labelled_by(l.id);
        let l = field_label(ui, i.t("settings-roster-password"));
        ui.add(
            egui::TextEdit::singleline(&mut self.roster_password)
                .password(true)
                .desired_width(240.0),
        )
        .labelled_by(l.id);
        // Off this computer the server's certificate is checked: against the system's roots,
        // or the studio's own certificate authority named here.
        let l = field_label(ui, i.t("settings-roster-ca"));
        ui.add(
            egui::TextEdit::singleline(&mut self.form.roster_ca_file)
                .hint_text(i.t("settings-roster-ca-hint"))
                .desired_width(wide),
        )
        .labelled_by(l.id);
        let l = field_label(ui, i.t("settings-kiosk-name"));
        ui.add(
            egui::TextEdit::singleline(&mut self.form.kiosk_name)
                .hint_text(crate::store::Lease::default_kiosk())
                .desired_width(240.0),
        )
        .labelled_by(l.id);
    }

    /// The studio's S3-compatible bucket for local videos; its keys go to the keyring.
    fn bucket_section(&mut self, ui: &mut egui::Ui, view: &View<'_>) {
        let i = view.i18n;
        ui.label(RichText::new(i.t("settings-bucket")).strong());
        ui.label(theme::hint(ui, i.t("settings-bucket-note")));
        let b = &mut self.form.bucket;
        let wide = ui.available_width().min(480.0);
        let fields: [(&str, &mut String, &str); 4] = [
            (
                "settings-bucket-endpoint",
                &mut b.endpoint,
                "https://s3.example.com",
            ),
            ("settings-bucket-name", &mut b.bucket, "studio-videos"),
            ("settings-bucket-region", &mut b.region, "us-east-1"),
            ("settings-bucket-prefix", &mut b.prefix, "kiosk/"),
        ];
        for (label, value, hint) in fields {
            let l = field_label(ui, i.t(label));
            ui.add(
                egui::TextEdit::singleline(value)
                    .hint_text(hint)
                    .desired_width(wide),
            )
            .labelled_by(l.id);
        }
        // What the engine found with the settings in use (a bucket named).
        match (&view.model.bucket, view.settings().bucket.is_set()) {
            (Some(Ok(address)), true) => {
                let said = i.ta("settings-bucket-ready", &[text("address", address)]);
                ui.label(RichText::new(said).color(theme::tone(ui, Tone::Ok)));
            }
            (Some(Err(why)), true) => {
                ui.label(RichText::new(i.msg(why)).color(theme::tone(ui, Tone::Bad)));
            }
            _ => {}
        }
        let l = field_label(ui, i.t("settings-bucket-access"));
        ui.add(egui::TextEdit::singleline(&mut self.bucket_access).desired_width(240.0))
            .labelled_by(l.id);
        let l = field_label(ui, i.t("settings-bucket-secret"));
        ui.add(
            egui::TextEdit::singleline(&mut self.bucket_secret)
                .password(true)
                .desired_width(240.0),
        )
        .labelled_by(l.id);
        ui.label(theme::hint(ui, i.t("settings-bucket-keys-note")));
    }

    fn connection_section(&mut self, ui: &mut egui::Ui, view: &View<'_>) {
        let i = view.i18n;
        connection_grid(ui, i, &mut self.form);
        ui.add_space(space::S);
        if let Some(cb) = &view.model.callback {
            ui.label(theme::hint(
                ui,
                i.ta("settings-listener", &[text("address", cb)]),
            ));
        }
        let data = view.model.data_dir.display().to_string();
        ui.label(theme::hint(
            ui,
            i.ta("settings-data", &[text("path", &data)]),
        ));
        let version = crate::config::VERSION_LINE;
        ui.label(theme::hint(
            ui,
            i.ta("settings-version", &[text("version", version)]),
        ));
    }

    /// Save and Undo, beside the title.
    fn save_bar(&mut self, ui: &mut egui::Ui, view: &View<'_>, out: &mut Vec<Intent>) {
        let i = view.i18n;
        let changed = self.form != *view.settings()
            || !self.roster_password.is_empty()
            || !self.bucket_secret.is_empty();
        if ui
            .add_enabled(changed, theme::primary(ui, i.t("settings-save")))
            .clicked()
        {
            self.save(out);
        }
        if ui
            .add_enabled(changed, egui::Button::new(i.t("settings-undo")))
            .clicked()
        {
            self.form = view.settings().clone();
        }
    }

    /// Kiosk mode: the staff PIN, the idle reset, where the person's screen goes.
    fn kiosk_section(&mut self, ui: &mut egui::Ui, view: &View<'_>, out: &mut Vec<Intent>) {
        let i = view.i18n;
        ui.label(RichText::new(i.t("settings-kiosk")).strong());
        let set = view.settings().kiosk_pin_hash.is_some();
        ui.label(if set {
            RichText::new(i.t("settings-pin-set"))
        } else {
            RichText::new(i.t("settings-pin-none")).color(theme::tone(ui, Tone::Warn))
        });
        if view.kiosk.is_none() {
            ui.label(theme::hint(ui, i.t("settings-kiosk-how")).size(theme::size::SMALL));
        }
        egui::Grid::new("pin_fields").num_columns(2).show(ui, |ui| {
            for (label, field) in [
                ("settings-pin-new", &mut self.new_pin),
                ("settings-pin-again", &mut self.pin_again),
            ] {
                let l = ui.label(i.t(label));
                ui.add(
                    egui::TextEdit::singleline(field)
                        .password(true)
                        .char_limit(12)
                        .desired_width(140.0),
                )
                .labelled_by(l.id);
                ui.end_row();
            }
        });
        let typed = !self.new_pin.trim().is_empty() && !self.pin_again.trim().is_empty();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(typed, egui::Button::new(i.t("settings-pin-save")))
                .clicked()
            {
                out.push(Intent::SetPin(
                    Pin::new(self.new_pin.trim().to_string()),
                    Pin::new(self.pin_again.trim().to_string()),
                ));
            }
        });
        ui.horizontal(|ui| {
            let l = ui.label(i.t("settings-idle"));
            ui.add(
                egui::DragValue::new(&mut self.form.idle_reset_secs)
                    .range(10..=3600)
                    .suffix(format!(" {}", i.t("settings-seconds"))),
            )
            .labelled_by(l.id);
        });
        let monitors = view.model.monitors;
        ui.label(i.ta("settings-person-screen", &[crate::i18n::n("n", monitors)]));
        ui.indent("person-screen", |ui| {
            use crate::config::PersonScreen;
            for (choice, id) in [
                (PersonScreen::Auto, "settings-person-auto"),
                (PersonScreen::Window, "settings-person-window"),
                (PersonScreen::Switch, "settings-person-switch"),
            ] {
                ui.radio_value(&mut self.form.person_screen, choice, i.t(id));
            }
        });
    }
}

/// A field's name above it.
fn field_label(ui: &mut egui::Ui, text: String) -> egui::Response {
    ui.add_space(space::XS);
    ui.label(RichText::new(text).strong())
}

/// The API address, the project, how the phone's redirect arrives, and polling.
fn connection_grid(ui: &mut egui::Ui, i: &I18n, form: &mut Settings) {
    let wide = ui.available_width().min(480.0);
    let l = field_label(ui, i.t("settings-address"));
    ui.add(egui::TextEdit::singleline(&mut form.base_url).desired_width(wide))
        .labelled_by(l.id);
    let l = field_label(ui, i.t("settings-project"));
    ui.add(egui::TextEdit::singleline(&mut form.project).desired_width(240.0))
        .labelled_by(l.id);
    field_label(ui, i.t("settings-redirect"));
    for (choice, id) in [
        (CallbackChoice::Lan, "settings-redirect-lan"),
        (CallbackChoice::Loopback, "settings-redirect-loopback"),
        (CallbackChoice::External, "settings-redirect-external"),
    ] {
        ui.radio_value(&mut form.callback, choice, i.t(id));
    }
    if form.callback == CallbackChoice::External {
        let l = field_label(ui, i.t("settings-callback-url"));
        ui.add(
            egui::TextEdit::singleline(&mut form.callback_url)
                .hint_text("https://studio.example/cb/{session}")
                .desired_width(wide),
        )
        .labelled_by(l.id);
    } else {
        let l = field_label(ui, i.t("settings-callback-port"));
        ui.horizontal(|ui| {
            ui.add(egui::DragValue::new(&mut form.callback_port).range(0..=65535))
                .labelled_by(l.id);
        });
        ui.label(theme::hint(ui, i.t("settings-port-note")).size(theme::size::SMALL));
    }
    ui.horizontal_wrapped(|ui| {
        let l = ui.label(RichText::new(i.t("settings-poll-max")).strong());
        ui.add(
            egui::DragValue::new(&mut form.poll_max_secs)
                .range(2..=300)
                .suffix(format!(" {}", i.t("settings-seconds"))),
        )
        .labelled_by(l.id);
        ui.add_space(space::L);
        let l = ui.label(RichText::new(i.t("settings-poll-deadline")).strong());
        ui.add(
            egui::DragValue::new(&mut form.poll_deadline_mins)
                .range(1..=1440)
                .suffix(format!(" {}", i.t("settings-minutes"))),
        )
        .labelled_by(l.id);
    });
    ui.label(RichText::new(i.t("settings-render-price")).strong());
    let prices = &mut form.render_prices;
    ui.horizontal_wrapped(|ui| {
        let l = ui.label(i.t("settings-render-currency"));
        ui.add(
            egui::TextEdit::singleline(&mut prices.currency)
                .desired_width(80.0)
                .char_limit(8),
        )
        .labelled_by(l.id);
    });
    egui::Grid::new("render_prices")
        .num_columns(3)
        .show(ui, |ui| {
            ui.label("");
            ui.label("480p");
            ui.label("720p");
            ui.end_row();
            for (model, low, high) in [
                (
                    "render-model-face",
                    &mut prices.face_480p,
                    &mut prices.face_720p,
                ),
                (
                    "render-model-fast",
                    &mut prices.fast_480p,
                    &mut prices.fast_720p,
                ),
            ] {
                let l = ui.label(i.t(model));
                for price in [low, high] {
                    ui.add(
                        egui::DragValue::new(price)
                            .range(0.0..=100_000.0)
                            .speed(0.01)
                            .max_decimals(3),
                    )
                    .labelled_by(l.id);
                }
                ui.end_row();
            }
        });
    ui.label(theme::hint(ui, i.t("settings-render-price-hint")).size(theme::size::SMALL));
}

/// The window's language, text size and theme: they apply at once.
fn window_section(ui: &mut egui::Ui, view: &View<'_>, out: &mut Vec<Intent>) {
    let i = view.i18n;
    ui.label(RichText::new(i.t("settings-window")).strong());
    ui.horizontal(|ui| {
        let l = ui.label(i.t("settings-language"));
        let current = view.settings().ui_language;
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
            out.push(Intent::SetLanguage(chosen));
        }
    });
    ui.horizontal(|ui| {
        let l = ui.label(i.t("settings-text-size"));
        let mut scale = view.settings().text_scale;
        let r = ui
            .add(
                egui::Slider::new(&mut scale, 0.75..=2.0)
                    .step_by(0.25)
                    .suffix("×"),
            )
            .labelled_by(l.id);
        if r.drag_stopped() || (r.changed() && !r.dragged()) {
            out.push(Intent::SetTextScale(scale));
        }
    });
    ui.horizontal(|ui| {
        ui.label(i.t("settings-theme"));
        let current = view.settings().theme;
        for (choice, id) in [
            (ThemeChoice::System, "settings-theme-system"),
            (ThemeChoice::Light, "settings-theme-light"),
            (ThemeChoice::Dark, "settings-theme-dark"),
        ] {
            if ui.selectable_label(current == choice, i.t(id)).clicked() && current != choice {
                out.push(Intent::SetTheme(choice));
            }
        }
    });
}
