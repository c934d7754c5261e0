//! Small drawing helpers shared by the screens: status chips, the QR code, thumbnails, times,
//! and the toasts.

use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, RichText};

use super::theme::{self, Tone};
use crate::flow::{Asset, Millis, Phase};

/// A row's status word (message id) and tone. Words group by [`Phase`], as the filters do.
pub fn chip_of(a: &Asset) -> (&'static str, Tone) {
    // The flow names the status (exports and the command line write the same word): the chip
    // is `chip-` and that word.
    const CHIPS: [(&str, Tone); 12] = [
        ("chip-checking", Tone::Neutral),
        ("chip-ready", Tone::Neutral),
        ("chip-blocked", Tone::Bad),
        ("chip-uploading", Tone::Info),
        ("chip-uploaded", Tone::Info),
        ("chip-submitting", Tone::Info),
        ("chip-processing", Tone::Info),
        ("chip-active", Tone::Ok),
        ("chip-failed", Tone::Bad),
        ("chip-upload-failed", Tone::Bad),
        ("chip-refused", Tone::Bad),
        ("chip-uncertain", Tone::Warn),
    ];
    let word = crate::flow::export::status_word(a);
    CHIPS
        .into_iter()
        .find(|(key, _)| key.strip_prefix("chip-") == Some(word))
        .unwrap_or(("chip-uncertain", Tone::Warn))
}

/// A search field with its label, as People, the Library, History and the review table have
/// it: the label names the field for screen readers.
pub fn search_field(
    ui: &mut egui::Ui,
    label: String,
    hint: String,
    text: &mut String,
) -> egui::Response {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(
            egui::TextEdit::singleline(text)
                .hint_text(hint)
                .desired_width(ui.available_width().min(420.0)),
        )
        .labelled_by(l.id)
    })
    .inner
}

/// The phase a status word belongs to (the filters count rows by phase).
pub fn phase_of_chip(id: &str) -> Option<Phase> {
    Some(match id {
        "chip-checking" | "chip-ready" | "chip-uploading" | "chip-uploaded" => Phase::Unsent,
        "chip-submitting" | "chip-processing" => Phase::InReview,
        "chip-active" => Phase::Approved,
        "chip-blocked" | "chip-failed" | "chip-upload-failed" | "chip-refused"
        | "chip-uncertain" => Phase::NeedsStaff,
        _ => return None,
    })
}

/// A rounded, coloured status word, exactly as big as its text in any layout.
pub fn chip(ui: &mut egui::Ui, text: &str, tone: Tone) -> egui::Response {
    let p = theme::palette(ui);
    let (fill, ink) = (p.chip(tone), p.on_chip);
    let galley = egui::WidgetText::from(RichText::new(text).strong().color(ink)).into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Body,
    );
    let padding = egui::vec2(8.0, 2.0);
    let (rect, response) =
        ui.allocate_exact_size(galley.size() + 2.0 * padding, egui::Sense::hover());
    if ui.is_rect_visible(rect) {
        let painter = ui.painter();
        painter.rect_filled(rect, 9.0, fill);
        painter.galley(rect.min + padding, galley, ink);
    }
    let label = text.to_string();
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, label.clone()));
    response
}

/// A small button that shows a short word but is announced (and found by tests) with a label
/// naming its row.
pub fn named_button(
    ui: &mut egui::Ui,
    text: impl Into<egui::WidgetText>,
    label: &str,
) -> egui::Response {
    named(ui.small_button(text), label)
}

/// A link-like button (text only, as tall as its text) named for screen readers and tests.
pub fn named_link(
    ui: &mut egui::Ui,
    text: impl Into<egui::WidgetText>,
    label: &str,
) -> egui::Response {
    named(ui.link(text), label)
}

/// `r` as a button named `label` for screen readers and tests.
fn named(r: egui::Response, label: &str) -> egui::Response {
    let label = label.to_string();
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, label.clone()));
    r
}

