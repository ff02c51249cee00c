"""The bundled demo projects, and the writable copies the editor and ``filmstudio demo`` open.

The demos ship as package data (:mod:`filmstudio.core.resources`), which may sit in a read-only
site-packages and must stay pristine. ``filmstudio demo NAME`` and the editor's first window work
on a copy in the user's data folder (``$FILMSTUDIO_DATA_DIR`` when set, else
``~/.local/share/filmstudio/demos/NAME`` on Linux), made once with the media the project reads;
edits and renders land there. ``fresh=True`` replaces the copy with the bundled demo again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.resources import resource_path
from filmstudio.core.version import APP_NAME


@dataclass(frozen=True)
class Demo:
    """A bundled demo: its project file and the other files (relative to the project's folder)
    the project reads, which the copy must carry."""

    name: str
    project: str
    files: tuple[str, ...]
    description: str


DEMOS: dict[str, Demo] = {
    demo.name: demo
    for demo in (
        Demo("demo", "demo.fsproj", ("media/launch.mp4",), "a keyed sky grade and an upscaled punch-in"),
        Demo("faces", "faces.fsproj", (), "a GAN face morphing into another, upscaled (needs dcgan-faces)"),
        Demo(
            "animatic",
            "animatic.fsproj",
            (),
            "an animatic from a logline: script, faces, voices, subtitles (needs the free models)",
        ),
    )
}
DEFAULT_DEMO = "demo"


def demo_named(name: str) -> Demo:
    """The demo called ``name``; an unknown name lists the demos there are."""
    try:
        return DEMOS[name.strip().lower()]
    except KeyError:
        raise FilmStudioError(f"there is no demo {name!r}: the demos are {', '.join(DEMOS)}") from None


def bundled_demo(name: str = DEFAULT_DEMO) -> Path:
    """The bundled (read-only) project file of demo ``name``."""
    return resource_path("demo", demo_named(name).project)


def demos_dir() -> Path:
    """Where the writable copies of the demos go (the user data folder the autosaves share)."""
    override = os.environ.get("FILMSTUDIO_DATA_DIR")
    if override:
        return Path(override) / "demos"
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "demos"


def writable_demo(name: str = DEFAULT_DEMO, *, fresh: bool = False) -> Path:
    """The project file of the user's copy of demo ``name``, made from the bundled demo when there
    is none yet (or when ``fresh``). The copy is made in a temporary folder and moved into place,
    so an interrupted copy is never mistaken for a complete one."""
    demo = demo_named(name)
    folder = demos_dir() / demo.name
    target = folder / demo.project
    if target.is_file() and not fresh:
        return target
    source = bundled_demo(demo.name).parent
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{demo.name}-", dir=folder.parent))
    try:
        for relative in (demo.project, *demo.files):
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, destination)
        if folder.exists():
            old = folder.with_name(f".{demo.name}-old-{os.getpid()}")
            folder.rename(old)
            shutil.rmtree(old, ignore_errors=True)
        staging.rename(folder)
    except OSError as error:
        raise FilmStudioError(f"cannot copy the {demo.name} demo into {folder}: {error}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
