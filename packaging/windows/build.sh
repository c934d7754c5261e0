#!/usr/bin/env bash
# Builds the Windows app and its installer on Linux (Debian or Ubuntu):
#   target/x86_64-pc-windows-gnu/release/avatar-kiosk.exe
#   target/windows/avatar-kiosk-VERSION-x86_64.msi
# with Rust's x86_64-pc-windows-gnu target, Debian's mingw-w64 and wixl (msitools). What is
# missing is installed when run as root (apt) or named when not. On Windows, `cargo wix` builds
# the same MSI from the same main.wxs with the WiX Toolset.
#
# MSI_VERSION and MSI_DIR build an installer of another version elsewhere (the upgrade check);
# the exe is the same.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=x86_64-pc-windows-gnu

need=()
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
command -v wixl >/dev/null || need+=(wixl)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "packaging/windows/build.sh needs: ${need[*]} (sudo apt-get install ${need[*]})" >&2
        exit 1
    fi
fi
rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"

echo "== the exe (cargo build --release --target $target)"
cargo build --release --locked --target "$target"
bin="$PWD/target/$target/release"
test -f "$bin/avatar-kiosk.exe"

version=${MSI_VERSION:-$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["packages"][0]["version"])')}
# Windows Installer versions are numbers only: a pre-release tag (0.2.0-rc.1) is dropped.
msi_version=${version%%-*}
out=${MSI_DIR:-target/windows}
mkdir -p "$out"
rm -f "$out"/*.msi
msi="$out/avatar-kiosk-$version-x86_64.msi"
echo "== the installer ($msi)"
wixl -a x64 -D "Version=$msi_version" -D "CargoTargetBinDir=target/$target/release" -o "$msi" packaging/windows/main.wxs
echo "built: $bin/avatar-kiosk.exe ($(du -h "$bin/avatar-kiosk.exe" | cut -f1)), $msi ($(du -h "$msi" | cut -f1))"
