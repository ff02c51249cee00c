"""A run of per-pixel colour functions compiled into one operation: integer codes in, 8-bit codes out.

:func:`compile_fused` takes the :class:`~filmstudio.colour.fusion.ColourFunction` of a whole run (a
Read's input transform, grades, LUTs, a Write's output transform) and the input's code depth, and
picks the cheapest exact form:

* ``table`` — every stage works per channel: one lookup per channel and input code (256 entries for
  8-bit input, 65536 for 16-bit), holding the exact result.
* ``affine`` — leading curves, one matrix (all matrices between multiplied into one), trailing
  curves: a lookup per input code (the decode curve is a lookup, not a pow), the matrix, and a
  lookup per float32 bucket of the result (bits ``>> 13``: relative width 2**-10) for the trailing
  curves, e.g. the display encoding.
* ``lut`` — anything else: a 3D LUT over the input codes of all but the trailing curves, baked from
  the exact chain and applied with tetrahedral interpolation, then the trailing curves as above.
  The smallest lattice (33 or 65 nodes a side) whose error passes the check below is used.

Every compiled form is checked against the exact chain (:meth:`ColourFunction.apply`) on a cube of
input colours (every third 8-bit code of each channel, 636,056 colours) before it is used: the float
result may differ from the exact one by at most :data:`TOLERANCE` (0.5/255) once both are clamped to
0..1, so the 8-bit codes written differ by at most one. A chain that fails the check (a curve so steep
near a clamp that no lattice interpolates it: a negative offset in linear light before a gamma
encode) raises :class:`NotFusable`, and the caller evaluates it exactly instead.

Compiling takes 0.1-1 s; a :class:`FusedColour` is immutable and may be used by many threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from filmstudio.colour.fusion import Affine, ColourFunction, Curve, Stage
from filmstudio.colour.kernels import POST_SHIFT, kernels

TOLERANCE = 0.5 / 255  # most a fused result may differ from the exact chain, on 0..1 output
LATTICE_SIZES = (33, 65)
_BUCKETS = 1 << (32 - POST_SHIFT)


class NotFusable(Exception):
    """The chain cannot be compiled within :data:`TOLERANCE`; the message says why."""


@dataclass(frozen=True, eq=False)
class FusedColour:
    """A compiled chain (see the module docstring). ``max_error`` is the largest difference from the
    exact chain measured on the check cube, in 8-bit codes (0.5 at most)."""

    mode: str  # "table", "affine" or "lut"
    input_max: int  # 255 or 65535
    max_error: float
    codes: np.ndarray | None = None  # table: uint8 [3, input_max + 1]
    exact: np.ndarray | None = None  # table: float32 [3, input_max + 1] (the unrounded values)
    pre: np.ndarray | None = None  # affine: float32 [3, input_max + 1]
    matrix: np.ndarray | None = None  # affine: float32 [3, 4]
    lattice_size: int = 0  # lut: nodes a side
    lut: np.ndarray | None = None  # lut: float32 flat [size**3 * 3]
    cell: np.ndarray | None = None  # lut: int64 [3, input_max + 1]
    frac: np.ndarray | None = None  # lut: float32 [3, input_max + 1]
    post: np.ndarray | None = None  # uint8 [3, 2**19]: trailing curves per float bucket (None: none)
    post_values: np.ndarray | None = None  # float32 [3, 2**19]: the same, unrounded

    def apply(self, planes: Sequence[np.ndarray], out: Sequence[np.ndarray]) -> None:
        """Convert R, G, B code planes (``HxW`` uint8, or uint16 for ``input_max`` 65535; any
        strides) into the uint8 planes ``out``. Releases the GIL."""
        r, g, b = planes
        out_r, out_g, out_b = out
        compiled = kernels()
        post = self.post if self.post is not None else _NO_POST
        if self.mode == "table":
            compiled.table(r, g, b, out_r, out_g, out_b, self.codes)
        elif self.mode == "affine":
            compiled.affine(r, g, b, out_r, out_g, out_b, self.pre, self.matrix, post, self.post is not None)
        else:
            compiled.lattice(
                r, g, b, out_r, out_g, out_b, self.cell, self.frac, self.lut, self.lattice_size,
                post, self.post is not None,
            )  # fmt: skip

    def apply_packed(self, array: np.ndarray) -> np.ndarray:
        """A packed ``HxWx3`` code array -> a new ``HxWx3`` uint8 array."""
        out = np.empty(array.shape, np.uint8)
        self.apply([array[..., c] for c in range(3)], [out[..., c] for c in range(3)])
        return out

    def evaluate(self, codes: np.ndarray) -> np.ndarray:
        """The float result (before rounding to 8 bits) for integer ``codes`` ``[..., 3]``: what the
        kernels round, computed with numpy (for checks and tests)."""
        flat = codes.reshape(-1, 3).astype(np.int64)
        if self.mode == "table":
            assert self.exact is not None
            values = np.stack([self.exact[c][flat[:, c]] for c in range(3)], axis=1)
            return values.reshape(codes.shape)
        if self.mode == "affine":
            assert self.pre is not None and self.matrix is not None
            linear = np.stack([self.pre[c][flat[:, c]] for c in range(3)], axis=1)
            values = linear @ self.matrix[:, :3].T + self.matrix[:, 3]
        else:
            values = self._lattice_values(flat)
        return self._post_values(values.astype(np.float32)).reshape(codes.shape)

    def _lattice_values(self, flat: np.ndarray) -> np.ndarray:
        assert self.lut is not None and self.cell is not None and self.frac is not None
        size = self.lattice_size
        table = self.lut.reshape(-1, 3).astype(np.float64)
        strides = np.array([size * size, size, 1])
        cells = np.stack([self.cell[c][flat[:, c]] for c in range(3)], axis=1)
        fractions = np.stack([self.frac[c][flat[:, c]] for c in range(3)], axis=1).astype(np.float64)
        order = np.argsort(-fractions, axis=1, kind="stable")  # ties: red first, as the kernel
        ordered = np.take_along_axis(fractions, order, axis=1)
        base = cells @ strides
        first = base + strides[order[:, 0]]
        second = first + strides[order[:, 1]]
        end = base + strides.sum()
        weights = (1.0 - ordered[:, 0], ordered[:, 0] - ordered[:, 1], ordered[:, 1] - ordered[:, 2])
        values = table[base] * weights[0][:, None] + table[first] * weights[1][:, None]
        return values + table[second] * weights[2][:, None] + table[end] * ordered[:, 2:3]

    def _post_values(self, values: np.ndarray) -> np.ndarray:
        if self.post_values is None:
            return values
        buckets = values.view(np.uint32) >> POST_SHIFT
        return np.stack([self.post_values[c][buckets[:, c]] for c in range(3)], axis=1)


_NO_POST = np.zeros((3, 1), np.uint8)


def compile_fused(function: ColourFunction, input_bits: int = 8) -> FusedColour:
    """``function`` compiled for ``input_bits``-bit codes (8 or 16) and 8-bit output, checked
    against the exact chain (see the module docstring). Raises :class:`NotFusable`."""
    if input_bits not in (8, 16):
        raise NotFusable(f"{input_bits}-bit input codes: only 8 and 16 compile")
    input_max = (1 << input_bits) - 1
    stages = _merged(function.stages)
    lead = _count_curves(stages)
    trail = _count_curves(stages[::-1]) if lead < len(stages) else 0
    middle = stages[lead : len(stages) - trail]
    if not middle:
        return _table(function, input_max)  # exact at every code: nothing to check
    check = _CheckCube(function, input_max)
    post = _post_tables(stages[len(stages) - trail :]) if trail else (None, None)
    if len(middle) == 1 and isinstance(middle[0], Affine):
        return check.passed(_affine(ColourFunction(stages[:lead]), middle[0], input_max, post))
    # A lattice over what the leading curves give (they stay exact lookups) suits a middle that is
    # nearly linear in light; one over the input codes suits the rest. The first that passes wins.
    lead_function, middle_function = ColourFunction(stages[:lead]), ColourFunction(tuple(middle))
    tries = [(size, lead_function, middle_function) for size in LATTICE_SIZES if lead]
    whole = ColourFunction(stages[: len(stages) - trail])
    tries += [(size, ColourFunction(), whole) for size in LATTICE_SIZES]
    errors = []
    for size, domain, body in tries:
        try:
            return check.passed(_lattice(domain, body, size, input_max, post))
        except NotFusable as refusal:
            where = "over linear light" if domain.stages else "over codes"
            errors.append(f"{size}^3 {where}: {refusal}")
    raise NotFusable(f"no 3D LUT is close enough to the exact chain ({'; '.join(errors)})")


class _CheckCube:
    """Every third 8-bit code of each channel (as codes of ``input_max``) and the exact chain's
    result there, clamped to 0..1."""

    def __init__(self, function: ColourFunction, input_max: int) -> None:
        torch = _torch()
        steps = torch.arange(0, 256, 3, dtype=torch.int64) * (input_max // 255)
        grid = torch.stack(torch.meshgrid(steps, steps, steps, indexing="ij")).reshape(3, -1)
        self.codes = grid.t().contiguous().numpy()
        exact = function.apply((grid.to(torch.float64) / input_max).to(torch.float32))
        self.exact = torch.nan_to_num(exact, nan=0.0).clamp(0.0, 1.0).t().numpy()

    def passed(self, fused: FusedColour) -> FusedColour:
        got = np.clip(np.nan_to_num(fused.evaluate(self.codes), nan=0.0), 0.0, 1.0)
        error = float(np.abs(got - self.exact).max()) * 255.0
        if error > TOLERANCE * 255.0:
            worst = self.codes[int(np.abs(got - self.exact).max(axis=1).argmax())]
            raise NotFusable(f"{error:.2f}/255 from the exact chain at input {worst.tolist()}")
        return FusedColour(**{**fused.__dict__, "max_error": error})


def _merged(stages: Sequence[Stage]) -> tuple[Stage, ...]:
    """Neighbouring matrices as one, and matrices that cancel out (working space -> Rec.709 ->
    working space around a LUT that expects Rec.709: the same to 1e-7) left out, so the curves on
    either side meet and the lattice interpolates only what truly mixes channels."""
    out: list[Stage] = []
    for stage in stages:
        if isinstance(stage, Affine) and out and isinstance(out[-1], Affine):
            out[-1] = out[-1].then(stage)
        else:
            out.append(stage)
    return tuple(stage for stage in out if not _identity(stage))


def _identity(stage: Stage) -> bool:
    if not isinstance(stage, Affine):
        return False
    matrix = np.array(stage.matrix) - np.eye(3)
    return bool(np.abs(matrix).max() < 1e-6 and np.abs(np.array(stage.offset)).max() < 1e-7)


def _count_curves(stages: Sequence[Stage]) -> int:
    """How many stages from the start work per channel (curves, and diagonal matrices)."""
    count = 0
    while count < len(stages) and _per_channel(stages[count]):
        count += 1
    return count


def _per_channel(stage: Stage) -> bool:
    if isinstance(stage, Curve):
        return True
    return isinstance(stage, Affine) and all(
        value == 0.0
        for row, values in enumerate(stage.matrix)
        for column, value in enumerate(values)
        if row != column
    )


def _codes(input_max: int) -> Any:
    torch = _torch()
    ramp = torch.arange(input_max + 1, dtype=torch.float64) / input_max
    return ramp.to(torch.float32).expand(3, -1).contiguous()


def _table(function: ColourFunction, input_max: int) -> FusedColour:
    exact = function.apply(_codes(input_max)).numpy().astype(np.float32)
    exact = np.nan_to_num(exact, nan=0.0)
    return FusedColour("table", input_max, 0.0, codes=_rounded(exact), exact=exact)


def _rounded(values: np.ndarray) -> np.ndarray:
    """0..1 values as 8-bit codes, rounded as the kernels round (huge values are white)."""
    return np.floor(np.clip(values, -1.0, 2.0) * 255.0 + 0.5).clip(0, 255).astype(np.uint8)


def _post_tables(curves: Sequence[Stage]) -> tuple[np.ndarray, np.ndarray]:
    """The trailing curves at the centre of every float32 bucket, per channel."""
    torch = _torch()
    bits = (np.arange(_BUCKETS, dtype=np.uint64) << POST_SHIFT) | (1 << (POST_SHIFT - 1))
    centres = torch.from_numpy(bits.astype(np.uint32).view(np.float32).copy())
    centres = torch.nan_to_num(centres, nan=0.0, posinf=3.0e38, neginf=-3.0e38)
    values = ColourFunction(tuple(curves)).apply(centres.expand(3, -1).contiguous()).numpy()
    values = np.nan_to_num(values.astype(np.float32), nan=0.0)
    return _rounded(values), values


def _affine(lead: ColourFunction, matrix: Affine, input_max: int, post: tuple[Any, Any]) -> FusedColour:
    pre = lead.apply(_codes(input_max)).numpy().astype(np.float32)
    rows = np.array(matrix.matrix, np.float32)
    full = np.concatenate([rows, np.array(matrix.offset, np.float32)[:, None]], axis=1)
    fused = FusedColour(
        "affine", input_max, 0.0, pre=pre, matrix=np.ascontiguousarray(full), post=post[0],
        post_values=post[1],
    )  # fmt: skip
    return fused


def _lattice(
    domain: ColourFunction, body: ColourFunction, size: int, input_max: int, post: tuple[Any, Any]
) -> FusedColour:
    """``body`` baked on a lattice spanning, per channel, what ``domain`` gives for the input codes
    (the codes themselves when it is the identity); each code's cell and fraction are looked up."""
    torch = _torch()
    inputs = np.nan_to_num(domain.apply(_codes(input_max)).numpy().astype(np.float64), nan=0.0)
    low, high = inputs.min(axis=1), inputs.max(axis=1)
    span = np.where(high > low, high - low, 1.0)
    unit = torch.linspace(0.0, 1.0, size, dtype=torch.float64)
    axes = [(low[c] + span[c] * unit).to(torch.float32) for c in range(3)]
    nodes = torch.stack(torch.meshgrid(*axes, indexing="ij")).reshape(3, -1)  # red slowest, blue fastest
    values = np.nan_to_num(body.apply(nodes).t().contiguous().numpy().astype(np.float32), nan=0.0)
    position = np.clip((inputs - low[:, None]) / span[:, None], 0.0, 1.0) * (size - 1)
    cell = np.minimum(np.floor(position), size - 2).astype(np.int64)
    frac = (position - cell).astype(np.float32)
    return FusedColour(
        "lut", input_max, 0.0, lattice_size=size, lut=np.ascontiguousarray(values.reshape(-1)),
        cell=np.ascontiguousarray(cell), frac=np.ascontiguousarray(frac), post=post[0],
        post_values=post[1],
    )  # fmt: skip


def _torch() -> Any:
    import torch

    return torch
