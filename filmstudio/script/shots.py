"""A shot of a shot list: what the camera sees, who is in it, which lines it covers, how long."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from filmstudio.script.errors import ScriptError


@dataclass(frozen=True)
class Shot:
    """One shot. ``scene`` is the scene heading's element id ("" when unknown); ``number`` is the
    shot number as the script writes it ("1", "12A"); ``size`` the shot size (WS, MS, CU, ...);
    ``camera`` the angle or move; ``characters`` the names seen; ``dialogue`` the ids of the
    dialogue elements spoken in it, in order; ``duration`` in seconds, exact (None: from the
    dialogue at a reading speed, see :mod:`filmstudio.script.timing`)."""

    scene: str
    number: str
    size: str = ""
    camera: str = ""
    description: str = ""
    characters: tuple[str, ...] = ()
    dialogue: tuple[str, ...] = ()
    duration: Fraction | None = None

    def __post_init__(self) -> None:
        if self.duration is not None and self.duration < 0:
            raise ScriptError(f"shot {self.number}: a duration cannot be negative ({self.duration} s)")

    def to_json(self) -> dict[str, Any]:
        """JSON with the duration as an exact fraction string ("5", "5/2"), never a rounded float."""
        return {
            "scene": self.scene,
            "number": self.number,
            "size": self.size,
            "camera": self.camera,
            "description": self.description,
            "characters": list(self.characters),
            "dialogue": list(self.dialogue),
            "duration": None if self.duration is None else str(self.duration),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Shot:
        try:
            duration = data.get("duration")
            return cls(
                scene=str(data["scene"]),
                number=str(data["number"]),
                size=str(data.get("size", "")),
                camera=str(data.get("camera", "")),
                description=str(data.get("description", "")),
                characters=tuple(str(c) for c in data.get("characters", ())),
                dialogue=tuple(str(d) for d in data.get("dialogue", ())),
                duration=None if duration is None else Fraction(str(duration)),
            )
        except (KeyError, ValueError, TypeError, ZeroDivisionError) as error:
            raise ScriptError(
                f"a saved shot is not valid ({error!r}): the project file was edited by hand or is "
                "damaged; regenerate the shot list"
            ) from None
