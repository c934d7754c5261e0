//! The eframe app: the onboarding wizard (Start, Verify, Assets, Review, Done), History and
//! Settings, and kiosk mode's person screen. Each screen owns its state, draws from a read-only
//! view and returns [`Intent`]s that run at the end of the frame; engine work is sent as
//! commands and comes back as events, so the window never waits.
//!
//! Inside, lowest first: `theme`, `remote`, `intent`, `jobs`, `kiosk` and `view` know no
//! screen; `widgets`, `table` and the screens (`wizard`, `history`, `settings`, `person`,
//! `dialogs`, `chrome`) draw; `link` holds the engine; `app` puts them together.

mod app;
mod audit_log;
pub mod camera;
mod chrome;
pub mod consent;
mod consent_text;
mod dialogs;
mod fix;
pub mod fonts;
mod history;
pub use crate::i18n;
mod intent;
mod jobs;
pub mod kiosk;
mod library;
mod link;

mod people;
pub mod person;
mod remote;
mod render;
mod settings;
mod table;
pub mod theme;
mod view;
pub mod widgets;
mod withdraw;
mod wizard;

use eframe::egui;

pub use app::{Demo, DemoPhone, KioskApp, Launch};
pub use intent::{Intent, Screen};
pub use link::Adjust;
pub use table::Filter;

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
pub fn run(launch: Launch) -> Result<(), String> {
    let mut viewport = egui::ViewportBuilder::default();
    if let Some(icon) = icon() {
        viewport = viewport.with_icon(icon);
    }
    if launch.kiosk {
        viewport = viewport.with_fullscreen(true);
    }
    let options = eframe::NativeOptions {
        viewport: viewport
            .with_title("Avatar Kiosk")
            .with_app_id("avatar-kiosk")
            .with_inner_size([1180.0, 780.0])
            .with_min_inner_size([760.0, 520.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    eframe::run_native(
        "Avatar Kiosk",
        options,
        Box::new(move |cc| {
            fonts::install(&cc.egui_ctx);
            theme::install(&cc.egui_ctx);
            Ok(Box::new(KioskApp::new(launch)))
        }),
    )
    .map_err(|e| {
        format!(
            "The window could not open ({e}). Run the app in a desktop session, or use the command line: avatar-kiosk --help"
        )
    })
}
