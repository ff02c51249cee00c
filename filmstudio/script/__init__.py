"""Screenplays: the Script data type, Fountain in and out, shot lists and their timing.

Pure Python on top of :mod:`filmstudio.core` (no Qt, no torch). The scripting API::

    from filmstudio.script import parse, write
    screenplay = parse(open("pilot.fountain").read())
    print(screenplay.characters(), len(screenplay.scenes()))
    assert parse(write(screenplay)) == screenplay

- :class:`Element`, :class:`ElementKind`, :class:`Screenplay`: Fountain elements with stable ids;
- :class:`Shot` and :class:`Script` (screenplay + shot list + timing model, the Script port value);
- :func:`parse` / :func:`write`: Fountain (``lenient=True`` for model output);
- :data:`SHOT_LIST_SCHEMA` (:func:`shot_list_schema` fits it to a screenplay) and
  :func:`parse_shot_list` for shot lists a model writes as JSON.
"""

from __future__ import annotations

from filmstudio.core.lazy import lazy_exports
from filmstudio.script.elements import DialogueLine, Element, ElementKind, Scene, Screenplay
from filmstudio.script.errors import ScriptError, ShotListError
from filmstudio.script.script import Script
from filmstudio.script.shots import Shot
from filmstudio.script.timing import DEFAULT_READING_WPM, Current, Timing

# Loaded on first use, so importing the data model stays light.
_LAZY = {
    "parse": "filmstudio.script.fountain",
    "write": "filmstudio.script.fountain",
    "SHOT_LIST_SCHEMA": "filmstudio.script.shot_list",
    "parse_shot_list": "filmstudio.script.shot_list",
    "shot_list_schema": "filmstudio.script.shot_list",
}

__all__ = [
    "DEFAULT_READING_WPM",
    "Current",
    "DialogueLine",
    "Element",
    "ElementKind",
    "Scene",
    "Screenplay",
    "Script",
    "ScriptError",
    "Shot",
    "ShotListError",
    "Timing",
    *sorted(_LAZY),
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
