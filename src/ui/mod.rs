//! The eframe app. For now a single status window: what this is, its version, whether a key is
//! configured, and which API it talks to. It draws state and does no IO.

use eframe::egui;

/// Whether an API key is available, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    /// A key was found in the OS keyring.
    InKeyring,
    /// A key was given through `AVATAR_KIOSK_API_KEY`.
    FromEnvironment,
    /// No key anywhere.
    Missing,
    /// The keyring could not be read; the sentence says what to do.
    KeyringUnavailable(String),
}

/// What the status window shows.
#[derive(Debug, Clone)]
pub struct StatusInfo {
    /// `0.1.0 (commit)`.
    pub version: String,
    /// Key availability.
    pub key: KeyStatus,
    /// The API base URL in use.
    pub base_url: String,
    /// Whether the app runs against the built-in simulator.
    pub demo: bool,
    /// Where data lives.
    pub data_dir: String,
}

/// The app.
pub struct KioskApp {
    info: StatusInfo,
}

impl KioskApp {
    /// Builds the app from what `main` found.
    pub fn new(info: StatusInfo) -> KioskApp {
        KioskApp { info }
    }
}

impl eframe::App for KioskApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("Avatar Kiosk");
            ui.label(format!("Version {}", self.info.version));
            ui.add_space(8.0);
            if self.info.demo {
                ui.colored_label(
                    egui::Color32::from_rgb(0xB2, 0x6A, 0x00),
                    "Demo mode: everything runs against the built-in APIMart simulator. No real person is verified.",
                );
            }
            let key = match &self.info.key {
                KeyStatus::InKeyring => "API key: stored in the system keyring".to_string(),
                KeyStatus::FromEnvironment => {
                    "API key: taken from AVATAR_KIOSK_API_KEY".to_string()
                }
                KeyStatus::Missing => "API key: not configured".to_string(),
                KeyStatus::KeyringUnavailable(why) => format!("API key: unknown. {why}"),
            };
            ui.label(key);
            ui.label(format!("API: {}", self.info.base_url));
            ui.label(format!("Data: {}", self.info.data_dir));
        });
    }
}

/// The window icon, from the PNG the packages ship.
fn icon() -> Option<egui::IconData> {
    let img =
        image::load_from_memory(include_bytes!("../../assets/icons/avatar-kiosk-256.png")).ok()?;
    let rgba = img.to_rgba8();
    Some(egui::IconData {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw(),
    })
}

/// Opens the window and blocks until it is closed.
pub fn run(info: StatusInfo) -> Result<(), String> {
    let mut viewport = egui::ViewportBuilder::default();
    if let Some(icon) = icon() {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport: viewport
            .with_title("Avatar Kiosk")
            .with_app_id("avatar-kiosk")
            .with_inner_size([720.0, 480.0])
            .with_min_inner_size([480.0, 320.0]),
        ..Default::default()
    };
    eframe::run_native(
        "Avatar Kiosk",
        options,
        Box::new(move |_cc| Ok(Box::new(KioskApp::new(info)))),
    )
    .map_err(|e| {
        format!(
            "The window could not open ({e}). Run the app in a desktop session, or use the command line: avatar-kiosk --help"
        )
    })
}
