//! The person's own consent, before the QR code: the studio's text in their language, each
//! item answered by them, their signature with a finger or the mouse, or a decline. On one
//! screen staff hand it over first; in kiosk mode it is on the person's screen while staff
//! wait. Staff have no way to answer for them: the session starts only from the pad's answers.

use eframe::egui::{self, Pos2, RichText, Sense, Stroke};

use super::intent::{Intent, StartValues};
use super::theme::{self, Tone, space};
use crate::api::Language;
use crate::engine::{Command, Consent, PersonConsent};
use crate::flow::{ConsentItem, ConsentVersion};
use crate::i18n::phone::say;
use crate::text::Msg;

/// The consent being asked, from Start until the person signs or declines.
#[derive(Debug, Clone)]
pub struct ConsentAsk {
    /// The session it will start (its id is the audit log's for "shown").
    pub id: String,
    /// Name, note and language from the Start form.
    pub person: String,
    /// Staff's note.
    pub note: String,
    /// The person's language: the text, the pad and the answers' words are in it.
    pub language: Language,
    /// The studio's current text, once the engine has said it.
    pub version: Option<Result<ConsentVersion, Msg>>,
    /// One screen: staff have turned it to the person.
    pub handed: bool,
    /// Each item's answer, in [`ConsentItem::ALL`]'s order.
    pub answers: [Option<bool>; 3],
    /// The signature's strokes, in the pad's own 0..1 square.
    pub strokes: Vec<Vec<Pos2>>,
    /// "Shown" was logged for this text.
    pub shown: bool,
}

impl ConsentAsk {
    /// A new question for the person the Start form names.
    pub fn new(id: String, person: String, note: String, language: Language) -> ConsentAsk {
        ConsentAsk {
            id,
            person,
            note,
            language,
            version: None,
            handed: false,
            answers: [None; 3],
            strokes: Vec::new(),
            shown: false,
        }
    }

    fn said(&self, id: &str) -> String {
        say(self.language, id, &[])
    }

    /// Every item answered, the required ones yes, and a signature drawn.
    pub fn can_sign(&self) -> bool {
        ConsentItem::ALL
            .iter()
            .zip(self.answers)
            .all(|(item, a)| a.is_some_and(|yes| yes || !item.required()))
            && self.strokes.iter().any(|s| s.len() > 1)
    }

    /// A required item answered no.
    fn refused(&self) -> bool {
        (ConsentItem::ALL.iter().zip(self.answers))
            .any(|(item, a)| item.required() && a == Some(false))
    }

    /// The Start the person's answers make: signed, or declined (what they left unanswered
    /// counts as no).
    fn start(&self, version: u32, signed: bool) -> Intent {
        let answers = ConsentItem::ALL
            .into_iter()
            .zip(self.answers)
            .map(|(item, a)| (item, if signed { a } else { Some(a.unwrap_or(false)) }))
            .collect();
        let signature_png = if signed {
            signature_png(&self.strokes, 600, 200)
        } else {
            Vec::new()
        };
        let consent = Consent::Person(Box::new(PersonConsent {
            version,
            answers,
            signature_png,
            declined: !signed,
        }));
        Intent::StartSession(StartValues {
            id: self.id.clone(),
            person: self.person.clone(),
            note: self.note.clone(),
            language: self.language,
            consent,
        })
    }
}

/// Staff's side while the person answers: on one screen, the hand-over (then the pad); with
/// the person's own window (`elsewhere`), a card that says they are answering there.
pub fn staff_step(
    ui: &mut egui::Ui,
    i: &crate::i18n::I18n,
    ask: &mut ConsentAsk,
    elsewhere: bool,
    out: &mut Vec<Intent>,
) {
    if ask.handed && !elsewhere {
        return pad(ui, ask, 1.0, out);
    }
    let who = [crate::i18n::s("person", &ask.person)];
    theme::page(ui, 620.0, |ui| {
        ui.add_space(space::L);
        theme::card(ui).show(ui, |ui| {
            ui.set_width(ui.available_width());
            if elsewhere {
                ui.label(theme::title(i.ta("consent-waiting-title", &who)));
                ui.add_space(space::S);
                ui.label(i.t("consent-waiting-body"));
            } else {
                ui.label(theme::title(i.ta("consent-hand-title", &who)));
                ui.add_space(space::S);
                ui.label(i.t("consent-hand-body"));
                ui.add_space(space::M);
                let hand = ui.add(theme::primary(ui, i.ta("consent-hand-button", &who)));
                // Staff hand over with Enter, as they started with Ctrl+Enter.
                if ui.memory(|m| m.focused().is_none()) {
                    hand.request_focus();
                }
                if hand.clicked() {
                    ask.handed = true;
                }
            }
            ui.add_space(space::M);
            if ui.button(i.t("consent-cancel")).clicked() {
                out.push(Intent::CancelConsent);
            }
        });
    });
}

