//! Image snapshots where looking matters: the QR code in both themes, and the review table.
//! They are rendered with wgpu (lavapipe on CI) and compared with the PNGs in
//! `tests/snapshots/`; `UPDATE_SNAPSHOTS=1` rewrites them after a deliberate change.

use egui_kittest::Harness;

use crate::table::big_session;
use egui_kittest::kittest::Queryable;

use crate::{World, click, harness, wait_for};

/// A link as long as APIMart's real ones.
const LINK: &str = "https://h5.example-verify.com/liveness/start?token=8f14e45fceea167a5a36dedd4bea2543&lng=ko&callback=http%3A%2F%2F192.168.1.20%3A41234%2Fcb%2F0123456789abcdef0123456789abcdef";

fn qr_harness(theme: egui::Theme) -> Harness<'static> {
    let mut cache = None;
    Harness::builder()
        .with_size([340.0, 340.0])
        .with_theme(theme)
        .build_ui(move |ui| {
            egui::CentralPanel::default().show(ui, |ui| {
                avatar_kiosk::ui::widgets::qr(ui, &mut cache, LINK, 300.0, "QR code", "too long");
            });
        })
}

#[test]
fn the_qr_code_keeps_its_contrast_in_the_dark_theme() {
    qr_contrast(egui::Theme::Dark, "qr_dark");
}

#[test]
fn the_qr_code_keeps_its_contrast_in_the_light_theme() {
    qr_contrast(egui::Theme::Light, "qr_light");
}

fn qr_contrast(theme: egui::Theme, name: &str) {
    {
        let mut h = qr_harness(theme);
        h.run();
        let image = h.render().expect("render with wgpu");
        // The code itself is pure black on pure white in either theme.
        let (w, hgt) = image.dimensions();
        let centre = image.get_pixel(w / 2, hgt / 2).0;
        let mut dark = 0;
        let mut light = 0;
        for y in (hgt / 4)..(3 * hgt / 4) {
            for x in (w / 4)..(3 * w / 4) {
                let p = image.get_pixel(x, y).0;
                if p[0] < 20 && p[1] < 20 && p[2] < 20 {
                    dark += 1;
                } else if p[0] > 235 && p[1] > 235 && p[2] > 235 {
                    light += 1;
                }
            }
        }
        let all = (w / 2) * (hgt / 2);
        assert!(
            dark + light > all * 95 / 100,
            "{name}: only {dark}+{light} of {all} pixels are black or white (centre {centre:?})"
        );
        assert!(
            dark > all / 4 && light > all / 4,
            "{name}: {dark} dark, {light} light"
        );
        h.snapshot(name);
    }
}

#[test]
fn the_review_table_looks_right() {
    let world = World::quick();
    big_session(&world, 12);
    let mut h = harness(world.demo());
    click(&mut h, "History");
    wait_for(&mut h, "Open Big Table");
    click(&mut h, "Open Big Table");
    wait_for(&mut h, "Done: some assets need another photo");
    // Toasts come and go with timing: close them before looking.
    for _ in 0..10 {
        let Some(d) = h.query_all_by_label("Dismiss").next() else {
            break;
        };
        d.click();
        h.step();
        h.step();
    }
    h.step();
    h.snapshot("review_table");
}
