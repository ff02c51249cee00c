"""Before the first window on X11: can Qt's xcb platform plugin load, and if not, which system
packages would let it?

Qt aborts the process when its platform plugin cannot load, and its message names only
``xcb-cursor0`` whatever is missing (on a bare Debian it was ``libxcb-icccm4`` and
``libxcb-keysyms1``). So the editor asks ``ldd`` first: every library of the plugin (and of the
Qt libraries it loads) reported "not found" is named, with the Debian/Ubuntu and Fedora packages
that hold it and the commands to install them. Plain Python: no Qt library is loaded here.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from filmstudio.core.errors import FilmStudioError

PLUGIN = Path("Qt") / "plugins" / "platforms" / "libqxcb.so"
# library file -> (Debian/Ubuntu package, Fedora package): what Qt 6's xcb plugin and the Qt
# libraries it pulls in need beyond a minimal system (ldd on libqxcb.so, PySide6 6.8-6.11)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-xinerama.so.0": ("libxcb-xinerama0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found\s*$", re.M)


class SystemLibrariesError(FilmStudioError):
    """Qt's platform plugin needs system libraries this machine lacks; the message says which
    packages to install."""


def plugin_path() -> Path | None:
    """The xcb platform plugin of the installed PySide6 (None without PySide6 or the plugin)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(next(iter(spec.submodule_search_locations))) / PLUGIN
    return plugin if plugin.is_file() else None


def not_found(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` reported "not found", each once, in the order it named them."""
    return list(dict.fromkeys(_NOT_FOUND.findall(ldd_output)))


def missing_libraries(library: Path, ldd: str = "ldd") -> list[str]:
    """What ``library`` needs (directly or through its own libraries) that the dynamic loader
    cannot find; empty when nothing is missing or ``ldd`` cannot tell (not installed, failed)."""
    try:
        result = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return not_found(result.stdout)


def install_advice(missing: list[str]) -> str:
    """How to install the packages that hold ``missing`` on Debian/Ubuntu and Fedora."""
    debian = list(dict.fromkeys(PACKAGES[name][0] for name in missing if name in PACKAGES))
    fedora = list(dict.fromkeys(PACKAGES[name][1] for name in missing if name in PACKAGES))
    lines = []
    if debian:
        lines.append(f"  Debian/Ubuntu:  sudo apt-get install {' '.join(debian)}")
        lines.append(f"  Fedora:         sudo dnf install {' '.join(fedora)}")
    unknown = [name for name in missing if name not in PACKAGES]
    if unknown:
        lines.append(
            f"  and the packages that hold {', '.join(unknown)} (your package manager can search by file)"
        )
    return "\n".join(lines)


def uses_xcb(environ: Mapping[str, str]) -> bool:
    """Whether Qt will load its xcb (X11) plugin: on Linux, when ``$QT_QPA_PLATFORM`` asks for xcb
    first, or is unset outside a Wayland session."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    wayland = environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland"
    return not wayland


def check_platform_plugin(environ: Mapping[str, str] | None = None, plugin: Path | None = None) -> None:
    """Raise :class:`SystemLibrariesError` naming the missing libraries and the packages to
    install when Qt's xcb plugin would fail to load; nothing when it will not be used or loads."""
    environ = os.environ if environ is None else environ
    if not uses_xcb(environ):
        return
    plugin = plugin or plugin_path()
    if plugin is None:
        return  # a PySide6 without the plugin: Qt's own message is all there is to say
    missing = missing_libraries(plugin)
    if not missing:
        return
    raise SystemLibrariesError(
        "the editor cannot open a window: Qt's X11 platform plugin needs system libraries this "
        f"machine lacks ({', '.join(missing)}). Install them with\n{install_advice(missing)}\n"
        "then start FilmStudio again (or render without the editor: `filmstudio render PROJECT`)."
    )
