"""Conversions between linkable port types, applied where a value enters the receiving node.

Image -> Mask takes the alpha channel; Mask -> Image is a grey, opaque-where-white RGBA image
(``[m, m, m, m]``, premultiplied); Number -> Vector is left to the node (a number broadcasts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from filmstudio.core.types import PortType


def image_to_mask(value: Any) -> Any:
    if value is None or value.shape[0] == 1:
        return value
    return value[3:4] if value.shape[0] == 4 else value.mean(0, keepdim=True)


def mask_to_image(value: Any) -> Any:
    if value is None or value.shape[0] != 1:
        return value
    return value.expand(4, -1, -1)


_CONVERTERS: dict[tuple[PortType, PortType], Callable[[Any], Any]] = {
    (PortType.IMAGE, PortType.MASK): image_to_mask,
    (PortType.MASK, PortType.IMAGE): mask_to_image,
}


def converter(carried: PortType, wanted: PortType) -> Callable[[Any], Any] | None:
    """The function that turns a ``carried`` value into a ``wanted`` one, or None if none is needed.
    An Any output (Dot, Switch) carries whatever reaches it, so its values are checked by shape."""
    if carried is wanted:
        return None
    if carried is PortType.ANY and wanted in (PortType.IMAGE, PortType.MASK):
        return mask_to_image if wanted is PortType.IMAGE else image_to_mask
    return _CONVERTERS.get((carried, wanted))
