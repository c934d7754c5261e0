#!/usr/bin/env bash
# CPU the window uses while nobody touches it, from /proc/<pid>/stat (utime + stime ticks),
# under Xvfb: on the Start screen, and on the Verify screen whose countdown repaints once a
# second. A busy loop would use all 100 ticks a second of one core.
#
#   cargo build --release && bash benches/idle_cpu.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
source scripts/xvfb.sh
start_xvfb :98
data=$(mktemp -d)
on_exit "rm -rf '$data'"
target/release/avatar-kiosk --demo --data-dir "$data" >/dev/null 2>&1 &
app=$!
on_exit "kill $app 2>/dev/null"
xdotool search --sync --onlyvisible --name "Avatar Kiosk" >/dev/null
sleep 3
hz=$(getconf CLK_TCK)

ticks() { awk '{ print $14 + $15 }' "/proc/$app/stat"; }

measure() {
    local what="$1" t0 t1
    t0=$(ticks)
    sleep "$secs"
    t1=$(ticks)
    awk -v d=$((t1 - t0)) -v s="$secs" -v hz="$hz" -v w="$what" \
        'BEGIN { printf "%s: %d ticks in %d s = %.2f%% of one core\n", w, d, s, 100 * d / (s * hz) }'
}

measure "idle on Start"

# Start a session so the Verify screen (QR code, countdown) is up.
win=$(xdotool search --onlyvisible --name "Avatar Kiosk" | head -1)
xdotool windowfocus --sync "$win"
# The centred Start card of the 1180x780 window, under the demo banner.
xdotool mousemove 590 288 click 1
xdotool type --delay 20 "Idle Test"
xdotool mousemove 349 513 click 1
xdotool mousemove 430 629 click 1
sleep 3
measure "Verify screen with its countdown"
