#!/usr/bin/env bash
# The person's time, measured as a new user would: the app's `onboard` against a sequential
# script of the docs' calls (benches/baseline_onboard.py), both on one simulator process with
# 300 ms added to each request, a 5 s phone and a 6 s review, on 20 generated noisy ~12 MP JPEGs
# (a quarter turned by EXIF, a quarter over 6000 px, all with GPS). Prints both times, the ratio
# of their overheads, the time to the QR code, and the app's peak memory for 20 and 100 photos.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin avatar-kiosk --example gen_photos
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/gen_photos "$work/p20" 20 >/dev/null
target/release/examples/gen_photos "$work/p100" 100 >/dev/null
python3 benches/onboard.py target/release/avatar-kiosk "$work/p20" "$work/p100"
