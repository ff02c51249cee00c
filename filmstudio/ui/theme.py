"""The editor's dark theme: Fusion style, a dark palette and a short stylesheet for the few things
a palette cannot say (dock titles, tool buttons, the jobs list). Colours users of Nuke and Natron
are used to: neutral greys so the image is the brightest thing on screen, one orange accent."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#e8912d"
WINDOW = "#2b2b2b"
BASE = "#1f1f1f"
TEXT = "#d6d6d6"

_PALETTE = {
    QPalette.ColorRole.Window: WINDOW,
    QPalette.ColorRole.WindowText: TEXT,
    QPalette.ColorRole.Base: BASE,
    QPalette.ColorRole.AlternateBase: "#262626",
    QPalette.ColorRole.ToolTipBase: "#3a3a3a",
    QPalette.ColorRole.ToolTipText: TEXT,
    QPalette.ColorRole.PlaceholderText: "#7a7a7a",
    QPalette.ColorRole.Text: TEXT,
    QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: TEXT,
    QPalette.ColorRole.BrightText: "#ffffff",
    QPalette.ColorRole.Highlight: ACCENT,
    QPalette.ColorRole.HighlightedText: "#111111",
    QPalette.ColorRole.Link: ACCENT,
    QPalette.ColorRole.Light: "#4a4a4a",
    QPalette.ColorRole.Midlight: "#3c3c3c",
    QPalette.ColorRole.Mid: "#303030",
    QPalette.ColorRole.Dark: "#1a1a1a",
    QPalette.ColorRole.Shadow: "#0d0d0d",
}

STYLESHEET = f"""
QMainWindow::separator {{ background: #1a1a1a; width: 3px; height: 3px; }}
QDockWidget {{ color: {TEXT}; titlebar-close-icon: none; }}
QDockWidget::title {{ background: #323232; padding: 4px 8px; border-bottom: 1px solid #1a1a1a; }}
QToolTip {{ color: {TEXT}; background: #3a3a3a; border: 1px solid #555; padding: 3px; }}
QStatusBar {{ background: #232323; color: #a8a8a8; }}
QStatusBar QLabel {{ padding: 0 8px; }}
QMenuBar {{ background: #2b2b2b; }}
QMenuBar::item:selected, QMenu::item:selected {{ background: {ACCENT}; color: #111; }}
QTreeWidget, QPlainTextEdit, QListWidget {{ border: 1px solid #1a1a1a; }}
QProgressBar {{ border: 1px solid #1a1a1a; border-radius: 2px; text-align: center; height: 14px; }}
QProgressBar::chunk {{ background: {ACCENT}; }}
QPushButton {{ padding: 3px 10px; }}
"""


def apply_theme(app: QApplication) -> None:
    """Make ``app`` dark (idempotent)."""
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in _PALETTE.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6a6a6a"))
    app.setPalette(palette)
    app.setStyleSheet(STYLESHEET)
