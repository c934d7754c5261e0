//! Kiosk mode: full screen, a screen for the person (the QR code, the countdown and what to do,
//! in their language, and nothing else), and a staff PIN, kept as an argon2 hash, in front of
//! Settings, History and leaving kiosk mode.

use std::time::Instant;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use eframe::egui::{self, RichText};

use super::i18n::{I18n, UiLang};
use super::widgets;
use crate::flow::{Millis, Session, Stage, TokenState, Verification};

/// What a correct PIN opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinFor {
    /// A locked screen.
    Screen(super::app::Screen),
    /// Back to the staff view from the person's screen.
    StaffView,
    /// Leaving kiosk mode.
    Leave,
}

/// The PIN question on screen.
#[derive(Debug, Clone)]
pub struct PinPrompt {
    /// What it opens.
    pub target: PinFor,
    /// Typed so far.
    pub pin: String,
    /// The last answer was wrong.
    pub wrong: bool,
    /// The hash is being checked.
    pub checking: bool,
}

/// Kiosk mode's state.
#[derive(Debug)]
pub struct KioskState {
    /// Staff entered the PIN; locks again with "Lock" or after an idle reset.
    pub unlocked: bool,
    /// The main window shows the person's screen.
    pub customer_view: bool,
    /// The PIN question, when asked.
    pub prompt: Option<PinPrompt>,
    /// The last time anyone touched the window.
    pub last_input: Instant,
    /// Wrong PINs in a row.
    pub failed_pins: u32,
    /// No PIN is checked before this (after wrong guesses).
    pub retry_at: Option<Instant>,
    /// A PIN is being checked (one guess at a time).
    pub pin_in_flight: bool,
}

impl KioskState {
    /// Locked, on the staff view.
    pub fn new() -> KioskState {
        KioskState {
            unlocked: false,
            customer_view: false,
            prompt: None,
            last_input: Instant::now(),
            failed_pins: 0,
            retry_at: None,
            pin_in_flight: false,
        }
    }
}

impl Default for KioskState {
    fn default() -> Self {
        KioskState::new()
    }
}

/// Whether a PIN has the allowed shape: 6 to 12 digits.
pub fn pin_is_valid(pin: &str) -> bool {
    (6..=12).contains(&pin.len()) && pin.chars().all(|c| c.is_ascii_digit())
}

/// How long the next PIN waits after `failures` wrong ones in a row: nothing for the first
/// two, then 5 s, doubling each time, at most 10 minutes.
pub fn pin_delay(failures: u32) -> Option<std::time::Duration> {
    let over = failures.checked_sub(3)?;
    let secs = 5u64.saturating_mul(1u64 << over.min(10)).min(600);
    Some(std::time::Duration::from_secs(secs))
}

/// The argon2id hash of a PIN, as a PHC string (slow on purpose: run it off the UI thread).
pub fn hash_pin(pin: &str) -> Result<String, String> {
    let bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `pin` matches the stored hash (slow on purpose: run it off the UI thread).
pub fn pin_matches(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok()
    })
}

/// What the person's screen shows. Built only from what the person may see: never a name,
/// a note, a key or another session.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerView {
    /// Nobody is being verified.
    Welcome,
    /// The code to scan.
    Scan {
        /// The H5 link.
        link: String,
        /// When it stops working.
        expires_at: Millis,
    },
    /// The code expired; staff make a new one.
    Expired,
    /// The phone finished.
    Received,
    /// Verification did not pass.
    Failed,
}

impl CustomerView {
    /// The view for the session on screen (or none).
    pub fn of(session: Option<&Session>, now: Millis) -> CustomerView {
        let Some(s) = session else {
            return CustomerView::Welcome;
        };
        match &s.verification {
            Verification::Verified { .. } | Verification::Following { .. } => {
                CustomerView::Received
            }
            Verification::Failed { .. } => CustomerView::Failed,
            Verification::Link(link) => match &link.token_state {
                TokenState::Used { .. } => CustomerView::Received,
                TokenState::Waiting if now < link.expires_at => CustomerView::Scan {
                    link: link.h5_link.clone(),
                    expires_at: link.expires_at,
                },
                _ => CustomerView::Expired,
            },
            Verification::NotStarted | Verification::Issuing => {
                if s.stage() == Stage::Cancelled {
                    CustomerView::Welcome
                } else {
                    CustomerView::Expired
                }
            }
        }
    }
}

/// Draws the person's screen in `lang`. `staff` is a small corner button that asks for the PIN
/// (the switch mode); returns whether it was clicked.
pub fn show_customer(
    ui: &mut egui::Ui,
    i: &I18n,
    lang: UiLang,
    view: &CustomerView,
    qr_cache: &mut Option<(String, egui::TextureHandle)>,
    now: Millis,
    staff_button: bool,
) -> bool {
    let t = |id: &str| i.t_in(lang, id);
    let mut staff = false;
    ui.vertical_centered(|ui| {
        ui.add_space(24.0);
        match view {
            CustomerView::Welcome => {
                ui.add_space(120.0);
                ui.label(RichText::new(t("customer-welcome")).size(48.0).strong());
                ui.add_space(16.0);
                ui.label(RichText::new(t("customer-welcome-body")).size(24.0));
            }
            CustomerView::Scan { link, expires_at } => {
                let remaining = expires_at - now;
                ui.ctx()
                    .request_repaint_after(std::time::Duration::from_millis(
                        (remaining % 1000).max(1) as u64,
                    ));
                ui.label(RichText::new(t("customer-title")).size(36.0).strong());
                ui.label(RichText::new(t("customer-scan")).size(22.0));
                ui.add_space(12.0);
                let side = ui
                    .available_width()
                    .min(ui.available_height() - 200.0)
                    .clamp(200.0, 640.0);
                widgets::qr(ui, qr_cache, link, side, &t("qr-alt"), &t("qr-too-long"));
                ui.add_space(12.0);
                ui.label(
                    RichText::new(i.ta_in(
                        lang,
                        "customer-expires",
                        &[super::i18n::s("time", &widgets::countdown(remaining))],
                    ))
                    .size(24.0)
                    .strong(),
                );
                ui.add_space(8.0);
                for step in [
                    "customer-step-sign-in",
                    "customer-step-face",
                    "customer-step-done",
                ] {
                    ui.label(RichText::new(t(step)).size(20.0));
                }
            }
            CustomerView::Expired => {
                ui.add_space(120.0);
                ui.label(
                    RichText::new(t("customer-expired"))
                        .size(32.0)
                        .color(widgets::AMBER),
                );
            }
            CustomerView::Received => {
                ui.add_space(120.0);
                ui.label(
                    RichText::new(t("customer-received"))
                        .size(40.0)
                        .strong()
                        .color(widgets::GREEN),
                );
                ui.add_space(12.0);
                ui.label(RichText::new(t("customer-received-body")).size(24.0));
            }
            CustomerView::Failed => {
                ui.add_space(120.0);
                ui.label(
                    RichText::new(t("customer-failed"))
                        .size(32.0)
                        .color(widgets::RED),
                );
            }
        }
    });
    if staff_button {
        egui::Area::new(egui::Id::unique("customer-staff"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-8.0, -8.0])
            .show(ui.ctx(), |ui| {
                if ui
                    .small_button(RichText::new(i.t("kiosk-staff")).weak())
                    .clicked()
                {
                    staff = true;
                }
            });
    }
    staff
}
