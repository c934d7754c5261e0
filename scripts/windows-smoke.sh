#!/usr/bin/env bash
# The window on Windows: the release exe (packaging/windows/build.sh builds it) under Wine and
# Xvfb, driven through one demo onboarding from the keyboard, and the mouse where a person uses
# it: Start (name, Ctrl+Enter), the screen handed to the person (Enter), who answers each
# consent item (Tab, Space) and signs with the mouse on the pad, the QR code, a photo added on
# Verify (Ctrl+O, the system's file dialog), the simulated phone passes (F8), review, Done.
# Each step waits for what the store shows of it (`sessions --json` and `audit --json` on the
# same data folder, with a deadline), never for a fixed time. It fails unless the session ends
# approved with its photo; screenshots go to target/windows-smoke/.
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
audit() { "$run" "$exe" --demo --data-dir "$data" audit --json 2>/dev/null | tr -d '\r' || true; }
# Waits until `sessions --json` (or the command given as $4) has a line for which the Python
# expression holds (s: the row).
wait_for() {
    local what=$1 test=$2 deadline=$((SECONDS + ${3:-120})) rows=${4:-sessions}
    while [ $SECONDS -lt $deadline ]; do
        if $rows | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip().startswith('{')]
sys.exit(0 if any($test for s in rows) else 1)"; then
            echo "   ok: $what"
            return 0
        fi
        kill -0 "$app_pid" 2>/dev/null || { echo "the app exited while waiting for: $what" >&2; return 1; }
    done
    echo "timed out waiting for: $what; $rows now:" >&2
    $rows >&2
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

echo "== Start: name, Ctrl+Enter; the screen handed over (Enter)"
xdotool type --delay 40 "Wine Smoke"
key ctrl+Return
# The hand-over's button has the focus; the pad logs the text it shows.
key Return
wait_for "the consent pad shows the studio's text" "s['action'] == 'consent-shown'" 60 audit
shot 2-consent

echo "== the person answers each item (Tab, Space) and signs with the mouse"
# Tab from the top bar's five places to the first item's yes, then each next item's yes.
key Tab Tab Tab Tab Tab Tab space Tab Tab space Tab Tab space
geometry=$(xdotool getwindowgeometry --shell "$window") || { echo "the window's place is unknown" >&2; exit 1; }
eval "$geometry"
[ -n "${WIDTH:-}" ] && [ -n "${HEIGHT:-}" ] || { echo "the window's size is unknown: $geometry" >&2; exit 1; }
xdotool mousemove $((X + WIDTH / 2)) $((Y + HEIGHT / 2)) click --repeat 25 --delay 40 5
# Runs of one colour down one column of a screenshot (x), framed by the accent's blue: "frame"
# gives the tallest such run (the signature pad) as "top height"; "fill FROM" the first
# accent-filled run below FROM (an enabled primary button) as "top height". Rows are the
# window's.
column() {
    convert "$1" -crop "1x${HEIGHT}+$2+${Y}" rgb:- | python3 -c "
import sys
h, what = int(sys.argv[1]), sys.argv[2]
data = sys.stdin.buffer.read()
px = [tuple(data[i * 3:i * 3 + 3]) for i in range(h)]
runs, start = [], 0
for y in range(1, h + 1):
    if y == h or px[y] != px[start]:
        runs.append((start, y - start, px[start])); start = y
blue = lambda c: c[2] - c[0] > 60
if what == 'frame':
    found = [(y, n) for i, (y, n, c) in enumerate(runs) if n >= 100 and not blue(c)
             and any(blue(r[2]) for r in runs[max(0, i - 2):i])
             and any(blue(r[2]) for r in runs[i + 1:i + 3])]
    found = sorted(found, key=lambda f: f[1])[-1:]
else:
    # The accent itself (a disabled button's paler fill is not it), under the label's glyphs.
    accent = lambda c: c[2] - c[0] > 100
    found = [(y, n) for y, n, c in runs if y > int(sys.argv[3]) and accent(c) and n >= 6][:1]
print(' '.join(map(str, found[0])) if found else '')" "$HEIGHT" "${@:3}"
}
# Screenshots NAME until `column` finds the same thing on two in a row a moment apart (the
# window has settled: a scroll has ended, a button has changed), with a deadline of 30 s;
# prints what it found.
settled() {
    local name=$1 last= now deadline=$((SECONDS + 30))
    shift
    while [ $SECONDS -lt $deadline ]; do
        import -window root "$shots/$name.png"
        now=$(column "$shots/$name.png" "$@")
        [ -n "$now" ] && [ "$now" = "$last" ] && { echo "$now"; return 0; }
        last=$now
        sleep 0.2
    done
    return 1
}
# The pad: in the window's middle column, the tallest run of one colour framed by blue.
pad=$(settled 3-consent-answered $((X + WIDTH / 2)) frame) || true
[ -n "$pad" ] || { echo "the signature pad is not on the screen" >&2; exit 1; }
read -r pad_top pad_height <<<"$pad"
sign_y=$((Y + pad_top + pad_height / 2))
sign_x=$((X + WIDTH / 2 - 150))
# A stroke at a hand's pace: the window sees the press, each move and the release apart.
stroke=(mousemove "$sign_x" "$((sign_y + 20))" sleep 0.2 mousedown 1 sleep 0.2)
for step in 1 2 3 4 5 6 7 8 9 10; do
    stroke+=(mousemove "$((sign_x + step * 30))" "$((sign_y + 20 - step * 5))" sleep 0.1)
done
xdotool "${stroke[@]}" mouseup 1
# "I agree and sign", the blue button under the pad's left half (once enabled).
button=$(settled 4-consent-signed $((sign_x - 100)) fill $((pad_top + pad_height))) || true
[ -n "$button" ] || { echo "the sign button is not under the pad" >&2; exit 1; }
read -r button_top button_height <<<"$button"
xdotool mousemove "$((sign_x - 100))" "$((Y + button_top + button_height / 2))" sleep 0.2 click 1
wait_for "a session waits for the phone (stage verify)" "s['person'] == 'Wine Smoke' and s['stage'] == 'verify'"
wait_for "the person's signature is logged" "s['action'] == 'consent-signed'" 60 audit
shot 5-verify

echo "== Verify: Ctrl+O, the photo in the system's file dialog"
key ctrl+o
dialog=$(timeout 60 xdotool search --sync --onlyvisible --name '^Choose files' | head -n 1) ||
    { echo "the file dialog did not open" >&2; shot verify-no-dialog; exit 1; }
xdotool windowfocus --sync "$dialog" || true
xdotool type --delay 20 "$(windows_path "$photo")"
key Return
wait_for "the photo is on the session" "s['person'] == 'Wine Smoke' and s['total'] == 1"
shot 6-verify-photo

echo "== the simulated phone passes (F8), review, Done"
xdotool windowfocus --sync "$window" || true
key F8
wait_for "the session ends approved" "s['person'] == 'Wine Smoke' and s['stage'] == 'approved' and s['approved'] == 1" 180
shot 7-done

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
print('windows smoke: one demo onboarding finished approved, from the keyboard and the mouse')"
