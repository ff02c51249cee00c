"""The active OpenColorIO config: where it comes from, the working space, displays and views.

The config is ``$OCIO`` when that environment variable is set, else OCIO's built-in
:data:`DEFAULT_CONFIG`. It is loaded on first use and again whenever ``$OCIO`` changes; a missing,
unreadable or incomplete config raises :class:`ColourConfigError` saying how to fix it. The working
space is the config's ``scene_linear`` role (ACEScg in the built-in config).

Threads: every function here may be called from any thread. Loading happens under a lock; a loaded
OCIO config is only read afterwards, which OCIO allows from many threads at once.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from filmstudio.core.errors import ColourConfigError, UnknownColourSpaceError

DEFAULT_CONFIG = "ocio://default"  # the one place the built-in config is named
WORKING_ROLE = "scene_linear"
ENVIRONMENT_VARIABLE = "OCIO"


def ocio() -> Any:
    """The PyOpenColorIO module, imported on first use (it is not needed to list nodes)."""
    import PyOpenColorIO

    return PyOpenColorIO


@dataclass(frozen=True)
class ActiveConfig:
    """A loaded config and what FilmStudio reads from it once. ``config`` is read-only."""

    source: str
    config: Any
    working_space: str  # canonical name of the scene_linear role's colour space


_lock = threading.Lock()
_active: ActiveConfig | None = None


def config_source() -> str:
    """Where the config comes from: the value of ``$OCIO``, or :data:`DEFAULT_CONFIG`."""
    return os.environ.get(ENVIRONMENT_VARIABLE, "").strip() or DEFAULT_CONFIG


def active_config() -> ActiveConfig:
    """The config in use, loaded on first call and reloaded when ``$OCIO`` changes."""
    global _active
    source = config_source()
    current = _active
    if current is not None and current.source == source:
        return current
    with _lock:
        if _active is None or _active.source != source:
            _active = _load(source)
        return _active


def reload_config() -> ActiveConfig:
    """Forget the loaded config and load it again (after the config file was edited)."""
    global _active
    from filmstudio.colour.pipeline import clear_cache

    with _lock:
        _active = None
    ocio().ClearAllCaches()
    clear_cache()
    return active_config()


def _load(source: str) -> ActiveConfig:
    module = ocio()
    where = source if source == DEFAULT_CONFIG else f"{source!r} (from ${ENVIRONMENT_VARIABLE})"
    fix = (
        f"fix the file, or unset ${ENVIRONMENT_VARIABLE} to use FilmStudio's built-in config "
        f"({DEFAULT_CONFIG})"
    )
    try:
        config = module.Config.CreateFromFile(source)
    except module.ExceptionMissingFile:
        raise ColourConfigError(where, f"the file does not exist: {fix}") from None
    except module.Exception as error:
        raise ColourConfigError(where, f"cannot be read ({_first_line(error)}): {fix}") from None
    try:
        config.validate()
    except module.Exception as error:
        raise ColourConfigError(where, f"is not valid ({_first_line(error)}): {fix}") from None
    working = config.getCanonicalName(WORKING_ROLE)
    if not working:
        raise ColourConfigError(
            where,
            f"has no {WORKING_ROLE!r} role, which FilmStudio uses as its working space: add "
            f"'{WORKING_ROLE}: <a scene-linear colour space>' under the config's roles, or {fix}",
        )
    return ActiveConfig(source, config, working)


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# --- what the editor lists --------------------------------------------------------------------------


def colour_space_names() -> list[str]:
    """Every colour space of the active config (for a colour space menu): scene-referred ones
    first, then display-referred ones, each in the config's order."""
    module = ocio()
    spaces = list(active_config().config.getColorSpaces())
    scene = [s.getName() for s in spaces if s.getReferenceSpaceType() == module.REFERENCE_SPACE_SCENE]
    return scene + [s.getName() for s in spaces if s.getName() not in scene]


def working_space_name() -> str:
    """The working space's name in the active config (the ``scene_linear`` role)."""
    return active_config().working_space


def displays() -> list[str]:
    """The displays of the active config (active ones first, as the config orders them)."""
    return list(active_config().config.getDisplays())


def views(display: str | None = None) -> list[str]:
    """The views of ``display`` (default: the config's default display)."""
    config = active_config().config
    name = check_display(display)
    return list(config.getViews(name))


# FilmStudio's default display and view, when the config has them (the built-in ACES configs do):
# BT.1886 (gamma 2.4) with Rec.709 primaries and no tone mapping, the exact inverse of how Read
# decodes "Rec.709" (Gamma 2.4 Encoded Rec.709) and what Write "auto" encodes for movies.
PREFERRED_VIEW = ("Rec.1886 Rec.709 - Display", "Un-tone-mapped")
# The Write colour space choice that renders through the viewer's display and view.
VIEWER = "viewer"


def default_view() -> tuple[str, str]:
    """The (display, view) the viewer starts with and Write "auto" renders movies through.

    The rule: :data:`PREFERRED_VIEW` when the active config has that display with that view (the
    built-in config, and the ACES studio/CG configs a user's ``$OCIO`` may name), so an ungraded
    Read of a Rec.709 clip shows its own code values and exports unchanged; otherwise the
    config's own default display and that display's default view, as the config's author chose.
    """
    config = active_config().config
    display, view = PREFERRED_VIEW
    if display in config.getDisplays() and view in config.getViews(display):
        return display, view
    display = str(config.getDefaultDisplay())
    return display, str(config.getDefaultView(display))


def default_display() -> str:
    """The display of :func:`default_view` (what an empty display setting means)."""
    return default_view()[0]


def display_default_view(display: str | None = None) -> str:
    """The view an empty view setting means for ``display`` (None: :func:`default_display`):
    :func:`default_view`'s view for its display, the config's default view for any other."""
    name = check_display(display)
    chosen_display, chosen_view = default_view()
    if name == chosen_display:
        return chosen_view
    return str(active_config().config.getDefaultView(name))


def check_display(display: str | None) -> str:
    """``display`` if the config has it (None: the default display), else a clear error."""
    if display is None:
        return default_display()
    known = displays()
    if display not in known:
        raise UnknownColourSpaceError(
            f"unknown display {display!r}: the OCIO config ({config_source()}) has {_listed(known)}"
        )
    return display


def check_view(display: str, view: str | None) -> str:
    """``view`` if ``display`` has it (None: the display's default view), else a clear error."""
    if view is None:
        return display_default_view(display)
    known = views(display)
    if view not in known:
        raise UnknownColourSpaceError(
            f"unknown view {view!r} for display {display!r}: choose one of {_listed(known)}"
        )
    return view


def _listed(names: list[str], limit: int = 12) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
