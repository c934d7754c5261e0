//! Test renders in the window: the form (prompt, model, length, resolution) with the estimated
//! cost, one confirmation, and on the Done step each render's progress, its poster and the way
//! to play it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use eframe::egui::{self, RichText};

use super::intent::Intent;
use super::theme::{self, Tone, size, space};
use super::view::View;
use crate::engine::{Command, RenderAsk};
use crate::flow::{Render, RenderState, Session};
use crate::i18n::{I18n, n, s as text};

/// The render form, while it is open.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderForm {
    /// The person's session.
    pub session: String,
    /// Their name, for the title.
    pub person: String,
    /// What to film.
    pub prompt: String,
    /// The fast model.
    pub fast: bool,
    /// Seconds.
    pub duration: u8,
    /// `480p` or `720p`.
    pub resolution: &'static str,
    /// Approved images the render will use.
    pub images: usize,
    /// Staff pressed Continue: the question before sending.
    pub confirming: bool,
}

impl RenderForm {
    /// A form for this person, in their language, with the defaults.
    pub fn for_session(s: &Session) -> RenderForm {
        RenderForm {
            session: s.id.clone(),
            person: s.person.clone(),
            prompt: crate::flow::default_prompt(s.language).to_string(),
            fast: false,
            duration: 5,
            resolution: "480p",
            images: s.pick_for_render(&[]).map_or(0, |u| u.len()),
            confirming: false,
        }
    }
}

/// A price in the studio's currency, two decimals, with the currency Settings name.
fn money(milli: u64, currency: &str) -> String {
    format!("{:.2} {currency}", milli as f64 / 1000.0)
        .trim_end()
        .to_string()
}

/// Draws the form while one is open; sends the render when staff confirm.
pub fn dialog(
    ctx: &egui::Context,
    view: &View<'_>,
    form: &mut Option<RenderForm>,
    out: &mut Vec<Intent>,
) {
    let i = view.i18n;
    let Some(f) = form.as_mut() else {
        return;
    };
    let prices = &view.settings().render_prices;
    let price = prices.per_second(f.fast, f.resolution);
    let cost = money(
        crate::flow::estimate_milli(f.duration, price),
        &prices.currency,
    );
    let price_text = money((price * 1000.0).round().max(0.0) as u64, &prices.currency);
    let price_hint = if prices.assumed() {
        "render-price-assumed"
    } else {
        "render-price-hint"
    };
    let mut close = false;
    let modal = egui::Modal::new(egui::Id::unique("render-form")).show(ctx, |ui| {
        ui.set_width(520.0);
        ui.label(theme::title(
            i.ta("render-title", &[text("person", &f.person)]),
        ));
        ui.label(theme::hint(
            ui,
            i.ta("render-intro", &[n("count", f.images)]),
        ));
        ui.add_space(space::S);
        if f.confirming {
            let question = i.ta(
                "render-confirm",
                &[text("cost", &cost), n("seconds", usize::from(f.duration))],
            );
            ui.label(RichText::new(question).size(size::BODY + 1.0));
            ui.add_space(space::M);
            ui.horizontal(|ui| {
                if ui.add(theme::primary(ui, i.t("render-send"))).clicked() {
                    out.push(Intent::Send(Command::Render(
                        f.session.clone(),
                        ask(f, price),
                    )));
                    out.push(Intent::Open(f.session.clone()));
                    close = true;
                }
                if ui.button(i.t("render-back")).clicked() {
                    f.confirming = false;
                }
            });
            return;
        }
        fields(ui, i, f);
        ui.add_space(space::S);
        let estimate = i.ta(
            "render-estimate",
            &[
                text("cost", &cost),
                n("seconds", usize::from(f.duration)),
                text("price", &price_text),
            ],
        );
        ui.label(RichText::new(estimate).strong());
        ui.label(theme::hint(ui, i.t(price_hint)).size(size::SMALL));
        ui.add_space(space::M);
        ui.horizontal(|ui| {
            let ready = !f.prompt.trim().is_empty() && f.images > 0;
            if ui
                .add_enabled(ready, theme::primary(ui, i.t("render-continue")))
                .clicked()
            {
                f.confirming = true;
            }
            if ui.button(i.t("render-cancel")).clicked() {
                close = true;
            }
        });
    });
    if close || modal.should_close() {
        *form = None;
    }
}

