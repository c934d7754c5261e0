#!/usr/bin/env bash
# Time from start to the first frame on screen: the app (demo, fresh data directory) against a
# bare eframe window (examples/bare_window.rs), alternating, in the same run, under Xvfb.
# eframe shows its window only after the first frame is painted, so "visible" = first frame.
#
#   cargo build --release --bin avatar-kiosk --example bare_window && bash benches/startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
source scripts/xvfb.sh
start_xvfb :97

# Milliseconds until a visible window with this title exists, then close the program.
first_frame_ms() {
    local title="$1"; shift
    local start end pid
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 &
    pid=$!
    xdotool search --sync --onlyvisible --name "$title" >/dev/null
    end=$(date +%s%N)
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo $(( (end - start) / 1000000 ))
}

app_total=0
bare_total=0
for i in $(seq 1 "$runs"); do
    data=$(mktemp -d)
    a=$(first_frame_ms "Avatar Kiosk" target/release/avatar-kiosk --demo --data-dir "$data")
    b=$(first_frame_ms "Bare eframe window" target/release/examples/bare_window)
    rm -rf "$data"
    echo "run $i: app ${a} ms, bare eframe ${b} ms"
    app_total=$((app_total + a))
    bare_total=$((bare_total + b))
done
echo "mean: app $((app_total / runs)) ms, bare eframe $((bare_total / runs)) ms"
awk -v a="$app_total" -v b="$bare_total" 'BEGIN { printf "ratio app/bare: %.2f\n", a / b }'
