"""Rebuild ``NotoSansCJKsc-Regular-subset.otf``, the built-in font of the Burn-in node.

Noto Sans CJK (SIL Open Font License 1.1, see OFL.txt) covers Latin with accents, Greek,
Cyrillic, kana, hangul and Han in one face, so subtitles in any of them render with one font
(Pillow picks no fallback font per glyph). The whole face is about 16 MB; this keeps what
subtitles use: Latin (incl. Vietnamese), Greek, Cyrillic, punctuation, music notes, kana,
the 2,350 hangul syllables of KS X 1001, and the Han characters of GB 2312 (simplified
Chinese), JIS X 0208 (Japanese) and Big5's frequent set (traditional Chinese). Other Han
characters show as boxes: choose a full font in the node's ``font`` parameter for those.

Run with fontTools (``pip install fonttools``, a tool here, not a dependency) on the Simplified
Chinese face of Debian's ``fonts-noto-cjk`` (``apt-get download fonts-noto-cjk``, then
``dpkg-deb -x``)::

    python make_subset.py /path/to/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SC_FACE = 2  # Noto Sans CJK SC in NotoSansCJK-Regular.ttc (JP, KR, SC, TC, HK, then the Mono faces)
RANGES = (
    (0x0020, 0x024F),  # Basic Latin, Latin-1, Latin Extended-A/B
    (0x0300, 0x036F),  # combining diacritics
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional (Vietnamese)
    (0x2000, 0x206F),  # general punctuation: dashes, quotes, ellipsis
    (0x20A0, 0x20CF),  # currency
    (0x2100, 0x214F),  # letterlike symbols
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers
    (0x25A0, 0x25FF),  # geometric shapes
    (0x2600, 0x26FF),  # symbols, incl. the music notes of sung lines
    (0x3000, 0x303F),  # CJK punctuation
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3130, 0x318F),  # hangul compatibility jamo
    (0xFF00, 0xFFEF),  # half- and full-width forms
)


def _decodable(encoding: str, leads: range, trails: range) -> set[str]:
    found = set()
    for lead in leads:
        for trail in trails:
            try:
                found.add(bytes((lead, trail)).decode(encoding))
            except UnicodeDecodeError:
                continue
    return found


def characters() -> set[str]:
    chars = {chr(c) for first, last in RANGES for c in range(first, last + 1)}
    chars |= _decodable("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF))  # GB 2312 hanzi
    chars |= _decodable("euc_jp", range(0xB0, 0xF5), range(0xA1, 0xFF))  # JIS X 0208 kanji
    chars |= _decodable("big5", range(0xA4, 0xC7), range(0x40, 0xFF))  # Big5 frequent hanzi
    chars |= _decodable("euc_kr", range(0xB0, 0xC9), range(0xA1, 0xFF))  # KS X 1001 hangul
    return chars


def main(source: str) -> None:
    font = TTCollection(source).fonts[SC_FACE]
    options = subset.Options()
    # Horizontal text with its kerning and accents; no regional (locl) or vertical variants,
    # which would double the size.
    options.layout_features = ["ccmp", "kern", "liga", "calt", "mark", "mkmk"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # FreeType's autohinter does as well at subtitle sizes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in characters()])
    subsetter.subset(font)
    target = Path(__file__).with_name("NotoSansCJKsc-Regular-subset.otf")
    font.save(target)
    print(f"{target.name}: {len(font.getGlyphOrder())} glyphs, {target.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
