//! The look: one brand accent, a spacing scale, three text sizes, light and dark palettes, and
//! the status tones. Every colour a screen uses comes from here, and a test checks that text
//! on every background reaches WCAG AA contrast (4.5:1) in both themes.

use eframe::egui::{self, Color32, CornerRadius, FontId, Margin, Stroke, TextStyle};

/// The spacing scale, in points.
pub mod space {
    /// Between words of one control.
    pub const XS: f32 = 4.0;
    /// Between controls in a row.
    pub const S: f32 = 8.0;
    /// Between rows of a form.
    pub const M: f32 = 12.0;
    /// Between groups.
    pub const L: f32 = 20.0;
    /// Around a card's content, and between sections.
    pub const XL: f32 = 32.0;
}

/// The three text sizes of the staff screens.
pub mod size {
    /// Hints, table headers, captions.
    pub const SMALL: f32 = 13.0;
    /// Everything else.
    pub const BODY: f32 = 15.0;
    /// A screen's title.
    pub const TITLE: f32 = 22.0;
    /// The person's screen is read from a metre away: every size times this.
    pub const PERSON: f32 = 2.0;
}

/// Corner radius of cards and dialogs.
pub const CARD_RADIUS: u8 = 12;

/// What a status means, whatever its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Done and good: approved.
    Ok,
    /// Going on: uploading, in review.
    Info,
    /// Needs a look: uncertain, partly approved, an expired code.
    Warn,
    /// Failed.
    Bad,
    /// Not started, cancelled.
    Neutral,
}

/// The colours of one theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    /// The window's background.
    pub bg: Color32,
    /// Cards and dialogs.
    pub card: Color32,
    /// Lines around cards.
    pub border: Color32,
    /// Lines around controls (check boxes, fields, buttons): visible on every surface.
    pub control: Color32,
    /// Text.
    pub text: Color32,
    /// Secondary text (hints, captions).
    pub weak: Color32,
    /// The brand accent: primary buttons, the current step, selection.
    pub accent: Color32,
    /// Text on the accent.
    pub on_accent: Color32,
    /// A faint wash of the accent (the consent box, the selected step).
    pub accent_wash: Color32,
    /// Status text colours, by [`Tone`]: Ok, Info, Warn, Bad, Neutral.
    tone_text: [Color32; 5],
    /// Status chip fills, by [`Tone`], with [`Palette::on_chip`] text.
    tone_fill: [Color32; 5],
    /// Text on a chip.
    pub on_chip: Color32,
}

const fn rgb(hex: u32) -> Color32 {
    Color32::from_rgb((hex >> 16) as u8, (hex >> 8) as u8, hex as u8)
}

/// The light theme.
pub const LIGHT: Palette = Palette {
    bg: rgb(0xF4F5F9),
    card: rgb(0xFFFFFF),
    border: rgb(0xDDE1EA),
    control: rgb(0x7F8796),
    text: rgb(0x1B1F2A),
    weak: rgb(0x586073),
    accent: rgb(0x4338CA),
    on_accent: rgb(0xFFFFFF),
    accent_wash: rgb(0xEEF0FE),
    tone_text: [
        rgb(0x1A7136),
        rgb(0x1F5FA8),
        rgb(0x8F5100),
        rgb(0xB3261E),
        rgb(0x555B66),
    ],
    tone_fill: [
        rgb(0x1A7136),
        rgb(0x1F5FA8),
        rgb(0x8F5100),
        rgb(0xB3261E),
        rgb(0x555B66),
    ],
    on_chip: rgb(0xFFFFFF),
};

/// The dark theme.
pub const DARK: Palette = Palette {
    bg: rgb(0x11141B),
    card: rgb(0x1A1E28),
    border: rgb(0x2D3343),
    control: rgb(0x7A8296),
    text: rgb(0xE8EAF0),
    weak: rgb(0xA2A9B8),
    accent: rgb(0x8B93F8),
    on_accent: rgb(0x10132A),
    accent_wash: rgb(0x232849),
    tone_text: [
        rgb(0x6CCB8A),
        rgb(0x8AB4F8),
        rgb(0xF2B34C),
        rgb(0xFF8A80),
        rgb(0xAEB4C0),
    ],
    tone_fill: [
        rgb(0x1A6B34),
        rgb(0x1F5FA8),
        rgb(0x8A4E00),
        rgb(0xB3261E),
        rgb(0x4C525E),
    ],
    on_chip: rgb(0xFFFFFF),
};

fn index(t: Tone) -> usize {
    match t {
        Tone::Ok => 0,
        Tone::Info => 1,
        Tone::Warn => 2,
        Tone::Bad => 3,
        Tone::Neutral => 4,
    }
}

impl Palette {
    /// The palette of a theme.
    pub fn of(dark: bool) -> &'static Palette {
        if dark { &DARK } else { &LIGHT }
    }

    /// A status as text on the background or a card.
    pub fn tone(&self, t: Tone) -> Color32 {
        self.tone_text[index(t)]
    }

    /// A status chip's fill (its text is [`Palette::on_chip`]).
    pub fn chip(&self, t: Tone) -> Color32 {
        self.tone_fill[index(t)]
    }
}

