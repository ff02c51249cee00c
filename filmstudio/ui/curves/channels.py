"""What the curve editor draws for a node: one channel per component of each animated parameter
(a colour's r, g, b, a; a vector's x, y...), each with its channel colour, and the references to
keys its selection holds. Plain values, no widgets.
"""

from __future__ import annotations

from dataclasses import dataclass

from filmstudio.core.graph import NodeInstance
from filmstudio.core.params import Param, ParamKind

# Channel colours as in Nuke and Resolve: x/r red, y/g green, z/b blue, w/a grey.
COMPONENT_COLOURS = ("#e35d5a", "#62c46c", "#5b93ea", "#bdbdbd")
# Numbers (one curve per parameter) take these in turn, so two scalars never share a colour
# (orange is the playhead's).
SCALAR_COLOURS = ("#d9c24a", "#4fc9c9", "#c27de0", "#e66f9e", "#9ccf55", "#c8a27a")


@dataclass(frozen=True)
class Channel:
    """One drawn curve: component ``component`` of parameter ``param`` (0 for numbers)."""

    param: str
    component: int
    label: str
    colour: str

    @property
    def id(self) -> tuple[str, int]:
        return (self.param, self.component)


@dataclass(frozen=True)
class KeyRef:
    """One key as the editor shows it: the key of ``param`` at ``frame``, on the curve of one
    component. (Components of a vector share their keys' frames: moving one in time moves the
    key of every component; its value moves only on the curves that are selected.)"""

    param: str
    component: int
    frame: float

    @property
    def channel(self) -> tuple[str, int]:
        return (self.param, self.component)


def component_names(param: Param) -> tuple[str, ...]:
    """Names of a parameter's components ("" for a number)."""
    if param.kind is ParamKind.COLOR or (param.kind is ParamKind.VECTOR and param.grade_of):
        return ("r", "g", "b", "a")[: param.size]
    if param.kind is ParamKind.VECTOR:
        return ("x", "y", "z", "w")[: param.size] if param.size <= 4 else tuple(map(str, range(param.size)))
    return ("",)


def channels_of(node: NodeInstance | None) -> list[Channel]:
    """The channels of ``node``'s animated parameters, in declaration order."""
    if node is None:
        return []
    found: list[Channel] = []
    scalars = 0
    for param in node.type.params:
        if node.animation(param.name) is None:
            continue
        names = component_names(param)
        if names == ("",):
            colour = SCALAR_COLOURS[scalars % len(SCALAR_COLOURS)]
            scalars += 1
            found.append(Channel(param.name, 0, param.display_name, colour))
            continue
        for index, name in enumerate(names):
            colour = COMPONENT_COLOURS[index % len(COMPONENT_COLOURS)]
            found.append(Channel(param.name, index, f"{param.display_name} {name}", colour))
    return found
