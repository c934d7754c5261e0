#!/usr/bin/env bash
# Takes the README's screenshots: the release build in --demo under Xvfb, driven with xdotool
# through each step, captured with ImageMagick's `import`.
#
#   apt-get install -y xvfb imagemagick xdotool
#   cargo build --release && bash docs/screenshots/take.sh [en|ko|zh]
# English shots are named 1-start.png...; Korean and Chinese ones ko-1-start.png, zh-...
set -euo pipefail
lang="${1:-en}"
case "$lang" in
    en) prefix=""; name="Minji Kim"; note="Lead, spring campaign"; setting="null" ;;
    ko) prefix="ko-"; name="김민지"; note="주연, 봄 캠페인"; setting='"Ko"' ;;
    zh) prefix="zh-"; name="王伟"; note="主演，春季活动"; setting='"Zh"' ;;
    *) echo "language: en, ko or zh" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."
out=docs/screenshots
source scripts/xvfb.sh
start_xvfb :96
work=$(mktemp -d)
on_exit "rm -rf '$work'"

# Photos of the person: plain shapes, named the way the simulator's review reads them
# ("group" is refused with MultipleFaces).
for n in front:"#c0504d" side:"#4f81bd" group:"#9bbb59" studio:"#8064a2"; do
    convert -size 600x800 "xc:${n#*:}" -fill "#f2dcc8" -draw "circle 300,330 300,190" \
        -fill "#f2dcc8" -draw "ellipse 300,760 220,260 180,360" "$work/minji-${n%%:*}.jpg"
done

mkdir -p "$work/data/demo"
printf '{"ui_language": %s}\n' "$setting" > "$work/data/demo/settings.json"
target/release/avatar-kiosk --demo --data-dir "$work/data" >/dev/null 2>&1 &
app=$!
on_exit "kill $app 2>/dev/null"
win=$(xdotool search --sync --onlyvisible --name "Avatar Kiosk" | head -1)
xdotool windowfocus --sync "$win"
sleep 1

click() { xdotool mousemove "$1" "$2" click 1; sleep "${3:-0.5}"; }
shot() { import -window "$win" "$out/$prefix$1.png"; echo "took $out/$prefix$1.png"; }

click 260 111
xdotool type --delay 120 "$name"
click 260 141
xdotool type --delay 120 "$note"
click 15 202
click 600 500
shot 1-start

click 100 245 2
shot 2-verify

click 680 377 2.5
click 400 192
xdotool type --delay 30 "$work/minji-front.jpg"; xdotool key Return
xdotool type --delay 30 "$work/minji-side.jpg"; xdotool key Return
xdotool type --delay 30 "$work/minji-group.jpg"
click 1108 200 2.5
click 600 700
shot 3-assets

click 117 257 1.5
shot 4-review

sleep 12
shot 5-done

xdotool key ctrl+h; sleep 1.5
shot 6-history

xdotool key ctrl+comma; sleep 1
shot 7-settings