/// The palette the `ui` draws with now.
pub fn palette(ui: &egui::Ui) -> &'static Palette {
    Palette::of(ui.visuals().dark_mode)
}

/// A status colour for text in `ui`.
pub fn tone(ui: &egui::Ui, t: Tone) -> Color32 {
    palette(ui).tone(t)
}

fn visuals(p: &Palette, dark: bool) -> egui::Visuals {
    let mut v = if dark {
        egui::Visuals::dark()
    } else {
        egui::Visuals::light()
    };
    let radius = CornerRadius::same(8);
    v.panel_fill = p.bg;
    v.window_fill = p.card;
    v.window_stroke = Stroke::new(1.0, p.border);
    v.window_corner_radius = CornerRadius::same(CARD_RADIUS);
    v.extreme_bg_color = p.card;
    v.faint_bg_color = if dark { rgb(0x161A23) } else { rgb(0xF7F8FB) };
    v.weak_text_color = Some(p.weak);
    v.hyperlink_color = p.accent;
    // A steady text cursor: a blinking one repaints the window twice a second for as long as
    // a field has the keyboard (Start's name field has it on arrival), and an idle window
    // uses no CPU.
    v.text_cursor.blink = false;
    v.warn_fg_color = p.tone(Tone::Warn);
    v.error_fg_color = p.tone(Tone::Bad);
    v.selection.bg_fill = p.accent;
    v.selection.stroke = Stroke::new(1.0, p.on_accent);
    v.widgets.noninteractive.bg_stroke = Stroke::new(1.0, p.border);
    v.widgets.noninteractive.fg_stroke = Stroke::new(1.0, p.text);
    v.widgets.inactive.fg_stroke = Stroke::new(1.0, p.text);
    v.widgets.hovered.fg_stroke = Stroke::new(1.5, p.text);
    v.widgets.active.fg_stroke = Stroke::new(2.0, p.text);
    for w in [
        &mut v.widgets.inactive,
        &mut v.widgets.hovered,
        &mut v.widgets.active,
        &mut v.widgets.open,
    ] {
        w.corner_radius = radius;
    }
    v.widgets.inactive.bg_stroke = Stroke::new(1.0, p.control);
    v.widgets.hovered.bg_stroke = Stroke::new(1.0, p.accent);
    v.widgets.active.bg_stroke = Stroke::new(1.5, p.accent);
    v.striped = true;
    v
}

/// What egui is told for a theme choice.
pub fn preference(choice: crate::config::ThemeChoice) -> egui::ThemePreference {
    use crate::config::ThemeChoice;
    match choice {
        ThemeChoice::System => egui::ThemePreference::System,
        ThemeChoice::Light => egui::ThemePreference::Light,
        ThemeChoice::Dark => egui::ThemePreference::Dark,
    }
}

/// Installs the look in both themes; the OS (or Settings) picks which one shows.
pub fn install(ctx: &egui::Context) {
    for (theme, dark) in [(egui::Theme::Light, false), (egui::Theme::Dark, true)] {
        ctx.set_visuals_of(theme, visuals(Palette::of(dark), dark));
        ctx.style_mut_of(theme, |style| {
            use egui::FontFamily::Proportional;
            style.text_styles = [
                (TextStyle::Small, FontId::new(size::SMALL, Proportional)),
                (TextStyle::Body, FontId::new(size::BODY, Proportional)),
                (TextStyle::Button, FontId::new(size::BODY, Proportional)),
                (TextStyle::Heading, FontId::new(size::TITLE, Proportional)),
                (
                    TextStyle::Monospace,
                    FontId::new(size::SMALL, egui::FontFamily::Monospace),
                ),
            ]
            .into();
            style.spacing.item_spacing = egui::vec2(space::S, space::S);
            style.spacing.button_padding = egui::vec2(space::M, 6.0);
            style.spacing.interact_size.y = 30.0;
            style.spacing.window_margin = Margin::same(space::L as i8);
        });
    }
}

/// A card: the surface content sits on.
pub fn card(ui: &egui::Ui) -> egui::Frame {
    let p = palette(ui);
    egui::Frame::new()
        .fill(p.card)
        .stroke(Stroke::new(1.0, p.border))
        .corner_radius(CornerRadius::same(CARD_RADIUS))
        .inner_margin(Margin::same(space::L as i8))
}

/// The main action of a screen: filled with the accent.
pub fn primary(ui: &egui::Ui, text: impl Into<String>) -> egui::Button<'static> {
    let p = palette(ui);
    egui::Button::new(
        egui::RichText::new(text.into())
            .size(size::BODY + 1.0)
            .strong()
            .color(p.on_accent),
    )
    .fill(p.accent)
    .min_size(egui::vec2(200.0, 40.0))
}

