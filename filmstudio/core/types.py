"""Port data types and which of them may be linked.

What flows on each type (see the design map, "Data that flows"):

=========  ===================================================================================
Image      torch tensor ``[C, H, W]`` float, RGBA premultiplied, working colour space
Mask       torch tensor ``[1, H, W]`` float in 0..1
Track      a ``TrackSet`` (core/track.py): named tracks, per-frame positions, corners, confidence
Script     a parsed screenplay (scenes, shots, dialogue)
Subtitles  cues on project frames (``filmstudio.subtitles.Subtitles``): start, end, lines, speaker
Latent     a ``Latent`` (models/gan_latent.py): Z, W or W+ values and the model they belong to
Audio      an ``Audio`` (audio/clip.py): sound placed in project time, rendered by sample range
Number     a float
Vector     a tuple of floats
Any        whatever the upstream output carries (Dot, Switch); resolved through the graph
=========  ===================================================================================
"""

from __future__ import annotations

import enum


class PortType(enum.Enum):
    IMAGE = "Image"
    MASK = "Mask"
    TRACK = "Track"
    SCRIPT = "Script"
    SUBTITLES = "Subtitles"
    LATENT = "Latent"
    AUDIO = "Audio"
    NUMBER = "Number"
    VECTOR = "Vector"
    ANY = "Any"

    def __str__(self) -> str:
        return self.value


# Links allowed between different types: (output type, input type). The conversion happens at the
# receiving node's boundary (an Image feeding a Mask input gives its alpha; a Mask feeding an Image
# input is a grey image; a Number feeding a Vector input is broadcast).
_CONVERSIONS: frozenset[tuple[PortType, PortType]] = frozenset(
    {
        (PortType.IMAGE, PortType.MASK),
        (PortType.MASK, PortType.IMAGE),
        (PortType.NUMBER, PortType.VECTOR),
    }
)


def can_link(output_type: PortType, input_type: PortType) -> bool:
    """Whether an output of ``output_type`` may feed an input of ``input_type``."""
    if PortType.ANY in (output_type, input_type):
        return True
    return output_type is input_type or (output_type, input_type) in _CONVERSIONS


def compatible_inputs(output_type: PortType) -> frozenset[PortType]:
    """Every input type an output of ``output_type`` may feed (for highlighting while dragging)."""
    return frozenset(t for t in PortType if can_link(output_type, t))