/// The pad the person answers on, `scale` times the window's text size (the person's screen
/// reads from further away).
pub fn pad(ui: &mut egui::Ui, ask: &mut ConsentAsk, scale: f32, out: &mut Vec<Intent>) {
    let version = match &ask.version {
        Some(Ok(v)) => v.clone(),
        Some(Err(why)) => {
            ui.label(RichText::new(why.english()).color(theme::tone(ui, Tone::Bad)));
            return;
        }
        None => {
            ui.spinner();
            return;
        }
    };
    if !ask.shown {
        ask.shown = true;
        out.push(Intent::Send(Command::ConsentShown {
            session: ask.id.clone(),
            version: version.number,
            language: ask.language,
        }));
    }
    let text = version.text(ask.language);
    let body = theme::size::BODY * scale;
    egui::ScrollArea::vertical()
        .id_salt("consent-pad")
        .auto_shrink(false)
        .show(ui, |ui| {
            theme::page(ui, 760.0 * scale.min(1.3), |ui| {
                ui.label(
                    RichText::new(&text.title)
                        .size(theme::size::TITLE * scale)
                        .strong(),
                );
                ui.add_space(space::S);
                ui.label(RichText::new(&text.intro).size(body));
                for (n, (item, title, words)) in text.items.iter().enumerate() {
                    ui.add_space(space::M);
                    theme::card(ui).show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.label(RichText::new(title).size(body).strong());
                        ui.label(RichText::new(words).size(body * 0.9));
                        ui.add_space(space::S);
                        ui.horizontal(|ui| {
                            for (yes, id) in [(true, "consent-doc-yes"), (false, "consent-doc-no")]
                            {
                                let chosen = ask.answers[n] == Some(yes);
                                let label = RichText::new(ask.said(id)).size(body);
                                if ui.selectable_label(chosen, label).clicked() {
                                    ask.answers[n] = Some(yes);
                                }
                            }
                        });
                        if item.required() && ask.answers[n] == Some(false) {
                            let warn = theme::tone(ui, Tone::Warn);
                            ui.label(
                                RichText::new(ask.said("consent-doc-required-no")).color(warn),
                            );
                        }
                    });
                }
                ui.add_space(space::M);
                ui.label(RichText::new(&text.rights).size(body * 0.9));
                ui.add_space(space::M);
                let here = ask.said("consent-doc-sign-here");
                ui.label(RichText::new(&here).size(body).strong());
                let clear = ask.said("consent-doc-clear");
                signature(ui, &mut ask.strokes, scale, (&here, &clear));
                ui.add_space(space::M);
                ui.horizontal(|ui| {
                    let sign = theme::primary(ui, ask.said("consent-doc-sign"));
                    if ui.add_enabled(ask.can_sign(), sign).clicked() {
                        out.push(ask.start(version.number, true));
                    }
                    let decline = RichText::new(ask.said("consent-doc-decline"))
                        .color(theme::tone(ui, Tone::Bad));
                    if ui.button(decline).clicked() {
                        out.push(ask.start(version.number, false));
                    }
                });
                if !ask.can_sign() && !ask.refused() {
                    ui.label(theme::hint(ui, ask.said("consent-doc-missing")).italics());
                }
            });
        });
}

