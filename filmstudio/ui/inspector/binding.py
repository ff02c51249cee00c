"""How the inspector edits one parameter of one node: constant values, keys at the current frame,
and the refusals that go to the log instead of a traceback.

Nuke's rule for animated knobs: once a parameter is animated, editing its widget sets a key at the
current frame instead of replacing the curve. Every edit goes through the graph API, so it lands on
the session's undo stack; ``merge=True`` folds a slider drag into one step (also for keys).
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import replace
from typing import Any

from filmstudio.core.commands import SetParam
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.params import AnimCurve, Interp, Keyframe, Param
from filmstudio.ui.session import EditorSession

_DRAGS = itertools.count(1)  # unique across bindings: the panel rebuilds them on every selection


class KeyState(enum.Enum):
    """What the keyframe button shows: not animated, animated without a key here, key here."""

    NONE = "none"
    CURVE = "curve"
    KEY = "key"


class ParamBinding:
    """One parameter of one node as the inspector sees it, at the session's current frame.

    GUI thread only. Every method that edits reports a refused edit through
    :meth:`EditorSession.report` and returns False instead of raising.
    """

    def __init__(self, session: EditorSession, node: NodeInstance, param: Param) -> None:
        self.session = session
        self.node = node
        self.param = param
        self._drag = 0

    @property
    def name(self) -> str:
        return self.param.name

    @property
    def frame(self) -> int:
        return self.session.current_frame

    # --- reading ---------------------------------------------------------------------------------

    def value(self) -> Any:
        """The value at the current frame (what the widget shows)."""
        return self.node.value_at(self.name, self.frame)

    def curve(self) -> AnimCurve | None:
        return self.node.animation(self.name)

    def key_state(self) -> KeyState:
        curve = self.curve()
        if curve is None:
            return KeyState.NONE
        return KeyState.KEY if curve.key_at(float(self.frame)) is not None else KeyState.CURVE

    def key_interp(self) -> Interp | None:
        """Interpolation of the key at the current frame (None when there is none)."""
        curve = self.curve()
        key = curve.key_at(float(self.frame)) if curve else None
        return key.interp if key else None

    # --- editing ---------------------------------------------------------------------------------

    def begin_drag(self) -> None:
        """A slider drag starts: its ``merge=True`` edits become one undo step of their own (the
        previous drag of the same parameter stays a separate step)."""
        self._drag = next(_DRAGS)

    def apply(self, value: Any, merge: bool = False) -> bool:
        """Set the value the artist typed or dragged: a constant, or a key at the current frame
        when the parameter is animated. False (and a message) when the value is refused."""
        try:
            coerced = self.param.coerce(value)
            curve = self.curve()
            if curve is None:
                if coerced == self.node[self.name]:
                    return True  # nothing changed: no empty undo step
                self._perform(coerced, merge)
            else:
                existing = curve.key_at(float(self.frame))  # re-keyed: its Bezier handles stay
                key = (
                    replace(existing, value=coerced)
                    if existing is not None
                    else Keyframe(float(self.frame), coerced, self._interp_for_new_key(curve))
                )
                self._perform(curve.with_key(key), merge)
        except FilmStudioError as error:
            self.session.report(f"{self.node.name}: {error}", "error")
            return False
        return True

    def set_key(self) -> bool:
        """Key the current value at the current frame (the first key starts the animation)."""
        if not self.param.animatable:
            return False
        curve = self.curve() or AnimCurve()
        if curve.key_at(float(self.frame)) is not None:
            return True  # keyed here already (re-keying would only drop its Bezier handles)
        key = Keyframe(float(self.frame), self.value(), self._interp_for_new_key(curve))
        return self._guarded(lambda: self._perform(curve.with_key(key), False))

    def delete_key(self) -> bool:
        """Remove the key at the current frame (the last key leaves its value as a constant)."""
        return self._guarded(lambda: self.node.remove_keyframe(self.name, self.frame))

    def delete_animation(self) -> bool:
        """Replace the curve by its value at the current frame, as Nuke's "No animation"."""
        if self.curve() is None:
            return False
        value = self.value()
        return self._guarded(lambda: self.node.set(self.name, value))

    def reset(self) -> bool:
        """Back to the declared default, animation removed (Nuke's "Set to default")."""
        if self.curve() is None and self.node[self.name] == self.param.default:
            return True
        return self._guarded(lambda: self.node.set(self.name, self.param.default))

    def set_interp(self, interp: Interp) -> bool:
        """Change how the curve leaves the key at the current frame."""
        curve = self.curve()
        key = curve.key_at(float(self.frame)) if curve else None
        if curve is None or key is None:
            self.session.report(f"{self.node.name}.{self.name} has no key at frame {self.frame}", "warning")
            return False
        if key.interp is interp:
            return True
        changed = replace(key, interp=interp)  # the handles stay for a later switch back to Bezier
        return self._guarded(lambda: self._perform(curve.with_key(changed), False))

    # --- helpers ---------------------------------------------------------------------------------

    def _interp_for_new_key(self, curve: AnimCurve) -> Interp:
        """A re-keyed frame keeps its interpolation; a new key continues the segment it splits."""
        frame = float(self.frame)
        existing = curve.key_at(frame)
        if existing is not None:
            return existing.interp
        before = [k for k in curve.keys if k.frame < frame]
        return before[-1].interp if before else (curve.keys[0].interp if curve.keys else Interp.LINEAR)

    def _perform(self, stored: Any, merge: bool) -> None:
        """Record a SetParam of a coerced constant or a curve, as ``node.set(merge=True)`` does,
        but merging only within one drag: the merge key carries the drag's number (node.set's
        key is the parameter alone, which folds two drags in a row into one step, and
        node.set_keyframe does not merge at all)."""
        if self.node.graph is None:
            raise FilmStudioError(f"{self.node.name} is not in a graph")
        command = SetParam(self.node.uuid, self.name, stored, merge=merge)
        if merge:
            command.merge_key = ("param", self.name, self._drag)
        self.node.graph.perform(command)

    def _guarded(self, edit: Any) -> bool:
        return self.session.attempt(self.node, edit)


def key_frames(node: NodeInstance) -> list[float]:
    """Every keyed frame of any parameter of ``node``, sorted (for prev/next key navigation)."""
    frames: set[float] = set()
    for param in node.type.params:
        curve = node.animation(param.name)
        if curve is not None:
            frames.update(curve.frames)
    return sorted(frames)
