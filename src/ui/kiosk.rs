//! Kiosk mode's state: the staff PIN, kept as an argon2 hash, in front of Settings, History and
//! leaving kiosk mode, with a growing wait after wrong guesses; and whether the window shows the
//! person's screen.

use std::time::Instant;

use super::intent::PinFor;

pub use crate::config::pin::{hash_pin, pin_is_valid, pin_matches};

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
    pub person_view: bool,
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
            person_view: false,
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

/// How long the next PIN waits after `failures` wrong ones in a row: nothing for the first
/// two, then 5 s, doubling each time, at most 10 minutes.
pub fn pin_delay(failures: u32) -> Option<std::time::Duration> {
    let over = failures.checked_sub(3)?;
    let secs = 5u64.saturating_mul(1u64 << over.min(10)).min(600);
    Some(std::time::Duration::from_secs(secs))
}
