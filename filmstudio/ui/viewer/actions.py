"""The viewer's actions: menu texts and Nuke-style shortcuts, in one table the main window can
put in its menus. GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from filmstudio.ui.viewer.display import Channel
from filmstudio.ui.viewer.icons import icon
from filmstudio.ui.viewer.state import PROXY_SCALES

# name: (menu text, shortcuts, icon)
ACTIONS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "play": ("Play / Pause", ("Space",), "play"),
    "step_back": ("Step Back", ("Left",), "step_back"),
    "step_forward": ("Step Forward", ("Right",), "step_forward"),
    "step_back_10": ("Step Back 10 Frames", ("Shift+Left",), ""),
    "step_forward_10": ("Step Forward 10 Frames", ("Shift+Right",), ""),
    "previous_key": ("Previous Keyframe", ("Alt+Left",), "key_prev"),
    "next_key": ("Next Keyframe", ("Alt+Right",), "key_next"),
    "first_frame": ("First Frame", ("Home",), "first"),
    "last_frame": ("Last Frame", ("End",), "last"),
    "set_in": ("Set In Point", ("I",), "set_in"),
    "set_out": ("Set Out Point", ("O",), "set_out"),
    "clear_in_out": ("Clear In/Out Points", ("Alt+U",), ""),
    "loop": ("Loop Playback", (), "loop"),
    "fit": ("Fit", ("Ctrl+0", "H"), "fit"),
    "zoom_100": ("100%", ("Ctrl+1",), ""),
    "zoom_in": ("Zoom In", ("+", "="), ""),
    "zoom_out": ("Zoom Out", ("-",), ""),
    "input_a": ("Set Viewer Input A", ("1",), ""),
    "input_b": ("Set Viewer Input B", ("2",), ""),
    "wipe": ("A/B Wipe", ("W",), "wipe"),
    "channel_rgb": ("RGB", (), ""),
    "channel_red": ("Red", ("R",), ""),
    "channel_green": ("Green", ("G",), ""),
    "channel_blue": ("Blue", ("B",), ""),
    "channel_alpha": ("Alpha", ("A",), ""),
    "mask_overlay": ("Mask Overlay", ("M",), "mask"),
    "proxy_1": ("Full Resolution", (), ""),
    "proxy_2": ("Proxy 1/2", (), ""),
    "proxy_4": ("Proxy 1/4", (), ""),
    "auto_proxy": ("Automatic Proxy While Scrubbing", (), ""),
    "exact_display": ("Exact Display Transform (Slower)", (), ""),
}
# Viewer and transport keys that act wherever the focus is in the window, as in Nuke (the main
# window gives them a window-wide context): a text field or spin box with the focus keeps the keys
# it types with (Qt asks it first, by ShortcutOverride), so "1" still types a 1 into a name.
ANYWHERE = frozenset(
    {
        "play",
        "step_back",
        "step_forward",
        "step_back_10",
        "step_forward_10",
        "previous_key",
        "next_key",
        "first_frame",
        "last_frame",
        "set_in",
        "set_out",
        "clear_in_out",
        "input_a",
        "input_b",
        "wipe",
        "render_to_cache",
    }
)
CHECKABLE = {"loop", "wipe", "mask_overlay", "auto_proxy", "proxy_1", "proxy_2", "proxy_4", "exact_display"}
CHANNEL_ACTIONS = {
    "channel_rgb": Channel.RGB,
    "channel_red": Channel.RED,
    "channel_green": Channel.GREEN,
    "channel_blue": Channel.BLUE,
    "channel_alpha": Channel.ALPHA,
}
PROXY_ACTIONS = dict(zip(("proxy_1", "proxy_2", "proxy_4"), PROXY_SCALES, strict=True))


def make_actions(owner: QWidget) -> dict[str, QAction]:
    """One QAction per :data:`ACTIONS` entry, added to ``owner`` with shortcuts that act while it
    (or a child) has focus; checkable where the table says. Slots are the owner's to connect."""
    actions = {}
    for name, (text, shortcuts, icon_name) in ACTIONS.items():
        action = QAction(text, owner)
        action.setObjectName(f"viewer_{name}")
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if icon_name:
            action.setIcon(icon(icon_name))
        keys = ", ".join(shortcuts)
        action.setToolTip(f"{text} ({keys})" if keys else text)
        action.setCheckable(name in CHECKABLE or name in CHANNEL_ACTIONS)
        owner.addAction(action)
        actions[name] = action
    return actions
