#!/usr/bin/env bash
# The Windows package, checked on Linux with Wine: builds the exe and the MSI
# (packaging/windows/build.sh); reads the exe as Windows would (GUI subsystem, icon, version
# information, manifest); installs the MSI in a fresh Wine prefix; runs the installed exe
# (`--version` and a demo `onboard`, through a pipe, with their exit codes); upgrades it with a
# newer MSI; has an older one refused; removes it and finds the user's data still there.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
run=$root/scripts/wine/run

bash packaging/windows/build.sh
exe=target/x86_64-pc-windows-gnu/release/avatar-kiosk.exe
version=$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')
msi=target/windows/avatar-kiosk-$version-x86_64.msi
count=$(find target/windows -maxdepth 1 -name '*.msi' | wc -l)
[ -f "$msi" ] && [ "$count" = 1 ] || { echo "want only $msi in target/windows, found $count MSI files" >&2; exit 1; }

echo "== the exe, as Windows reads it"
venv=target/wine/check-venv
if ! "$venv/bin/python" -c 'import pefile' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check pefile==2024.8.26
fi
"$venv/bin/python" packaging/windows/check.py "$exe" "$version"

# A newer installer of the same exe, kept out of target/windows.
work=$(mktemp -d)
export WINEPREFIX=$work/prefix
finish() {
    # This prefix's own wineserver, not any other.
    WINEPREFIX=$work/prefix wineserver -k 2>/dev/null || true
    rm -rf "$work"
}
trap finish EXIT
# Windows Installer versions are numbers only (build.sh drops a pre-release tag).
numbers=${version%%-*}
IFS=. read -r major minor patch <<<"$numbers"
newer="$major.$minor.$((patch + 1))"
MSI_VERSION=$newer MSI_DIR=$work/newer bash packaging/windows/build.sh >/dev/null
newer_msi=$work/newer/avatar-kiosk-$newer-x86_64.msi

windows_path() { printf 'Z:%s' "${1//\//\\}"; }
installed="C:\\Program Files\\Avatar Kiosk\\avatar-kiosk.exe"
program_files="$WINEPREFIX/drive_c/Program Files/Avatar Kiosk"
# The versions the system lists as installed (Programs and Features), once Wine has written
# its registry to disk.
listed() {
    wineserver -w
    python3 - "$WINEPREFIX/system.reg" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
versions = set()
for block in text.split("\n\n"):
    if "\\\\Uninstall\\\\" in block and '"DisplayName"="Avatar Kiosk"' in block:
        versions.update(re.findall(r'"DisplayVersion"="([^"]*)"', block))
print(" ".join(sorted(versions)) or "none")
PY
}

echo "== install $msi (msiexec /i, quiet)"
"$run" msiexec /i "$(windows_path "$root/$msi")" /qn
test -f "$program_files/avatar-kiosk.exe"
find "$WINEPREFIX/drive_c" -path '*Start Menu/Programs/Avatar Kiosk.lnk' | grep -q . ||
    { echo "no Start menu shortcut" >&2; exit 1; }
[ "$(listed)" = "$numbers" ] || { echo "installed: $(listed), want $numbers" >&2; exit 1; }

echo "== the installed exe, through a pipe"
line=$("$run" "$installed" --version | tr -d '\r')
case "$line" in "avatar-kiosk $version"*) echo "   $line" ;; *) echo "unexpected: $line" >&2; exit 1 ;; esac
convert -size 900x1200 gradient:'#c8a080-#604030' -quality 90 "$work/person.jpg"
set +e
"$run" "$installed" --demo onboard --name "Installed Person" --json "$(windows_path "$work/person.jpg")" \
    </dev/null 2>"$work/onboard.err" | tr -d '\r' >"$work/onboard.ndjson"
code=${PIPESTATUS[0]}
set -e
[ "$code" = 0 ] || { echo "onboard exited $code" >&2; cat "$work/onboard.err" >&2; exit 1; }
tail -n 1 "$work/onboard.ndjson" | python3 -c "
import json, sys
done = json.loads(sys.stdin.read())
assert done['event'] == 'done' and done['stage'] == 'approved' and done['approved'] == 1, done
print('   a demo onboard from the installed exe: approved, exit code 0')"
database=$(find "$WINEPREFIX/drive_c/users" -path '*/AppData/Local/avatar-kiosk/data/demo/avatar-kiosk.sqlite3' | head -n 1)
[ -n "$database" ] || { echo "no data folder in %LOCALAPPDATA%" >&2; exit 1; }
data=$(dirname "$database")

echo "== upgrade to $newer"
"$run" msiexec /i "$(windows_path "$newer_msi")" /qn
[ "$(listed)" = "$newer" ] || { echo "after the upgrade: $(listed), want only $newer" >&2; exit 1; }

echo "== a downgrade to $version is refused"
if "$run" msiexec /i "$(windows_path "$root/$msi")" /qn; then
    echo "the older MSI installed over the newer one" >&2; exit 1
fi
[ "$(listed)" = "$newer" ] || { echo "after the refused downgrade: $(listed)" >&2; exit 1; }

echo "== remove"
"$run" msiexec /x "$(windows_path "$newer_msi")" /qn
[ "$(listed)" = "none" ] || { echo "still listed: $(listed)" >&2; exit 1; }
test ! -e "$program_files/avatar-kiosk.exe"
test -f "$data/avatar-kiosk.sqlite3" || { echo "removal took the user's data" >&2; exit 1; }
echo "windows package: installed, ran, upgraded, refused a downgrade, removed; the data stays"
