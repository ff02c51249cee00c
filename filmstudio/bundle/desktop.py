"""``filmstudio install-desktop``: FilmStudio in the desktop's application menu, for this user.

Writes, under ``$XDG_DATA_HOME`` (``~/.local/share``): the desktop entry
(``applications/``), the AppStream metainfo (``metainfo/``), the icon as SVG and PNGs
(``icons/hicolor/<size>/apps/``) and the MIME type of ``.fsproj`` files (``mime/packages/``).
The files live in ``packaging/desktop`` and ship as package data; the entry's ``Exec`` is
rewritten to the ``filmstudio`` program of the installation that runs the command (a virtual
environment is not on the desktop's ``PATH``), the metainfo gets the installed version. The
desktop's caches are refreshed when their tools are there (``update-desktop-database``,
``update-mime-database``, ``gtk-update-icon-cache``); without them the files are picked up at the
next login. ``uninstall_desktop`` removes exactly these files.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.project_file import atomic_write_text
from filmstudio.core.resources import resource_path
from filmstudio.core.version import __version__

APP_ID = "org.filmstudio.FilmStudio"
ICON_SIZES = (48, 128, 256)
_REFRESH = (
    ("update-desktop-database", "applications"),
    ("update-mime-database", "mime"),
    ("gtk-update-icon-cache", "icons/hicolor"),
)


def data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share``."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def program() -> str:
    """The command line that starts this installation's FilmStudio: its ``filmstudio`` script
    beside the running interpreter, else the interpreter running the CLI module."""
    script = Path(sys.executable).with_name("filmstudio")
    if script.is_file() and os.access(script, os.X_OK):
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m filmstudio.cli"


def _targets(home: Path) -> dict[str, Path]:
    """Shipped file (relative to the desktop package data) -> where it goes under ``home``."""
    icons = home / "icons" / "hicolor"
    targets = {
        f"{APP_ID}.desktop": home / "applications" / f"{APP_ID}.desktop",
        f"{APP_ID}.metainfo.xml": home / "metainfo" / f"{APP_ID}.metainfo.xml",
        f"{APP_ID}.mime.xml": home / "mime" / "packages" / f"{APP_ID}.xml",
        f"icons/{APP_ID}.svg": icons / "scalable" / "apps" / f"{APP_ID}.svg",
    }
    for size in ICON_SIZES:
        targets[f"icons/{APP_ID}-{size}.png"] = icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    return targets


def install_desktop(home: Path | None = None, *, refresh: bool = True) -> list[Path]:
    """Write the desktop entry, metainfo, MIME type and icons under ``home`` (default:
    :func:`data_home`); returns the files written. Each is written atomically."""
    home = home or data_home()
    written: list[Path] = []
    try:
        for shipped, target in _targets(home).items():
            source = resource_path("desktop", *shipped.split("/"))
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.suffix == ".png":
                shutil.copyfile(source, target)
            else:
                atomic_write_text(target, _filled(source.read_text(encoding="utf-8")))
            written.append(target)
    except OSError as error:
        raise FilmStudioError(f"cannot install the desktop entry under {home}: {error}") from None
    if refresh:
        _refresh(home)
    return written


def uninstall_desktop(home: Path | None = None, *, refresh: bool = True) -> list[Path]:
    """Remove what :func:`install_desktop` wrote under ``home``; returns the files removed."""
    home = home or data_home()
    removed = [target for target in _targets(home).values() if target.is_file()]
    for target in removed:
        target.unlink()
    if refresh:
        _refresh(home)
    return removed


def _filled(text: str) -> str:
    return text.replace("@EXEC@", program()).replace("@VERSION@", __version__)


def _refresh(home: Path) -> None:
    for tool, folder in _REFRESH:
        found = shutil.which(tool)
        if found is not None and (home / folder).is_dir():
            arguments = [found, "-q", "-t", "-f"] if tool == "gtk-update-icon-cache" else [found]
            # best effort: the desktop rescans these folders at login anyway
            subprocess.run([*arguments, str(home / folder)], capture_output=True, timeout=60, check=False)