/// A QR code image for a link: black modules on white with the standard 4-module quiet zone.
/// Drawn with nearest-neighbour sampling so it stays sharp at any size, in any theme.
pub fn qr_image(link: &str) -> Option<egui::ColorImage> {
    let code = qrcode::QrCode::new(link.as_bytes()).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let side = width + 2 * quiet;
    let mut pixels = vec![Color32::WHITE; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            pixels[y * side + x] = Color32::BLACK;
        }
    }
    Some(egui::ColorImage::new([side, side], pixels))
}

/// Draws the QR code of `link` as a `side`-point square, keeping its texture in `cache` so it
/// is uploaded once per link. Black on white whatever the theme, so phones read it.
pub fn qr(
    ui: &mut egui::Ui,
    cache: &mut Option<(String, egui::TextureHandle)>,
    link: &str,
    side: f32,
    alt: &str,
    too_long: &str,
) {
    let texture = match cache {
        Some((l, t)) if l == link => Some(t.clone()),
        _ => qr_image(link).map(|img| {
            let t = ui
                .ctx()
                .load_texture("qr", img, egui::TextureOptions::NEAREST);
            *cache = Some((link.to_string(), t.clone()));
            t
        }),
    };
    match texture {
        Some(t) => {
            ui.add(
                egui::Image::new(&t)
                    .fit_to_exact_size(egui::vec2(side, side))
                    .alt_text(alt),
            );
        }
        None => {
            ui.label(RichText::new(too_long).color(theme::tone(ui, Tone::Bad)));
        }
    }
}

/// The QR code on a white, rounded card with a margin around it, `side` points wide in all:
/// phones read it in either theme.
pub fn qr_card(
    ui: &mut egui::Ui,
    cache: &mut Option<(String, egui::TextureHandle)>,
    link: &str,
    side: f32,
    alt: &str,
    too_long: &str,
) {
    let pad = (side * 0.05).clamp(8.0, 24.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::hover());
    ui.painter().rect_filled(rect, 12.0, Color32::WHITE);
    let inner = rect.shrink(pad);
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(inner));
    qr(&mut child, cache, link, inner.width(), alt, too_long);
}

/// A thumbnail as an image egui can upload.
pub fn thumbnail_image(t: &crate::media::Thumbnail) -> Option<egui::ColorImage> {
    let (w, h) = (t.width as usize, t.height as usize);
    (w * h * 4 == t.rgba.len()).then(|| egui::ColorImage::from_rgba_unmultiplied([w, h], &t.rgba))
}

/// `m:ss` for a countdown.
pub fn countdown(remaining_ms: Millis) -> String {
    let secs = (remaining_ms.max(0) + 999) / 1000;
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// An `asset://` URL as shown: monospace and not selectable, so that a copy goes through a
/// Copy button, which the audit log records.
pub fn asset_url(ui: &mut egui::Ui, url: &str) -> egui::Response {
    let text = RichText::new(url).monospace();
    ui.add(egui::Label::new(text).selectable(false))
}

/// A timestamp in the machine's time zone, `2026-11-27 21:04`.
pub fn local_time(at: Millis) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| "—".into())
}

/// How serious a toast is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Done; goes away by itself.
    Info,
    /// Needs a look; stays until closed.
    Warning,
    /// Something failed; stays until closed.
    Error,
}

/// A message in the corner, with an optional action.
#[derive(Debug, Clone)]
pub struct Toast<A> {
    /// Seriousness.
    pub level: Level,
    /// The sentence.
    pub text: String,
    /// A button label and what it does.
    pub action: Option<(String, A)>,
    /// How many times the same message came in a row.
    pub count: u32,
    shown: Instant,
}

/// The toasts on screen.
#[derive(Debug)]
pub struct Toasts<A> {
    list: Vec<Toast<A>>,
}

impl<A> Default for Toasts<A> {
    fn default() -> Self {
        Toasts { list: Vec::new() }
    }
}

/// How long an info toast stays.
const INFO_FOR: Duration = Duration::from_secs(5);

