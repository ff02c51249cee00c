"""Footage read straight into the working space, as a Read shows it.

For movies of 8 or more bits without alpha, the clip's decoded codes go through the input
transform compiled for codes (:mod:`filmstudio.colour.decode`: a lookup per code, then the
conversion's matrix), in one pass from the reader's array to float RGBA: the same values as
converting the float image (to float32 rounding), without a float power per pixel. Everything else
(stills, sequences, alpha, float footage, transforms that are not curves and a matrix) is read as a
float image and converted with :func:`~filmstudio.colour.conversions.to_working`.
"""

from __future__ import annotations

from typing import Any

from filmstudio.media.reader import VideoReader


def read_working(clip: Any, number: int, missing: str, space: Any) -> Any:
    """Clip frame ``number`` of ``clip`` (:class:`~filmstudio.media.pool.Clip`) in the working
    space, from footage encoded in ``space``: a new float32 ``[4, H, W]`` premultiplied RGBA
    tensor on the CPU. ``missing`` is the sequence policy (as :meth:`Clip.read_tensor`)."""
    from filmstudio.colour.conversions import conversion, to_working
    from filmstudio.colour.decode import decode_for
    from filmstudio.colour.spaces import working_space

    source = clip.source
    if isinstance(source, VideoReader) and not (source.layout.has_alpha or source.layout.is_float):
        pipeline = conversion(space, working_space())
        if pipeline.identity:
            return clip.read_tensor(number, missing)
        decode = decode_for(pipeline, 8 if source.layout.dtype == "uint8" else 16)
        if decode is not None:
            array = source.read(number - clip.first)
            return decode.apply([array[..., channel] for channel in range(3)])
    return to_working(clip.read_tensor(number, missing), space)
