#!/usr/bin/env bash
# What the camera's live picture costs: the window under Xvfb on the Verify step (the demo, the
# synthetic camera `test-pattern`, which runs ffmpeg exactly as a webcam does) for N seconds
# without the camera, then the same window for N seconds with the camera panel open. Reports,
# for each: CPU from /proc/<pid>/stat (utime + stime ticks; ffmpeg, the window's child, counted
# with it) as a share of one core, and memory as peak resident size (VmHWM, the figure
# /usr/bin/time -v calls maximum resident set size), with the ratios. The window's share is
# split between Mesa's software renderer (its `llvmpipe-N` threads: what a desk's graphics card
# does) and the app's own threads.
#
#   apt-get install -y xvfb xdotool
#   cargo build --release && bash benches/camera.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
source scripts/xvfb.sh
start_xvfb :97
data=$(mktemp -d)
on_exit "rm -rf '$data'"
target/release/avatar-kiosk --demo --camera test-pattern --data-dir "$data" >/dev/null 2>&1 &
app=$!
on_exit "kill $app 2>/dev/null"
win=$(xdotool search --sync --onlyvisible --name "Avatar Kiosk" | head -1)
hz=$(getconf CLK_TCK)

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hwm() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$1/status"; }
rss() { awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$1/status"; }
# Ticks of the window's software-renderer threads.
gl_ticks() {
    local t sum=0
    for t in /proc/"$1"/task/*; do
        case "$(cat "$t/comm" 2>/dev/null)" in
        llvmpipe*) sum=$((sum + $(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null || echo 0))) ;;
        esac
    done
    echo "$sum"
}

# Start a session (the centred Start card of the 1180x780 window, under the demo banner).
xdotool windowfocus --sync "$win"
sleep 2
xdotool mousemove 590 288 click 1
xdotool type --delay 20 "Camera Test"
xdotool mousemove 349 513 click 1
xdotool mousemove 430 629 click 1
sleep 3

t0=$(ticks "$app")
g0=$(gl_ticks "$app")
sleep "$secs"
t1=$(ticks "$app")
g1=$(gl_ticks "$app")
without=$((t1 - t0))
without_gl=$((g1 - g0))
without_rss=$(rss "$app")
without_hwm=$(hwm "$app")

# The Camera button, beside "Choose files…" below the QR code.
xdotool mousemove "${CAMERA_X:-365}" "${CAMERA_Y:-652}" click 1
ffmpeg_pid=""
for _ in $(seq 1 100); do
    ffmpeg_pid=$(pgrep -P "$app" ffmpeg || true)
    [ -n "$ffmpeg_pid" ] && break
    sleep 0.1
done
if [ -z "$ffmpeg_pid" ]; then
    echo "the camera did not start (no ffmpeg child of the window; is ffmpeg on the PATH?)" >&2
    exit 1
fi
sleep 3
a0=$(ticks "$app")
g0=$(gl_ticks "$app")
f0=$(ticks "$ffmpeg_pid")
sleep "$secs"
a1=$(ticks "$app")
g1=$(gl_ticks "$app")
f1=$(ticks "$ffmpeg_pid")
with_app=$((a1 - a0))
with_gl=$((g1 - g0))
with_ffmpeg=$((f1 - f0))
with_rss=$(rss "$app")
with_hwm=$(hwm "$app")
ffmpeg_hwm=$(hwm "$ffmpeg_pid")

awk -v s="$secs" -v hz="$hz" -v w="$without" -v a="$with_app" -v f="$with_ffmpeg" \
    -v wg="$without_gl" -v ag="$with_gl" \
    -v r0="$without_rss" -v h0="$without_hwm" -v r1="$with_rss" -v h1="$with_hwm" -v fh="$ffmpeg_hwm" '
function pct(t) { return 100 * t / (s * hz) }
BEGIN {
    printf "Verify step, %d s, no camera:      window %.1f%% of one core (software renderer %.1f%%, the app %.1f%%); %d MB resident, peak %d MB\n", s, pct(w), pct(wg), pct(w - wg), r0, h0
    printf "Verify step, %d s, camera preview: window %.1f%% (software renderer %.1f%%, the app %.1f%%) + ffmpeg %.1f%% = %.1f%% of one core; window %d MB resident, peak %d MB; ffmpeg peak %d MB\n", s, pct(a), pct(ag), pct(a - ag), pct(f), pct(a + f), r1, h1, fh
    printf "the preview costs %.1f%% of one core (%.1f%% without the software renderer)\n", pct(a + f - w), pct(a - ag + f - (w - wg))
    printf "ratio (with / without): CPU %.2f (window alone %.2f); memory (window peak + ffmpeg peak) / window peak %.2f\n", (a + f) / (w > 0 ? w : 1), a / (w > 0 ? w : 1), (h1 + fh) / h0
}'