impl<A: Clone> Toasts<A> {
    /// Adds a toast; the same text again only counts up.
    pub fn push(&mut self, level: Level, text: impl Into<String>, action: Option<(String, A)>) {
        let text = text.into();
        if let Some(last) = self.list.last_mut()
            && last.text == text
        {
            last.count += 1;
            last.shown = Instant::now();
            return;
        }
        self.list.push(Toast {
            level,
            text,
            action,
            count: 1,
            shown: Instant::now(),
        });
        // A storm of messages must not cover the window.
        if self.list.len() > 5 {
            self.list.remove(0);
        }
    }

    /// The toasts, oldest first.
    pub fn list(&self) -> &[Toast<A>] {
        &self.list
    }

    /// Draws them in the bottom-right corner; returns the action clicked, if any.
    pub fn show(&mut self, ctx: &egui::Context, dismiss: &str) -> Option<A> {
        let now = Instant::now();
        self.list
            .retain(|t| t.level != Level::Info || now.duration_since(t.shown) < INFO_FOR);
        if let Some(next) = self
            .list
            .iter()
            .filter(|t| t.level == Level::Info)
            .map(|t| INFO_FOR.saturating_sub(now.duration_since(t.shown)))
            .min()
        {
            ctx.request_repaint_after(next);
        }
        if self.list.is_empty() {
            return None;
        }
        let mut clicked = None;
        let mut close = None;
        egui::Area::new(egui::Id::unique("toasts"))
            .anchor(egui::Align2::RIGHT_BOTTOM, [-12.0, -12.0])
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                ui.set_max_width(420.0);
                for (i, t) in self.list.iter().enumerate() {
                    let color = theme::tone(
                        ui,
                        match t.level {
                            Level::Info => Tone::Ok,
                            Level::Warning => Tone::Warn,
                            Level::Error => Tone::Bad,
                        },
                    );
                    egui::Frame::popup(ui.style())
                        .stroke(egui::Stroke::new(2.0, color))
                        .show(ui, |ui| {
                            ui.horizontal_wrapped(|ui| {
                                let text = if t.count > 1 {
                                    format!("{} (×{})", t.text, t.count)
                                } else {
                                    t.text.clone()
                                };
                                ui.label(text);
                            });
                            ui.horizontal(|ui| {
                                if let Some((label, action)) = &t.action
                                    && ui.button(label.as_str()).clicked()
                                {
                                    clicked = Some(action.clone());
                                    close = Some(i);
                                }
                                if ui.button(dismiss).clicked() {
                                    close = Some(i);
                                }
                            });
                        });
                    ui.add_space(6.0);
                }
            });
        if let Some(i) = close {
            self.list.remove(i);
            ctx.request_repaint();
        }
        clicked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::{Check, sample};

    /// "Processing (20)" over twenty rows that say "Ready" was a filter and a chip that
    /// disagreed: every row's word belongs to the phase the filters count it in.
    #[test]
    fn every_rows_word_belongs_to_the_phase_it_is_counted_in() {
        let mut rows = sample::reviewed_session("0123456789abcdef", "p", 3, 2).assets;
        let base = rows[0].clone();
        let states = sample::every_state();
        let checks = [
            Check::Pending,
            Check::Ready { hash: None },
            Check::Blocked {
                reason: crate::text::Msg::verbatim("x"),
            },
        ];
        for state in &states {
            for check in &checks {
                let mut a = base.clone();
                a.state = state.clone();
                a.check = check.clone();
                rows.push(a);
            }
        }
        for a in &rows {
            let (word, _) = chip_of(a);
            // The chip says the word the exports and the command line write.
            assert_eq!(
                word.strip_prefix("chip-"),
                Some(crate::flow::export::status_word(a))
            );
            assert_eq!(
                phase_of_chip(word),
                Some(a.phase()),
                "{:?} / {:?}",
                a.state,
                a.check
            );
        }
    }
}
