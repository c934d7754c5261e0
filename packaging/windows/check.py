"""Reads the Windows exe as Windows would: a GUI program (no console window), with its icon,
version information and manifest. Usage: check.py EXE VERSION"""
import sys

import pefile

exe, version = sys.argv[1], sys.argv[2]
pe = pefile.PE(exe)
assert pe.OPTIONAL_HEADER.Subsystem == pefile.SUBSYSTEM_TYPE["IMAGE_SUBSYSTEM_WINDOWS_GUI"], (
    "the exe is not a GUI program: a console window would open beside it"
)
kinds = {e.id: e for e in pe.DIRECTORY_ENTRY_RESOURCE.entries}
for kind, what in [(3, "icon"), (14, "icon group"), (16, "version information"), (24, "manifest")]:
    assert kind in kinds, f"no {what} in the exe"

strings = {}
for info in pe.FileInfo[0]:
    if info.Key == b"StringFileInfo":
        for table in info.StringTable:
            strings.update({k.decode(): v.decode() for k, v in table.entries.items()})
numbers = version.split("-")[0]
want = {
    "FileDescription": "Avatar Kiosk",
    "ProductName": "Avatar Kiosk",
    "ProductVersion": numbers,
    "FileVersion": numbers,
    "OriginalFilename": "avatar-kiosk.exe",
}
for key, value in want.items():
    assert strings.get(key) == value, f"{key}: {strings.get(key)!r}, want {value!r}"
fixed = pe.VS_FIXEDFILEINFO[0]
parts = [int(p) for p in numbers.split(".")]
assert (fixed.FileVersionMS >> 16, fixed.FileVersionMS & 0xFFFF, fixed.FileVersionLS >> 16) == tuple(parts)

entry = kinds[24].directory.entries[0].directory.entries[0].data.struct
manifest = pe.get_data(entry.OffsetToData, entry.Size).decode("utf-8")
for needle in ["PerMonitorV2", "<longPathAware", ">true</longPathAware>", 'level="asInvoker"']:
    assert needle in manifest, f"the manifest lacks {needle}"
print(f"exe: GUI subsystem; icon, version {strings['ProductVersion']}, manifest (per-monitor DPI, long paths)")
