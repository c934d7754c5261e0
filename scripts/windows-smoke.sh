#!/usr/bin/env bash
# The window on Windows: the release exe (packaging/windows/build.sh builds it) under Wine and
# Xvfb, driven from the keyboard alone through one demo onboarding: Start (name, consent,
# Ctrl+Enter), the QR code, a photo added on Verify (Ctrl+O, the system's file dialog), the
# simulated phone passes (F8), review, Done. Each step waits for the stored session to show it
# (`sessions --json` on the same data folder, with a deadline), never for a fixed time. It fails
# unless the session ends approved with its photo; screenshots go to target/windows-smoke/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
exe=$root/target/x86_64-pc-windows-gnu/release/avatar-kiosk.exe
shots=$root/target/windows-smoke
run=$root/scripts/wine/run
test -f "$exe" || { echo "no $exe: run packaging/windows/build.sh first" >&2; exit 1; }
for tool in Xvfb xdotool import; do
    command -v "$tool" >/dev/null || { echo "the smoke test needs $tool (apt-get install xvfb xdotool imagemagick)" >&2; exit 1; }
done
rm -rf "$shots"
mkdir -p "$shots"
work=$(mktemp -d)
data=$work/data
xvfb_pid=
app_pid=
finish() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap finish EXIT

# A Wine server of this prefix left from the tests (started without a display) would hand the
# window a desktop without one: it is stopped first.
WINEPREFIX="$root/target/wine/prefix" wineserver -k 2>/dev/null || true
# A display of its own: Xvfb picks a free number and writes it to fd 3.
exec 3<> <(:)
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xvfb_pid=$!
read -r -t 30 display <&3 || { echo "Xvfb did not start" >&2; cat "$work/xvfb.log" >&2; exit 1; }
export DISPLAY=":$display"

# A real JPEG photo, 900x1200, as staff would pick.
photo=$work/person.jpg
convert -size 900x1200 gradient:'#c8a080-#604030' -fill '#f0d0b0' -draw 'ellipse 450,520 220,300 0,360' \
    -quality 90 "$photo"
windows_path() { printf 'Z:%s' "${1//\//\\}"; }

sessions() { "$run" "$exe" --demo --data-dir "$data" sessions --json 2>/dev/null | tr -d '\r' || true; }
# Waits until `sessions --json` has a line for which the Python expression holds (s: the row).
wait_for() {
    local what=$1 test=$2 deadline=$((SECONDS + ${3:-120}))
    while [ $SECONDS -lt $deadline ]; do
        if sessions | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip().startswith('{')]
sys.exit(0 if any($test for s in rows) else 1)"; then
            echo "   ok: $what"
            return 0
        fi
        kill -0 "$app_pid" 2>/dev/null || { echo "the app exited while waiting for: $what" >&2; return 1; }
    done
    echo "timed out waiting for: $what; sessions now:" >&2
    sessions >&2
    return 1
}
shot() { import -window root "$shots/$1.png"; echo "   screenshot: target/windows-smoke/$1.png"; }
# Keys a person's pace apart: egui moves the focus once per frame, so Tab Tab Tab sent in one
# burst would land in one frame.
key() { xdotool key --clearmodifiers --delay 300 "$@"; }

echo "== the window (Wine $(wine --version 2>/dev/null), display $DISPLAY)"
"$run" "$exe" --demo --data-dir "$data" >"$work/app.log" 2>&1 &
app_pid=$!
window=$(timeout 120 xdotool search --sync --onlyvisible --name '^Avatar Kiosk' | head -n 1) ||
    { echo "no window appeared" >&2; cat "$work/app.log" >&2; exit 1; }
xdotool windowfocus --sync "$window" || true
# Typing waits for the window's engine: it names itself in the data folder once it holds it.
deadline=$((SECONDS + 60))
until grep -qs "window" "$data/demo/engine.holder"; do
    [ $SECONDS -lt $deadline ] || { echo "the window's engine did not start" >&2; cat "$work/app.log" >&2; exit 1; }
    kill -0 "$app_pid" 2>/dev/null || { echo "the app exited" >&2; cat "$work/app.log" >&2; exit 1; }
    inotifywait -qq -t 1 -e create,modify,close_write "$data/demo" 2>/dev/null || sleep 0.2
done
shot 1-start

echo "== Start: name, consent, Ctrl+Enter"
xdotool type --delay 40 "Wine Smoke"
key Tab Tab Tab space
key ctrl+Return
wait_for "a session waits for the phone (stage verify)" "s['person'] == 'Wine Smoke' and s['stage'] == 'verify'"
shot 2-verify

echo "== Verify: Ctrl+O, the photo in the system's file dialog"
key ctrl+o
dialog=$(timeout 60 xdotool search --sync --onlyvisible --name '^Choose files' | head -n 1) ||
    { echo "the file dialog did not open" >&2; shot verify-no-dialog; exit 1; }
xdotool windowfocus --sync "$dialog" || true
xdotool type --delay 20 "$(windows_path "$photo")"
key Return
wait_for "the photo is on the session" "s['person'] == 'Wine Smoke' and s['total'] == 1"
shot 3-verify-photo

echo "== the simulated phone passes (F8), review, Done"
xdotool windowfocus --sync "$window" || true
key F8
wait_for "the session ends approved" "s['person'] == 'Wine Smoke' and s['stage'] == 'approved' and s['approved'] == 1" 180
shot 4-done

echo "== close (Alt+F4) and read the record"
key alt+F4
timeout 60 tail --pid="$app_pid" -f /dev/null || { echo "the window did not close on Alt+F4" >&2; exit 1; }
app_pid=
sessions | tee "$shots/sessions.json"
sessions | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip().startswith('{')]
done = [s for s in rows if s['person'] == 'Wine Smoke']
assert len(done) == 1 and done[0]['stage'] == 'approved' and done[0]['approved'] == 1, rows
print('windows smoke: one demo onboarding finished approved, from the keyboard alone')"
