//! Fonts that never show boxes. egui's own fonts draw Latin; for Hangul, Han and kana the app
//! first asks the system (eframe's font provider, through the OS's own fallback), then falls
//! back to a subset of Noto Sans CJK SC bundled in the binary (`assets/fonts/`, SIL OFL 1.1):
//! every modern Hangul syllable, the 6763 Han characters of GB 2312, kana, and every character
//! of the translations.

use std::sync::Arc;

use eframe::egui;

/// The bundled fallback font.
pub static BUNDLED_CJK: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-subset.otf");

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
            egui::FontData::from_static(BUNDLED_CJK),
            families,
        ))
    }
}

/// Adds the bundled fallback after whatever providers the context already has (eframe's
/// system fonts on a desktop; none in headless tests, so they see exactly the bundled font).
pub fn install(ctx: &egui::Context) {
    ctx.add_font_provider(Arc::new(BundledCjk));
}
