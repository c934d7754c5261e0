//! Fonts that never show boxes. egui's own fonts draw Latin; for Hangul, Han and kana the app
//! first asks the system (eframe's font provider, through the OS's own fallback), then falls
//! back to the subset of Noto Sans CJK SC bundled in the binary ([`crate::i18n::BUNDLED_FONT`]).

use std::sync::Arc;

use eframe::egui;

/// Offers the bundled font for any character the installed fonts (and the system, when asked
/// before) could not draw. egui checks that it has the glyph before using it.
struct BundledCjk;

impl egui::FontProvider for BundledCjk {
    fn font_for(&self, _request: &egui::FallbackRequest<'_>) -> Option<egui::FontInsert> {
        let families = [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
            .into_iter()
            .map(|family| egui::InsertFontFamily {
                family,
                priority: egui::FontPriority::Lowest,
            })
            .collect();
        Some(egui::FontInsert::new(
            "avatar-kiosk-noto-cjk-subset",
            egui::FontData::from_static(crate::i18n::BUNDLED_FONT),
            families,
        ))
    }
}

/// Adds the bundled fallback after whatever providers the context already has (eframe's
/// system fonts on a desktop; none in headless tests, so they see exactly the bundled font).
pub fn install(ctx: &egui::Context) {
    ctx.add_font_provider(Arc::new(BundledCjk));
}
