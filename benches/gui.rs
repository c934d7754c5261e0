//! Frame time of the review table: 1,000 rows against 10 rows (the baseline), and of the asset
//! library: 10,000 approved assets across 667 people against 10 of one person, measured in the
//! same run with the real app in a headless egui_kittest harness. Each frame is the full egui
//! pass (layout, accessibility tree) plus tessellation; drawing on the GPU is not included.
//! The library also reports the time from the click to the list shown, and a search's.
//!
//! `cargo bench --bench gui`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use avatar_kiosk::api::ApiKey;
use avatar_kiosk::config::{CallbackChoice, Settings};
use avatar_kiosk::flow::sample::reviewed_session;

use avatar_kiosk::store::Store;
use avatar_kiosk::ui::{KioskApp, Launch};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

const FRAMES: usize = 300;

fn open(rows: u32, dir: &std::path::Path) -> Harness<'static, KioskApp> {
    let mut store = Store::open_in(dir).unwrap();
    store
        .save(
            &reviewed_session("benchsession", "Bench Person", rows, 1_790_000_000_000),
            1_790_000_000_000,
            &[],
        )
        .unwrap();
    drop(store);
    let mut h = window(dir);
    h.get_by_label("History").click();
    step_until(&mut h, "Open Bench Person");
    h.get_by_label("Open Bench Person").click();
    step_until(&mut h, "Done: some assets need another photo");
    h
}

/// `people` finished sessions of `rows` rows each (three in four approved) in the store.
fn library_store(people: u32, rows: u32, dir: &std::path::Path) {
    let mut store = Store::open_in(dir).unwrap();
    for p in 0..people {
        let s = reviewed_session(
            &format!("bench{p:05}"),
            &format!("Person {p:05}"),
            rows,
            1_790_000_000_000 + i64::from(p),
        );
        store.save(&s, 1_790_000_000_000, &[]).unwrap();
    }
}

/// Opens the library; returns the window and the time until the list was shown.
fn open_library(dir: &std::path::Path, approved: usize) -> (Harness<'static, KioskApp>, Duration) {
    let mut h = window(dir);
    h.step();
    let t = Instant::now();
    h.get_by_label("Library").click();
    step_until(&mut h, &format!("{approved} of {approved} approved assets"));
    (h, t.elapsed())
}

/// The app on a data folder, with no network touched.
fn window(dir: &std::path::Path) -> Harness<'static, KioskApp> {
    // No network is touched: History and opening a session only read the local store.
    let launch = Launch {
        desk: Default::default(),
        data_dir: dir.to_path_buf(),
        settings: Settings {
            base_url: "http://127.0.0.1:9".into(),
            callback: CallbackChoice::Loopback,
            ..Settings::default()
        },
        secrets: avatar_kiosk::secrets::Secrets::in_memory(),
        key: Some(ApiKey::new("bench")),
        key_from_env: false,
        demo: None,
        notice: None,
        adjust: None,
        kiosk: false,
        settings_unreadable: false,
        overrides: Default::default(),
        monitors: Some(Vec::new()),
        save_to: None,
    };
    Harness::builder()
        .with_size([1280.0, 900.0])
        .with_context_setup(avatar_kiosk::ui::fonts::install)
        .build_ui_state(|ui, app: &mut KioskApp| app.show(ui), KioskApp::new(launch))
}

/// Types a search and returns the time until the list shows what it found.
fn search(h: &mut Harness<'static, KioskApp>, text: &str, found: &str) -> Duration {
    h.get_by_label("Search").focus();
    h.step();
    let t = Instant::now();
    h.event(egui::Event::Paste(text.to_string()));
    step_until(h, found);
    t.elapsed()
}

fn step_until(h: &mut Harness<'static, KioskApp>, label: &str) {
    let start = Instant::now();
    while h.query_all_by_label_contains(label).next().is_none() {
        assert!(start.elapsed() < Duration::from_secs(30), "no {label}");
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Mean and 95th percentile of a frame, in milliseconds.
fn measure(h: &mut Harness<'static, KioskApp>) -> (f64, f64) {
    for _ in 0..30 {
        h.step();
    }
    let ctx = h.ctx.clone();
    let mut times: Vec<f64> = (0..FRAMES)
        .map(|i| {
            // Move the pointer so each frame has input, as while staff scroll and hover.
            h.hover_at(egui::pos2(400.0 + (i % 50) as f32, 500.0));
            let t = Instant::now();
            h.step();
            let out = h.output();
            let prims = ctx.tessellate(out.shapes.clone(), out.pixels_per_point);
            std::hint::black_box(prims);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    (mean, times[times.len() * 95 / 100])
}

fn main() {
    let small_dir = tempfile::tempdir().unwrap();
    let big_dir = tempfile::tempdir().unwrap();
    let mut small = open(10, small_dir.path());
    let mut big = open(1000, big_dir.path());
    let (s_mean, s_p95) = measure(&mut small);
    let (b_mean, b_p95) = measure(&mut big);
    println!("review table frame time over {FRAMES} frames (egui pass + tessellation)");
    println!("  10 rows:    mean {s_mean:.2} ms, p95 {s_p95:.2} ms");
    println!("  1000 rows:  mean {b_mean:.2} ms, p95 {b_p95:.2} ms");
    println!(
        "  ratio 1000/10: mean {:.2}, p95 {:.2}",
        b_mean / s_mean,
        b_p95 / s_p95
    );
    drop((small, big));

    // The asset library: 10 approved assets of one person, then 10,005 of 667 people.
    let few_dir = tempfile::tempdir().unwrap();
    let many_dir = tempfile::tempdir().unwrap();
    library_store(1, 13, few_dir.path());
    library_store(667, 20, many_dir.path());
    let (mut few, few_open) = open_library(few_dir.path(), 10);
    let (mut many, many_open) = open_library(many_dir.path(), 10_005);
    let (f_mean, f_p95) = measure(&mut few);
    let (m_mean, m_p95) = measure(&mut many);
    let few_search = search(&mut few, "row-0001", "1 of 10 approved assets");
    let many_search = search(&mut many, "Person 00042", "15 of 10005 approved assets");
    println!("asset library frame time over {FRAMES} frames (egui pass + tessellation)");
    println!("  10 assets:     mean {f_mean:.2} ms, p95 {f_p95:.2} ms");
    println!("  10,005 assets: mean {m_mean:.2} ms, p95 {m_p95:.2} ms");
    println!(
        "  ratio: mean {:.2}, p95 {:.2}",
        m_mean / f_mean,
        m_p95 / f_p95
    );
    println!(
        "  click to list shown: {:.0} ms against {:.0} ms (ratio {:.1})",
        many_open.as_secs_f64() * 1000.0,
        few_open.as_secs_f64() * 1000.0,
        many_open.as_secs_f64() / few_open.as_secs_f64()
    );
    println!(
        "  a search typed to rows shown: {:.0} ms against {:.0} ms",
        many_search.as_secs_f64() * 1000.0,
        few_search.as_secs_f64() * 1000.0
    );
}
