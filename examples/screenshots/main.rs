//! Renders every screen of the window, in English and Korean, light and dark, into a folder
//! (README's pictures): `cargo run --example screenshots -- docs/screenshots`.
//!
//! The real app runs headlessly against the built-in simulator, driven by label as a person
//! would; each picture is the window as wgpu draws it (lavapipe on a machine without a GPU).

//! The pictures are drawn where wgpu is in the tests' build: Linux and macOS (Cargo.toml says
//! why Windows leaves it out).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(not(windows))]
mod shots;

/// The consent pad driven as the GUI tests drive it.
#[cfg(not(windows))]
#[path = "../../tests/gui/pad.rs"]
mod pad;

#[cfg(not(windows))]
fn main() {
    shots::run();
}

#[cfg(windows)]
fn main() -> std::process::ExitCode {
    eprintln!("The screenshots are drawn with wgpu on Linux or macOS: run this example there.");
    std::process::ExitCode::from(2)
}