/// Draws `add` in a column at most `max_width` wide, centred in the space there is.
pub fn page<R>(ui: &mut egui::Ui, max_width: f32, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    let width = ui.available_width().min(max_width);
    let margin = ((ui.available_width() - width) / 2.0).max(0.0);
    ui.horizontal_top(|ui| {
        ui.add_space(margin);
        ui.vertical(|ui| {
            ui.set_width(width);
            add(ui)
        })
        .inner
    })
    .inner
}

/// A screen's title.
pub fn title(text: impl Into<String>) -> egui::RichText {
    egui::RichText::new(text.into()).size(size::TITLE).strong()
}

/// Secondary text.
pub fn hint(ui: &egui::Ui, text: impl Into<String>) -> egui::RichText {
    egui::RichText::new(text.into()).color(palette(ui).weak)
}

/// The keyboard's place, drawn around whatever control has it (a field, a button, a box, a
/// tab): a 2-point ring in the accent, 2 points outside the control so it shows on a filled
/// button too, above everything else on screen. egui's own cue is faint, and a focused field
/// lost its border in both themes.
pub fn focus_ring(ctx: &egui::Context) {
    let Some(id) = ctx.memory(|m| m.focused()) else {
        return;
    };
    let Some(r) = ctx.read_response(id) else {
        return;
    };
    // Scrolled out of sight: nothing to point at.
    if !r.interact_rect.is_positive() {
        return;
    }
    let dark = ctx.global_style().visuals.dark_mode;
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Tooltip,
        egui::Id::unique("focus_ring"),
    ));
    painter.rect_stroke(
        r.rect.expand(2.0),
        CornerRadius::same(8),
        Stroke::new(FOCUS_RING_WIDTH, Palette::of(dark).accent),
        egui::StrokeKind::Outside,
    );
}

/// The focus ring's width, in points.
pub const FOCUS_RING_WIDTH: f32 = 2.0;

#[cfg(test)]
mod tests {
    use super::*;

    fn luminance(c: Color32) -> f64 {
        let lin = |v: u8| {
            let s = f64::from(v) / 255.0;
            if s <= 0.04045 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
    }

    /// The WCAG 2 contrast ratio of two colours.
    fn contrast(a: Color32, b: Color32) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
        (hi + 0.05) / (lo + 0.05)
    }

    const TONES: [Tone; 5] = [Tone::Ok, Tone::Info, Tone::Warn, Tone::Bad, Tone::Neutral];

    #[test]
    fn the_contrast_formula_gives_the_known_extremes() {
        assert!((contrast(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 0.01);
        assert!((contrast(rgb(0x777777), Color32::WHITE) - 4.48).abs() < 0.01);
    }

    #[test]
    fn every_text_reaches_wcag_aa_on_every_surface_in_both_themes() {
        for (name, p) in [("light", &LIGHT), ("dark", &DARK)] {
            let mut fails = Vec::new();
            let mut check = |what: String, fg: Color32, bg: Color32| {
                let r = contrast(fg, bg);
                if r < 4.5 {
                    fails.push(format!("{name}: {what} {r:.2}"));
                }
            };
            for (surface, bg) in [("bg", p.bg), ("card", p.card), ("wash", p.accent_wash)] {
                check(format!("text on {surface}"), p.text, bg);
                check(format!("weak on {surface}"), p.weak, bg);
                for t in TONES {
                    check(format!("{t:?} on {surface}"), p.tone(t), bg);
                }
            }
            check("accent button".into(), p.on_accent, p.accent);
            for t in TONES {
                check(format!("{t:?} chip"), p.on_chip, p.chip(t));
            }
            assert!(fails.is_empty(), "below 4.5:1: {fails:#?}");
        }
    }

    /// WCAG 2.4.11/1.4.11: the focus ring reaches 3:1 against every surface it is drawn on,
    /// and against a filled (accent) button it rings with a gap of the surface between.
    #[test]
    fn the_focus_ring_reaches_three_to_one_in_both_themes() {
        for p in [&LIGHT, &DARK] {
            for bg in [p.bg, p.card, p.accent_wash] {
                let r = contrast(p.accent, bg);
                assert!(r >= 3.0, "focus ring {r:.2} on {bg:?}");
            }
        }
    }

    /// WCAG 1.4.11: the edges of controls reach 3:1 against what they sit on.
    #[test]
    fn controls_edges_reach_three_to_one() {
        for p in [&LIGHT, &DARK] {
            for bg in [p.bg, p.card, p.accent_wash] {
                let r = contrast(p.control, bg);
                assert!(r >= 3.0, "control edge {r:.2} on {bg:?}");
            }
        }
    }

    #[test]
    fn the_themes_differ_and_statuses_are_told_apart() {
        assert_ne!(LIGHT.bg, DARK.bg);
        for p in [&LIGHT, &DARK] {
            for (i, a) in TONES.iter().enumerate() {
                for b in &TONES[i + 1..] {
                    assert_ne!(p.chip(*a), p.chip(*b), "{a:?} and {b:?} look the same");
                }
            }
        }
    }
}
