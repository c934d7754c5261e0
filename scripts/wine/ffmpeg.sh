#!/usr/bin/env bash
# Puts a Windows ffmpeg.exe in target/wine/bin (on scripts/wine/run's PATH), for the video tests
# of the Windows build under Wine. It comes from PyPI, the one registry with a Windows build of
# ffmpeg: the imageio-ffmpeg wheel for win_amd64 carries one. For tests only, never packaged.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin="$root/target/wine/bin"
[ -f "$bin/ffmpeg.exe" ] && exit 0
download="$root/target/wine/download"
mkdir -p "$bin" "$download"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform win_amd64 --dest "$download" "imageio-ffmpeg==0.8.1"
python3 - "$download" "$bin/ffmpeg.exe" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/imageio_ffmpeg-*-win_amd64.whl")[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.startswith("imageio_ffmpeg/binaries/ffmpeg") and n.endswith(".exe"))
    with z.open(name) as src, open(sys.argv[2] + ".tmp", "wb") as out:
        shutil.copyfileobj(src, out)
shutil.move(sys.argv[2] + ".tmp", sys.argv[2])
print("ffmpeg.exe for the Windows tests:", name)
PY
