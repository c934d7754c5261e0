//! The staff lock of kiosk mode: asking for the PIN, checking it off the UI thread with a
//! growing wait after wrong guesses, what a right PIN opens, and the idle reset that clears the
//! screen and locks again after a finished session.

use std::time::Instant;

use eframe::egui;

use super::KioskApp;
use crate::ui::intent::{PinFor, Screen};
use crate::ui::jobs::JobDone;
use crate::ui::kiosk::PinPrompt;
use crate::ui::widgets::Toasts;

impl KioskApp {
    /// Whether kiosk mode holds this screen behind the PIN right now.
    /// Kiosk mode fails closed: locked until the PIN is given, and with no PIN known (none
    /// set, or the settings unreadable) it stays locked.
    pub(super) fn locked(&self) -> bool {
        self.kiosk.as_ref().is_some_and(|k| !k.unlocked)
    }

    pub(super) fn ask_pin(&mut self, target: PinFor) {
        if !self.locked() {
            // Nothing to unlock (no PIN set yet, or already unlocked).
            self.pin_opens(target);
            return;
        }
        if let Some(k) = &mut self.kiosk {
            k.prompt = Some(PinPrompt {
                target,
                pin: String::new(),
                wrong: false,
                checking: false,
            });
        }
    }

    pub(super) fn check_pin(&mut self, ctx: &egui::Context, pin: crate::ui::intent::Pin) {
        let hash = self
            .model
            .settings
            .kiosk_pin_hash
            .clone()
            .filter(|_| !self.model.settings_unreadable);
        let Some(k) = self.kiosk.as_mut() else {
            return;
        };
        // After wrong guesses the next one waits, longer each time; and one guess at a time,
        // even if the prompt was closed and opened again meanwhile.
        if k.retry_at.is_some_and(|at| Instant::now() < at) || k.pin_in_flight {
            return;
        }
        let Some(prompt) = k.prompt.as_mut() else {
            return;
        };
        let Some(hash) = hash else {
            self.pin_checked(false);
            return;
        };
        prompt.checking = true;
        k.pin_in_flight = true;
        self.jobs.spawn("pin-check", ctx, move || {
            JobDone::PinChecked(crate::ui::kiosk::pin_matches(pin.digits(), &hash))
        });
    }

    pub(super) fn pin_checked(&mut self, ok: bool) {
        let Some(k) = &mut self.kiosk else {
            return;
        };
        k.pin_in_flight = false;
        if !ok {
            // A wrong guess counts even when its prompt was closed meanwhile.
            k.failed_pins += 1;
            k.retry_at = crate::ui::kiosk::pin_delay(k.failed_pins).map(|d| Instant::now() + d);
        }
        let Some(prompt) = &mut k.prompt else {
            return;
        };
        prompt.checking = false;
        if !ok {
            prompt.wrong = true;
            return;
        }
        let target = prompt.target;
        k.prompt = None;
        k.unlocked = true;
        k.failed_pins = 0;
        k.retry_at = None;
        self.pin_opens(target);
    }

    pub(super) fn pin_opens(&mut self, target: PinFor) {
        match target {
            PinFor::Screen(screen) => self.enter_screen(screen),
            PinFor::StaffView => {
                if let Some(k) = &mut self.kiosk {
                    k.person_view = false;
                }
            }
            PinFor::Leave => {
                self.kiosk = None;
                if let Some(ctx) = self.ctx_cell.get() {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(false));
                }
            }
        }
    }

    /// In kiosk mode, a finished session leaves the screen after the idle time: back to Start,
    /// the person's data out of view, Settings and History locked again.
    pub(super) fn idle_reset(&mut self, ctx: &egui::Context) {
        let idle_for = std::time::Duration::from_secs(self.model.settings.idle_reset_secs.max(1));
        let finished = self.current_session().is_some_and(|s| s.stage().is_final());
        let Some(k) = &mut self.kiosk else {
            return;
        };
        let touched = ctx.input(|i| {
            !i.events.is_empty() || i.pointer.any_down() || i.pointer.delta() != egui::Vec2::ZERO
        });
        if touched {
            k.last_input = Instant::now();
        }
        if !finished {
            return;
        }
        let idle = k.last_input.elapsed();
        if idle < idle_for {
            ctx.request_repaint_after(idle_for - idle);
            return;
        }
        // The person's screen stays (it now shows Welcome); the staff screens lock.
        k.unlocked = false;
        k.prompt = None;
        k.last_input = Instant::now();
        self.model.current = None;
        self.model.pending_start = None;
        self.model.previews.clear();
        self.model.history = crate::ui::remote::Remote::NotAsked;
        self.wizard.clear();
        self.dialogs.clear();
        self.screen = Screen::Wizard;
        self.toasts = Toasts::default();
    }

    /// Locks the staff screens again (a new person, or the person's screen shown).
    pub(super) fn relock(&mut self) {
        if let Some(k) = &mut self.kiosk {
            k.unlocked = false;
        }
    }
}
