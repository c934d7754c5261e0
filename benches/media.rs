//! Prepares 20 generated 24 MP JPEGs with the media pipeline (parallel, limits, thumbnail
//! first) and with a naive sequential decode-resize-encode, in the same run, each in a child
//! process so that its peak memory is its own. Prints time, peak memory and the time to the
//! first thumbnail, and the ratios.
//!
//! `cargo bench --bench media` (add `-- --files N` for another count).

// A benchmark program: a failed setup step should stop it loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use avatar_kiosk::media::{Limits, prepare_image_with};

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn generate(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let mut seed = 0x9E37_79B9u32 ^ i as u32;
            let img = image::RgbImage::from_fn(6000, 4000, |x, y| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let noise = (seed & 0x0f) as u8;
                image::Rgb([
                    ((x / 24) as u8).wrapping_add(noise),
                    ((y / 16) as u8) ^ (i as u8),
                    120u8.wrapping_add(noise),
                ])
            });
            let path = dir.join(format!("phone-{i:02}.jpg"));
            img.save_with_format(&path, image::ImageFormat::Jpeg)
                .expect("write a generated photo");
            path
        })
        .collect()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the bench folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    v.sort();
    v
}

/// The app's way: every core, limits checked, thumbnail handed out before resize and encode.
fn pipeline(files: &[PathBuf]) -> (f64, f64) {
    let start = Instant::now();
    let first_thumb: Arc<Mutex<Option<f64>>> = Arc::new(Mutex::new(None));
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for w in 0..workers {
            let first_thumb = first_thumb.clone();
            let next = &next;
            std::thread::Builder::new()
                .name(format!("bench-prepare-{w}"))
                .spawn_scoped(s, move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(path) = files.get(i) else { break };
                        let bytes = std::fs::read(path).expect("read");
                        let prepared = prepare_image_with(&bytes, &Limits::default(), |_| {
                            let mut t = first_thumb.lock().expect("lock");
                            if t.is_none() {
                                *t = Some(start.elapsed().as_secs_f64());
                            }
                        })
                        .expect("prepare");
                        assert!(prepared.bytes.len() <= 20 * 1024 * 1024);
                    }
                })
                .expect("spawn a worker");
        }
    });
    let first = first_thumb.lock().expect("lock").unwrap_or(f64::NAN);
    (start.elapsed().as_secs_f64(), first)
}

/// The baseline: one file after another, decode, resize, encode; the first "thumbnail" is the
/// first finished file.
fn naive(files: &[PathBuf]) -> (f64, f64) {
    let start = Instant::now();
    let mut first = None;
    for path in files {
        let img = image::open(path).expect("decode");
        let small = img.resize(4096, 4096, image::imageops::FilterType::CatmullRom);
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92);
        small.write_with_encoder(enc).expect("encode");
        first.get_or_insert(start.elapsed().as_secs_f64());
    }
    (start.elapsed().as_secs_f64(), first.unwrap_or(f64::NAN))
}

fn child(mode: &str, dir: &Path) -> (f64, f64, u64) {
    let out = Command::new(std::env::current_exe().expect("own path"))
        .args(["--mode", mode, "--dir"])
        .arg(dir)
        .output()
        .expect("run the child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| panic!("{mode}: {text}"));
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    (v[0], v[1], v[2] as u64)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let (Some(mode), Some(dir)) = (arg("--mode"), arg("--dir")) {
        let files = files_in(Path::new(&dir));
        let (secs, first) = if mode == "pipeline" {
            pipeline(&files)
        } else {
            naive(&files)
        };
        println!("RESULT {secs} {first} {}", peak_kib());
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let n: usize = arg("--files").and_then(|s| s.parse().ok()).unwrap_or(20);
    let dir = std::env::temp_dir().join(format!("avatar-kiosk-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench folder");
    let t = Instant::now();
    let files = generate(&dir, n);
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "generated {n} JPEGs of 6000x4000 ({:.1} MB) in {:.1} s",
        total as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let (n_secs, n_first, n_peak) = child("naive", &dir);
    let (p_secs, p_first, p_peak) = child("pipeline", &dir);
    println!(
        "naive sequential: {n_secs:.2} s, first result after {n_first:.2} s, peak {:.0} MiB",
        n_peak as f64 / 1024.0
    );
    println!(
        "pipeline:         {p_secs:.2} s, first thumbnail after {p_first:.2} s, peak {:.0} MiB",
        p_peak as f64 / 1024.0
    );
    println!(
        "ratios (pipeline / naive): time {:.2}, first thumbnail {:.2}, peak memory {:.2} on {} cores",
        p_secs / n_secs,
        p_first / n_first,
        p_peak as f64 / n_peak as f64,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let _ = std::fs::remove_dir_all(&dir);
}
