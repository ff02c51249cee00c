"""Render the application icon's PNGs from its SVG (packaging/desktop/icons), with Qt's SVG renderer:

    .venv/bin/python packaging/make_icons.py

Writes ``org.filmstudio.FilmStudio-<size>.png`` for each size ``filmstudio install-desktop``
installs (desktops without SVG support, and the hicolor theme's raster sizes, use them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ICONS = Path(__file__).resolve().parent / "desktop" / "icons"
APP_ID = "org.filmstudio.FilmStudio"
SIZES = (48, 128, 256)


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(ICONS / f"{APP_ID}.svg"))
    if not renderer.isValid():
        print("the SVG icon could not be read", file=sys.stderr)
        return 1
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        target = ICONS / f"{APP_ID}-{size}.png"
        image.save(str(target))
        print(f"wrote {target}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
