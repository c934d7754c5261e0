#!/usr/bin/env bash
# Rebuilds NotoSansCJKsc-subset.otf (run after adding characters to assets/i18n/*.ftl): modern
# Hangul, the Han characters of GB 2312 and the kanji of JIS X 0208, kana, Latin (Vietnamese
# too), Greek and Cyrillic (the receipt's only font: a person's name in any of these draws from
# it), and every character of the translation files (the consent texts in four languages).
#   apt-get install -y fonts-noto-cjk python3-fonttools
set -euo pipefail
cd "$(dirname "$0")"
chars=$(mktemp)
/usr/bin/python3 - "$chars" <<'PY'
import sys, glob
chars = set()
for c in range(0xAC00, 0xD7A4):  # every modern Hangul syllable
    chars.add(chr(c))
for hi in range(0xB0, 0xF8):     # the 6763 Han characters of GB 2312
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
for hi in range(0xB0, 0xF5):     # the kanji of JIS X 0208 (Japanese names and texts)
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("euc_jp"))
        except UnicodeDecodeError:
            pass
for a, b in [(0x20, 0x7F), (0xA0, 0x250), (0x300, 0x370), (0x370, 0x400), (0x400, 0x530), (0x1E00, 0x1F00), (0x2000, 0x2070), (0x20A0, 0x20C0), (0x3131, 0x318F), (0x3040, 0x3100), (0x3000, 0x3040), (0xFF00, 0xFFF0)]:
    chars.update(chr(c) for c in range(a, b))  # jamo, kana, CJK punctuation, full width
for f in glob.glob("../i18n/*.ftl"):
    chars.update(open(f, encoding="utf-8").read())
open(sys.argv[1], "w", encoding="utf-8").write("".join(sorted(c for c in chars if len(c) == 1 and ord(c) >= 0x20 and ord(c) != 0x7F)))
PY
/usr/bin/python3 -m fontTools.subset /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc \
    --font-number=2 --text-file="$chars" --output-file=NotoSansCJKsc-subset.otf \
    --layout-features='' --no-hinting --name-IDs='*' --notdef-outline
rm -f "$chars"
ls -l NotoSansCJKsc-subset.otf
