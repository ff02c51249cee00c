"""The value on a Script port: a screenplay, an optional shot list, and their timing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from filmstudio.script.elements import Screenplay
from filmstudio.script.errors import ScriptError
from filmstudio.script.shots import Shot
from filmstudio.script.timing import DEFAULT_READING_WPM, Current, Timing, compute_timing


@dataclass(frozen=True)
class Script:
    """What a Script output carries (LLM Script takes, Script File): frozen, shared by threads and
    cached by the engine, stored in project JSON through :meth:`to_json`.

    ``shots`` is the shot list, empty when there is none. :attr:`text` is the screenplay written
    as Fountain (the Title's whole-text mode shows it)."""

    screenplay: Screenplay
    shots: tuple[Shot, ...] = ()
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def from_text(cls, text: str, *, lenient: bool = False) -> Script:
        """A script without a shot list from Fountain ``text`` (``lenient`` for model output)."""
        from filmstudio.script.fountain import parse

        return cls(parse(text, lenient=lenient))

    @property
    def text(self) -> str:
        """The screenplay as normalised Fountain."""
        if "text" not in self._memo:
            from filmstudio.script.fountain import write

            self._memo["text"] = write(self.screenplay)
        return str(self._memo["text"])

    @property
    def nbytes(self) -> int:
        """About how much memory the script holds, for the frame cache's byte budget."""
        elements = (*self.screenplay.title_page, *self.screenplay.elements)
        return sum(len(e.text) + len(e.id) + 160 for e in elements) + 400 * len(self.shots)

    def timing(
        self, fps: Fraction | int, start_frame: int = 1, reading_speed_wpm: int = DEFAULT_READING_WPM
    ) -> Timing:
        """Each shot's, scene's and dialogue line's frame range when the script starts at
        ``start_frame`` of a project at ``fps`` (see :mod:`filmstudio.script.timing`). Computed
        once per arguments: a Title asks for it on every frame."""
        key = ("timing", Fraction(fps), start_frame, reading_speed_wpm)
        if key not in self._memo:
            self._memo[key] = compute_timing(
                self.screenplay, self.shots, Fraction(fps), start_frame, reading_speed_wpm
            )
        timing: Timing = self._memo[key]
        return timing

    def at(
        self,
        frame: int,
        fps: Fraction | int,
        start_frame: int = 1,
        reading_speed_wpm: int = DEFAULT_READING_WPM,
    ) -> Current:
        """The shot, scene heading and dialogue line current at ``frame``."""
        return self.timing(fps, start_frame, reading_speed_wpm).at(frame)

    def to_json(self) -> dict[str, Any]:
        return {"screenplay": self.screenplay.to_json(), "shots": [s.to_json() for s in self.shots]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Script:
        if not isinstance(data, Mapping) or "screenplay" not in data:
            raise ScriptError(
                "a saved script has no screenplay: the project file was edited by hand or is "
                "damaged; regenerate or re-read the script"
            )
        shots = data.get("shots") or ()
        return cls(Screenplay.from_json(data["screenplay"]), tuple(Shot.from_json(s) for s in shots))
