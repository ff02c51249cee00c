"""A reader's input transform compiled for integer codes: decoded footage to the working space
without a float power per pixel.

Most input transforms are curves per channel (the Rec.709 or sRGB decode, a log curve) followed by
a matrix into the working space. For 8-bit footage the curve has 256 possible results per channel
and for 16-bit 65536: :func:`compile_decode` computes them once, exactly (the same torch ops on the
same values), and :meth:`WorkingDecode.apply` looks each code up and applies the matrix, writing
float32 RGBA in one pass (about 8 ms a 1080p frame instead of 150 for the float path). Transforms of
another shape (an OCIO-only conversion, a 3D LUT) give None: the caller converts in float.

Thread-safe; compiled transforms are kept per (conversion, depth) by :func:`decode_for`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from filmstudio.colour.fusion import Affine, ColourFunction, Curve
from filmstudio.colour.kernels import kernels
from filmstudio.core.memo import IdentityMemo


@dataclass(frozen=True, eq=False)
class WorkingDecode:
    """Codes -> working space: ``pre`` float32 ``[3, codes]`` (the curves' exact results), then
    ``matrix`` float32 ``[3, 4]`` (None: no matrix)."""

    pre: np.ndarray
    matrix: np.ndarray | None

    def apply(self, planes: Sequence[np.ndarray]) -> Any:
        """R, G, B code planes (``HxW`` uint8/uint16 views, any strides) -> a new float32
        ``[4, H, W]`` RGBA tensor (alpha 1) in the working space. Releases the GIL."""
        import torch

        red, green, blue = planes
        out = torch.empty((4, *red.shape), dtype=torch.float32)
        matrix = self.matrix if self.matrix is not None else _NO_MATRIX
        kernels().decode(red, green, blue, out.numpy(), self.pre, matrix, self.matrix is not None)
        return out


_NO_MATRIX = np.zeros((3, 4), np.float32)


def compile_decode(function: ColourFunction, input_bits: int) -> WorkingDecode | None:
    """``function`` for ``input_bits``-bit codes (8 or 16) when it is curves then at most one
    matrix (neighbouring matrices multiplied); None for any other shape."""
    import torch

    stages = list(function.stages)
    lead = 0
    while lead < len(stages) and isinstance(stages[lead], Curve):
        lead += 1
    rest = stages[lead:]
    if not all(isinstance(stage, Affine) for stage in rest) or input_bits not in (8, 16):
        return None
    top = (1 << input_bits) - 1
    codes = (torch.arange(top + 1, dtype=torch.float64) / top).to(torch.float32).expand(3, -1).contiguous()
    pre = ColourFunction(tuple(stages[:lead])).apply(codes).numpy().astype(np.float32)
    if not rest:
        return WorkingDecode(pre, None)
    matrix = rest[0]
    for later in rest[1:]:
        matrix = matrix.then(later)  # type: ignore[union-attr]
    rows = np.array(matrix.matrix, np.float32)  # type: ignore[union-attr]
    offset = np.array(matrix.offset, np.float32)[:, None]  # type: ignore[union-attr]
    return WorkingDecode(pre, np.ascontiguousarray(np.concatenate([rows, offset], axis=1)))


_compiled = IdentityMemo(16)  # per cached pipeline and input bit depth


def decode_for(pipeline: Any, input_bits: int) -> WorkingDecode | None:
    """The compiled decode of a conversion to the working space (a cached
    :class:`~filmstudio.colour.pipeline.Pipeline`), remembered with it for the 16 latest."""
    return _compiled.get(
        pipeline, input_bits, lambda p: compile_decode(ColourFunction.of_pipeline(p), input_bits)
    )
