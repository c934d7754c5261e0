#!/usr/bin/env bash
# The window with the person's 20 photos, as staff use it: under Xvfb, against the simulator
# running as its own process (as APIMart would be: its memory is not the app's), a session
# started, 20 generated ~12 MP phone photos pasted on the Verify step while the phone is still
# out; the simulated phone passes 25 s after the code was issued. Reports:
#  - peak memory (VmHWM, the same figure as /usr/bin/time's maximum resident set size) of the
#    app against a bare eframe window (examples/bare_window.rs) in the same run;
#  - how long after the group id arrived the submit was answered (the event log's `verified`
#    and `submitted` entries; the simulator answers at once);
#  - whether the photos were uploaded before the phone passed.
#
#   apt-get install -y xvfb xdotool xclip
#   cargo build --release --bin avatar-kiosk --example bare_window --example gen_photos
#   bash benches/window.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/xvfb.sh
start_xvfb :93
work=$(mktemp -d)
on_exit "rm -rf '$work'"
target/release/examples/gen_photos "$work/photos" 20 >/dev/null

hwm() { awk '/VmHWM/ { print int($2 / 1024) }' "/proc/$1/status"; }

# The baseline: a bare eframe window, up and drawn.
target/release/examples/bare_window >/dev/null 2>&1 &
bare=$!
on_exit "kill $bare 2>/dev/null"
xdotool search --sync --onlyvisible --name "Bare eframe window" >/dev/null
sleep 2
bare_mb=$(hwm "$bare")
kill "$bare"

target/release/avatar-kiosk sim --port 0 --key bench-key --phone-secs 25 --review-secs 6 \
    >"$work/sim.txt" 2>/dev/null &
sim=$!
on_exit "kill $sim 2>/dev/null"
for _ in $(seq 1 100); do
    base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/sim.txt" | head -1 || true)
    [ -n "$base" ] && break
    sleep 0.05
done
AVATAR_KIOSK_API_KEY=bench-key target/release/avatar-kiosk --data-dir "$work/data" \
    --base-url "$base" --callback-bind 127.0.0.1:0 >/dev/null 2>&1 &
app=$!
on_exit "kill $app 2>/dev/null"
win=$(xdotool search --sync --onlyvisible --name "Avatar Kiosk" | head -1)
xdotool windowfocus --sync "$win"
sleep 1
# Start, on the centred card (no demo banner: the layout starts 39 px higher than in the demo).
xdotool mousemove 590 249 click 1
xdotool type --delay 20 "Memory Test"
xdotool mousemove 349 474 click 1
xdotool mousemove 430 590 click 1
sleep 2
# The 20 paths go to the clipboard and are pasted at once into the field below the QR code,
# then Ctrl+Enter adds them (Verify step, 1180x780 window).
ls "$work"/photos/*.jpg | xclip -selection clipboard
xdotool mousemove 855 669 click 1
xdotool key ctrl+v
sleep 0.5
xdotool key ctrl+Return
db="$work/data/avatar-kiosk.sqlite3"
query() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$db" "$1"; }
for _ in $(seq 1 600); do
    up=$(query "select count(*) from assets where status = 'uploaded'" 2>/dev/null || echo 0)
    [ "$up" -ge 20 ] && break
    sleep 0.1
done
verified=$(query "select count(*) from events where kind = 'verified'")
echo "uploaded before the phone passed: $up of 20 (verified yet: $verified)"
for _ in $(seq 1 600); do
    done_=$(query "select count(*) from assets where status = 'active'" 2>/dev/null || echo 0)
    [ "$done_" -ge 20 ] && break
    sleep 0.1
done
sleep 1
app_mb=$(hwm "$app")
gap=$(query "select (select min(at) from events where kind = 'submitted') - (select min(at) from events where kind = 'verified')")
echo "approved: $done_ of 20"
echo "submit answered ${gap} ms after the group id arrived (goal: it leaves within 500 ms)"
echo "peak memory: app ${app_mb} MB, bare eframe window ${bare_mb} MB, difference $((app_mb - bare_mb)) MB (goal: at most 150)"