fn fields(ui: &mut egui::Ui, i: &I18n, f: &mut RenderForm) {
    let l = ui.label(i.t("render-prompt"));
    ui.add(
        egui::TextEdit::multiline(&mut f.prompt)
            .desired_rows(3)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(l.id);
    ui.add_space(space::XS);
    ui.horizontal(|ui| {
        ui.label(i.t("render-model"));
        ui.radio_value(&mut f.fast, false, i.t("render-model-face"));
        ui.radio_value(&mut f.fast, true, i.t("render-model-fast"));
    });
    ui.horizontal(|ui| {
        let l = ui.label(i.t("render-duration"));
        ui.add(egui::Slider::new(&mut f.duration, 4..=15).suffix(" s"))
            .labelled_by(l.id);
    });
    ui.horizontal(|ui| {
        ui.label(i.t("render-resolution"));
        ui.radio_value(&mut f.resolution, "480p", "480p");
        ui.radio_value(&mut f.resolution, "720p", "720p");
    });
}

fn ask(f: &RenderForm, price: f64) -> RenderAsk {
    RenderAsk {
        prompt: f.prompt.trim().to_string(),
        fast: f.fast,
        duration: f.duration,
        resolution: f.resolution.to_string(),
        assets: Vec::new(),
        price_per_second: price,
    }
}

/// Posters of finished renders, read from the data folder once.
#[derive(Default)]
pub struct Posters(HashMap<PathBuf, Option<egui::TextureHandle>>);

impl Posters {
    fn get(&mut self, ctx: &egui::Context, path: &Path) -> Option<&egui::TextureHandle> {
        self.0
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let img = image::ImageReader::open(path)
                    .ok()?
                    .with_guessed_format()
                    .ok()?
                    .decode()
                    .ok()?
                    .thumbnail(320, 180)
                    .to_rgba8();
                let size = [img.width() as usize, img.height() as usize];
                let color = egui::ColorImage::from_rgba_unmultiplied(size, img.as_raw());
                Some(ctx.load_texture(
                    format!("poster {}", path.display()),
                    color,
                    egui::TextureOptions::LINEAR,
                ))
            })
            .as_ref()
    }
}

/// The session's renders, newest first, on the Done step.
pub fn panel(
    ui: &mut egui::Ui,
    view: &View<'_>,
    s: &Session,
    posters: &mut Posters,
    out: &mut Vec<Intent>,
) {
    if s.renders.is_empty() {
        return;
    }
    let i = view.i18n;
    theme::card(ui).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new(i.t("render-panel-title")).strong());
        for r in s.renders.iter().rev() {
            ui.separator();
            one(ui, i, r, posters, out);
        }
    });
    if s.rendering() {
        // Progress comes with the engine's news; the spinner needs frames meanwhile.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(250));
    }
}

fn one(ui: &mut egui::Ui, i: &I18n, r: &Render, posters: &mut Posters, out: &mut Vec<Intent>) {
    ui.horizontal(|ui| {
        if let RenderState::Done {
            thumbnail: Some(p), ..
        } = &r.state
            && let Some(t) = posters.get(ui.ctx(), p)
        {
            ui.add(egui::Image::new(t).max_height(90.0));
        }
        ui.vertical(|ui| {
            let what = format!(
                "{} · {} s · {}",
                r.request.model(),
                r.request.duration,
                r.request.resolution
            );
            ui.label(RichText::new(what).strong());
            ui.label(theme::hint(
                ui,
                crate::text::short_printable(&r.request.prompt, 120),
            ));
            match &r.state {
                RenderState::Sending => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label(i.t("render-sending"));
                    });
                }
                RenderState::Running { progress, .. } => {
                    let p = f32::from(*progress) / 100.0;
                    ui.add(
                        egui::ProgressBar::new(p)
                            .desired_width(320.0)
                            .text(i.ta("render-running", &[n("progress", usize::from(*progress))])),
                    );
                }
                RenderState::Downloading { .. } => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label(i.t("render-downloading"));
                    });
                }
                RenderState::Done { path, .. } => {
                    ui.horizontal(|ui| {
                        if ui
                            .add(theme::primary(ui, i.t("render-open-video")))
                            .clicked()
                        {
                            out.push(Intent::OpenFile(path.clone()));
                        }
                        if ui.button(i.t("render-copy-path")).clicked() {
                            out.push(Intent::Copy(path.display().to_string(), i.t("copied-path")));
                        }
                    });
                }
                RenderState::Failed { reason, .. } => {
                    ui.label(RichText::new(i.msg(reason)).color(theme::tone(ui, Tone::Bad)));
                }
            }
        });
    });
}
