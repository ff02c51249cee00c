"""The artist's own settings, which no project carries: cache budgets and questions not to ask again.

Kept as JSON in the user config folder (``settings.json`` beside the recent-files list). A file
that cannot be read gives the defaults; one that cannot be written is reported by the caller and
the editor goes on with the new values for this session.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from filmstudio.core.project_file import atomic_write_text
from filmstudio.ui.autosave import config_dir

GIB = 1 << 30
MIB = 1 << 20


@dataclass(frozen=True)
class UserSettings:
    """``ram_cache_bytes``/``vram_cache_bytes``: the frame cache's budgets (the engine's defaults);
    ``ask_match_project``: offer to match the project to the first clip read into an empty one."""

    ram_cache_bytes: int = 2 * GIB
    vram_cache_bytes: int = 1 * GIB
    ask_match_project: bool = True

    def engine_options(self) -> dict[str, Any]:
        """The :class:`~filmstudio.engine.engine.Engine` keyword arguments these settings set."""
        return {"cache_bytes": self.ram_cache_bytes, "vram_cache_bytes": self.vram_cache_bytes}


def _file():
    return config_dir() / "settings.json"


def load_user_settings() -> UserSettings:
    """The saved settings; defaults for anything missing, of the wrong type, or unreadable."""
    try:
        stored = json.loads(_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return UserSettings()
    if not isinstance(stored, dict):
        return UserSettings()
    defaults = UserSettings()
    known = {}
    for item in fields(UserSettings):
        value = stored.get(item.name)
        wanted = type(getattr(defaults, item.name))
        if type(value) is wanted and (wanted is not int or value > 0):
            known[item.name] = value
    return replace(defaults, **known)


def save_user_settings(settings: UserSettings) -> None:
    """Write ``settings`` atomically; raises OSError when the config folder is not writable."""
    target = _file()
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, json.dumps(asdict(settings), indent=1))