/// The signature field: strokes follow the pointer (a finger or the mouse); Clear starts over.
fn signature(
    ui: &mut egui::Ui,
    strokes: &mut Vec<Vec<Pos2>>,
    scale: f32,
    (label, clear): (&str, &str),
) {
    let width = ui.available_width().min(600.0 * scale);
    let size = egui::vec2(width, width / 3.0);
    let (response, painter) = ui.allocate_painter(size, Sense::drag());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Canvas, true, label));
    let rect = response.rect;
    let p = theme::palette(ui);
    painter.rect_filled(rect, 8.0, ui.visuals().extreme_bg_color);
    painter.rect_stroke(
        rect,
        8.0,
        Stroke::new(1.0, p.accent),
        egui::StrokeKind::Inside,
    );
    let to_unit = |pos: Pos2| {
        Pos2::new(
            ((pos.x - rect.left()) / rect.width()).clamp(0.0, 1.0),
            ((pos.y - rect.top()) / rect.height()).clamp(0.0, 1.0),
        )
    };
    if response.drag_started() {
        strokes.push(Vec::new());
    }
    if response.dragged()
        && let Some(pos) = response.interact_pointer_pos()
        && let Some(stroke) = strokes.last_mut()
    {
        let unit = to_unit(pos);
        if stroke.last() != Some(&unit) {
            stroke.push(unit);
        }
    }
    let ink = Stroke::new(2.5 * scale, ui.visuals().strong_text_color());
    for stroke in strokes.iter() {
        let points: Vec<Pos2> = stroke
            .iter()
            .map(|u| rect.left_top() + egui::vec2(u.x * rect.width(), u.y * rect.height()))
            .collect();
        painter.add(egui::Shape::line(points, ink));
    }
    if ui
        .add_enabled(!strokes.is_empty(), egui::Button::new(clear))
        .clicked()
    {
        strokes.clear();
    }
}

/// The strokes drawn in black on white into a `width` x `height` PNG.
pub fn signature_png(strokes: &[Vec<Pos2>], width: u32, height: u32) -> Vec<u8> {
    let mut img = image::GrayImage::from_pixel(width, height, image::Luma([255]));
    let (w, h) = (width as f32, height as f32);
    let radius = (w / 200.0).max(1.5);
    for stroke in strokes {
        for pair in stroke.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (ax, ay, bx, by) = (a.x * w, a.y * h, b.x * w, b.y * h);
            let steps = ((bx - ax).hypot(by - ay) / (radius / 2.0)).ceil().max(1.0) as u32;
            for s in 0..=steps {
                let t = s as f32 / steps as f32;
                dot(&mut img, ax + (bx - ax) * t, ay + (by - ay) * t, radius);
            }
        }
    }
    let mut png = Vec::new();
    let written = image::DynamicImage::ImageLuma8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png);
    if written.is_err() {
        png.clear();
    }
    png
}

fn dot(img: &mut image::GrayImage, x: f32, y: f32, r: f32) {
    let (w, h) = img.dimensions();
    let lo = |v: f32| (v - r).floor().max(0.0) as u32;
    for py in lo(y)..=((y + r).ceil() as u32).min(h.saturating_sub(1)) {
        for px in lo(x)..=((x + r).ceil() as u32).min(w.saturating_sub(1)) {
            if (px as f32 - x).hypot(py as f32 - y) <= r {
                img.put_pixel(px, py, image::Luma([0]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_a_png_with_the_strokes_in_ink() {
        let strokes = vec![vec![Pos2::new(0.1, 0.5), Pos2::new(0.9, 0.5)]];
        let png = signature_png(&strokes, 600, 200);
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        assert_eq!(img.dimensions(), (600, 200));
        assert_eq!(img.get_pixel(300, 100).0, [0], "the line is inked");
        assert_eq!(img.get_pixel(300, 20).0, [255], "the rest is paper");
        assert_eq!(img.get_pixel(20, 100).0, [255], "nothing before the stroke");
    }

    #[test]
    fn signing_needs_every_answer_the_required_ones_yes_and_a_signature() {
        let mut ask = ConsentAsk::new("s".into(), "Kim".into(), String::new(), Language::Ko);
        ask.answers = [Some(true), Some(true), Some(false)];
        assert!(!ask.can_sign(), "no signature yet");
        ask.strokes = vec![vec![Pos2::new(0.1, 0.1), Pos2::new(0.2, 0.2)]];
        assert!(ask.can_sign());
        ask.answers[2] = None;
        assert!(!ask.can_sign(), "the optional item is answered too");
        ask.answers = [Some(true), Some(false), Some(true)];
        assert!(!ask.can_sign() && ask.refused());
        // A decline counts what was left unanswered as no, and carries no signature.
        ask.answers = [Some(true), None, None];
        let Intent::StartSession(v) = ask.start(1, false) else {
            panic!()
        };
        let Consent::Person(given) = v.consent else {
            panic!()
        };
        assert!(given.answers.iter().all(|(_, a)| a.is_some()));
        assert!(given.signature_png.is_empty());
        assert!(given.declined, "a decline is one, whatever was answered");
    }
}
