"""Colours, fonts and sizes of the graph editor: one place, so the legend, the ports and the links
always agree. Values are display colours (sRGB); GUI thread only (QFont/QColor are GUI objects).
"""

from __future__ import annotations

import hashlib
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import QApplication

from filmstudio.core.types import PortType

# --- canvas ---------------------------------------------------------------------------------------

BACKGROUND = QColor("#2a2a2a")
GRID_MINOR = QColor("#313131")
GRID_MAJOR = QColor("#1f1f1f")
GRID_STEP = 20  # graph units between minor lines; a major line every GRID_MAJOR_EVERY
GRID_MAJOR_EVERY = 5

# --- nodes ----------------------------------------------------------------------------------------

NODE_WIDTH = 124.0
NODE_HEIGHT = 38.0
NODE_RADIUS = 5.0
PORT_SPACING = 46.0  # a node widens so each input keeps this much room for its label
PORT_RADIUS = 5.0
PORT_HIT_RADIUS = 9.0
DOT_RADIUS = 7.0
ROW_SPACING = 80.0  # where a new node goes below the selected one (matches the demo's layout)

NODE_BORDER = QColor("#111111")
NODE_SHADOW = QColor(0, 0, 0, 90)
SELECTED_BORDER = QColor("#ffb238")
TITLE_TEXT = QColor("#f2f2f2")
SUBTITLE_TEXT = QColor("#d0d0d0")
PORT_LABEL_TEXT = QColor("#9c9c9c")
DISABLED_CROSS = QColor(230, 90, 70, 210)

BADGE_ERROR = QColor("#e5483f")
BADGE_COMPUTING = QColor("#f0a830")
BADGE_CACHED = QColor("#4fc45a")

HINT_BACKGROUND = QColor(20, 20, 20, 235)
HINT_TEXT = QColor("#ff8a7a")
HINT_OK_TEXT = QColor("#b8e6b0")

# One colour per port type, shared by ports, links and any legend.
PORT_COLOURS: dict[PortType, QColor] = {
    PortType.IMAGE: QColor("#f0c24b"),
    PortType.MASK: QColor("#5ec8e0"),
    PortType.TRACK: QColor("#ff7a59"),
    PortType.SCRIPT: QColor("#b48ee8"),
    PortType.SUBTITLES: QColor("#b9e05a"),
    PortType.LATENT: QColor("#ee6fb7"),
    PortType.AUDIO: QColor("#4fd19a"),
    PortType.NUMBER: QColor("#9fb3d1"),
    PortType.VECTOR: QColor("#6c8cff"),
    PortType.ANY: QColor("#dadada"),
}

# Body tints by node category, muted for a dark canvas (Nuke's convention: colour nodes purple,
# filters orange, merges blue). Unknown categories (plugins) get a stable colour from their name.
CATEGORY_COLOURS: dict[str, QColor] = {
    "Image": QColor("#56606c"),
    "Color": QColor("#62507e"),
    "Filter": QColor("#85593a"),
    "Draw": QColor("#4d6c48"),
    "Time": QColor("#3b6c72"),
    "Merge": QColor("#3c5488"),
    "Transform": QColor("#6c4d7e"),
    "Keyer": QColor("#3e7a50"),
    "Channel": QColor("#6b6a3a"),
    "Other": QColor("#565656"),
    "Test": QColor("#505050"),
}


def port_colour(port_type: PortType) -> QColor:
    return PORT_COLOURS.get(port_type, PORT_COLOURS[PortType.ANY])


@cache
def category_colour(category: str) -> QColor:
    """The body tint of a node category (a muted hue derived from the name when not listed)."""
    known = CATEGORY_COLOURS.get(category)
    if known is not None:
        return known
    hue = int.from_bytes(hashlib.blake2b(category.encode(), digest_size=2).digest(), "big") % 360
    return QColor.fromHsv(hue, 95, 120)


# --- fonts ----------------------------------------------------------------------------------------


@cache
def font(role: str) -> QFont:
    """The font of a text role: "title", "subtitle", "port", "backdrop", "hint"."""
    base = QFont(QApplication.font())
    size, bold = {
        "title": (8.5, True),
        "subtitle": (7.5, False),
        "port": (6.8, False),
        "backdrop": (13.0, True),
        "hint": (8.5, False),
    }[role]
    base.setPointSizeF(size)
    base.setBold(bold)
    return base


def round_pen(colour: QColor, width: float, line: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """A pen with round caps and joins (links, badge marks)."""
    return QPen(colour, width, line, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
