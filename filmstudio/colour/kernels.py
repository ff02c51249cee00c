"""Compiled per-pixel loops for fused colour (:mod:`filmstudio.colour.fused`), via numba.

Each kernel reads three code planes (R, G, B: ``HxW`` uint8 or uint16 arrays, any strides, e.g. the
planes of a ``gbrp`` frame or the channels of a packed array) and writes three uint8 planes, in one
pass over the pixels with no temporaries: at 1080p a few milliseconds where the same maths as torch
or numpy operations costs tens (each of them a full pass over memory). Kernels release the GIL, so
frames are converted on worker threads alongside decoding and encoding.

numba is imported, and the kernels compiled, on first use (about two seconds once; numba caches the
compiled code on disk for later processes).

Output quantisation, for every kernel: a value ``v`` (0..1 is black..white) becomes
``floor(clamp(v * 255 + 0.5, 0, 255))``; after trailing curves (``post``) it is the code the curve
gives at the centre of the value's float32 bucket (its bits ``>> POST_SHIFT``).
"""

from __future__ import annotations

import functools
from typing import Any

POST_SHIFT = 13  # float32 bits >> 13 keep sign, exponent and 10 mantissa bits: 2**19 buckets


@functools.cache
def kernels() -> Any:
    """The compiled kernels (a namespace with ``table``, ``affine``, ``lattice`` and ``decode``)."""
    import types

    import numba
    import numpy as np

    jit = numba.njit(nogil=True, cache=True, fastmath=True)
    shift = POST_SHIFT

    @jit
    def quantise(value: float) -> Any:  # pragma: no cover - compiled
        scaled = value * 255.0 + 0.5
        if scaled <= 0.0:  # also NaN
            return np.uint8(0)
        if scaled >= 255.0:
            return np.uint8(255)
        return np.uint8(int(scaled))

    @jit
    def encode_row(values, target, channel: int, post, has_post: bool) -> None:  # pragma: no cover
        """A row of one channel's float results into 8-bit codes: a loop of its own, so the
        quantising runs vectorised and the bucket lookups back to back."""
        if has_post:
            bits = values.view(np.uint32)
            table = post[channel]
            for x in range(len(values)):
                target[x] = table[bits[x] >> shift]
        else:
            for x in range(len(values)):
                target[x] = quantise(values[x])

    @jit
    def table(r, g, b, out_r, out_g, out_b, codes):  # pragma: no cover - compiled
        """Per channel, one lookup: ``codes[c, input code]``."""
        height, width = r.shape
        for y in range(height):
            for x in range(width):
                out_r[y, x] = codes[0, r[y, x]]
                out_g[y, x] = codes[1, g[y, x]]
                out_b[y, x] = codes[2, b[y, x]]

    @jit
    def affine(r, g, b, out_r, out_g, out_b, pre, matrix, post, has_post):  # pragma: no cover
        """Leading curves by lookup, one matrix, trailing curves by float-bucket lookup. A row at
        a time, each step in a loop of its own: the matrix then runs on whole rows (vectorised),
        apart from the lookups (a third faster than pixel by pixel at 1080p)."""
        height, width = r.shape
        m = matrix
        vr = np.empty(width, np.float32)
        vg = np.empty(width, np.float32)
        vb = np.empty(width, np.float32)
        mixed = np.empty(width, np.float32)
        for y in range(height):
            row_r, row_g, row_b = r[y], g[y], b[y]
            for x in range(width):
                vr[x] = pre[0, row_r[x]]
            for x in range(width):
                vg[x] = pre[1, row_g[x]]
            for x in range(width):
                vb[x] = pre[2, row_b[x]]
            for channel in range(3):
                m0, m1, m2, m3 = m[channel, 0], m[channel, 1], m[channel, 2], m[channel, 3]
                for x in range(width):
                    mixed[x] = m0 * vr[x] + m1 * vg[x] + m2 * vb[x] + m3
                target = out_r[y] if channel == 0 else out_g[y] if channel == 1 else out_b[y]
                encode_row(mixed, target, channel, post, has_post)

    @jit
    def lattice(r, g, b, out_r, out_g, out_b, cell, frac, lut, size, post, has_post):  # pragma: no cover
        """A 3D LUT (``lut``: flat, red slowest, blue fastest, 3 floats per node) with tetrahedral
        interpolation; ``cell``/``frac``: per channel and input code, the cell and the fraction.
        A row of values at a time, then each channel's codes (:func:`encode_row`)."""
        height, width = r.shape
        step_r, step_g, step_b = size * size * 3, size * 3, 3
        values = np.empty((3, width), np.float32)
        for y in range(height):
            row_r, row_g, row_b = r[y], g[y], b[y]
            for x in range(width):
                cr, cg, cb = row_r[x], row_g[x], row_b[x]
                fr, fg, fb = frac[0, cr], frac[1, cg], frac[2, cb]
                base = cell[0, cr] * step_r + cell[1, cg] * step_g + cell[2, cb] * step_b
                # Walk from the cell's low corner towards the opposite one along the axes in order
                # of decreasing fraction (ties: red first, blue last, so the two steps differ).
                # Branch-free: on noisy footage the six cases are unpredictable (2x slower).
                rg, rb, gb = np.int64(fr >= fg), np.int64(fr >= fb), np.int64(fg >= fb)
                r_max = rg * rb
                g_max = (1 - r_max) * gb
                b_min = gb * rb
                g_min = (1 - b_min) * rg
                first = r_max * step_r + g_max * step_g + (1 - r_max - g_max) * step_b
                last = (1 - b_min - g_min) * step_r + g_min * step_g + b_min * step_b
                high, low = max(fr, max(fg, fb)), min(fr, min(fg, fb))
                middle = fr + fg + fb - high - low
                one = base + first
                end = base + step_r + step_g + step_b
                two = end - last
                w0, w1, w2, w3 = np.float32(1.0) - high, high - middle, middle - low, low
                values[0, x] = lut[base] * w0 + lut[one] * w1 + lut[two] * w2 + lut[end] * w3
                values[1, x] = lut[base + 1] * w0 + lut[one + 1] * w1 + lut[two + 1] * w2 + lut[end + 1] * w3
                values[2, x] = lut[base + 2] * w0 + lut[one + 2] * w1 + lut[two + 2] * w2 + lut[end + 2] * w3
            encode_row(values[0], out_r[y], 0, post, has_post)
            encode_row(values[1], out_g[y], 1, post, has_post)
            encode_row(values[2], out_b[y], 2, post, has_post)

    @jit
    def decode(r, g, b, out, pre, matrix, has_matrix):  # pragma: no cover - compiled
        """Codes to float32 RGBA ``out`` ``[4, H, W]``: a lookup per code, then a matrix (when
        ``has_matrix``); alpha 1."""
        height, width = r.shape
        m = matrix
        for y in range(height):
            for x in range(width):
                vr, vg, vb = pre[0, r[y, x]], pre[1, g[y, x]], pre[2, b[y, x]]
                if has_matrix:
                    out[0, y, x] = m[0, 0] * vr + m[0, 1] * vg + m[0, 2] * vb + m[0, 3]
                    out[1, y, x] = m[1, 0] * vr + m[1, 1] * vg + m[1, 2] * vb + m[1, 3]
                    out[2, y, x] = m[2, 0] * vr + m[2, 1] * vg + m[2, 2] * vb + m[2, 3]
                else:
                    out[0, y, x], out[1, y, x], out[2, y, x] = vr, vg, vb
                out[3, y, x] = 1.0

    return types.SimpleNamespace(table=table, affine=affine, lattice=lattice, decode=decode)
