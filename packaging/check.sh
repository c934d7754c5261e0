#!/usr/bin/env bash
# Builds the .deb, validates the desktop entry, the metainfo and the macOS config, installs the
# package, runs it from the installed path, and removes it again; then the same for the
# Windows MSI under Wine (packaging/windows/check.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v desktop-file-validate >/dev/null || need_apt+=(desktop-file-utils)
command -v appstreamcli >/dev/null || need_apt+=(appstream)
if [ ${#need_apt[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! cargo deb --version >/dev/null 2>&1; then
    cargo install cargo-deb --locked --quiet
fi

echo "== desktop entry and metainfo"
desktop-file-validate packaging/linux/app.avatarkiosk.AvatarKiosk.desktop
appstreamcli validate --no-net packaging/linux/app.avatarkiosk.AvatarKiosk.metainfo.xml

echo "== the macOS bundle's and cargo-wix's configurations"
cargo metadata --format-version 1 --no-deps | python3 -c "
import json, sys
pkg = json.load(sys.stdin)['packages'][0]
meta = pkg['metadata']
assert meta['bundle']['identifier'] == 'app.avatarkiosk.AvatarKiosk', meta['bundle']
assert all(__import__('os').path.exists(p) for p in meta['bundle']['icon']), meta['bundle']['icon']
assert meta['wix']['upgrade-guid'], meta['wix']
print('bundle and wix metadata ok')
"

echo "== build the .deb"
cargo deb --locked
deb=$(ls -t target/debian/avatar-kiosk_*.deb | head -n 1)
echo "package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb --info "$deb" | sed -n '/Depends/p;/Recommends/p'

echo "== install, run, remove"
# dpkg -i installs the package; apt then brings any runtime dependency the machine lacks.
if ! dpkg -i "$deb"; then
    DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq >/dev/null
fi
dpkg -s avatar-kiosk | grep -q '^Status: install ok installed'
test -x /usr/bin/avatar-kiosk
test -f /usr/share/applications/app.avatarkiosk.AvatarKiosk.desktop
test -f /usr/share/icons/hicolor/256x256/apps/avatar-kiosk.png
version=$(/usr/bin/avatar-kiosk --version)
echo "installed: $version"
case "$version" in
    "avatar-kiosk $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"*) ;;
    *) echo "unexpected version line: $version"; exit 1 ;;
esac
dpkg -r avatar-kiosk
test ! -e /usr/bin/avatar-kiosk
echo "package installed, ran and removed"

echo "== the Windows package (packaging/windows/check.sh)"
bash packaging/windows/check.sh
