"""OCIO's ops as torch functions, so colour conversions run on the frame's device.

:class:`TorchOp` callables for matrices, exponents (with and without a linear segment), ranges,
logs, ASC CDLs and 1D/3D LUTs; :mod:`.compiler` builds them from an optimized OCIO processor.

Every op takes straight (un-premultiplied) float32 RGB ``[3, ...]`` on any device and returns a
new tensor, never writing into its input; ``apply_`` may convert a tensor the caller hands over in
place, and ``into`` writes the result into a given tensor (a pipeline's intermediates and output).
Formulas follow OCIO's CPU renderer in its precise mode (the sRGB-style curves compute ``x ** g``
as ``exp(g * log(x))``, within 1e-6 of it); tests/colour compare every op with it. Ops are
immutable and may be shared between threads.
"""

from __future__ import annotations

import math
from typing import Any

from filmstudio.colour.lut import Lut1D, Lut3D

FLT_MIN = 1.17549435e-38  # OCIO clamps log inputs to the smallest normal float
REC709_LUMA = (0.2126, 0.7152, 0.0722)  # the ASC CDL's saturation weights


def _torch() -> Any:
    import torch

    return torch


def column(values: tuple[float, ...], like: Any) -> Any:
    """A per-channel constant as a ``[3, 1, 1...]`` tensor broadcasting against ``like``."""
    torch = _torch()
    shape = (3,) + (1,) * (like.dim() - 1)
    return torch.tensor(values, dtype=like.dtype, device=like.device).view(shape)


class TorchOp:
    """One colour op on straight RGB. ``linear`` ops (matrices without offset) may also be applied
    to premultiplied colour unchanged; ``lut`` ops are faster through OCIO on the CPU."""

    linear = False
    lut = False

    def __call__(self, rgb: Any) -> Any:
        raise NotImplementedError

    def apply_(self, rgb: Any) -> Any:
        """The op on ``rgb``, which the caller hands over: ops that can write into it do (fewer
        passes over memory on the CPU). Returns the result, which may be ``rgb`` itself."""
        return self(rgb)

    def into(self, rgb: Any, out: Any, owned: bool = False) -> Any:
        """Write the result into ``out`` (same shape, any layout, not overlapping ``rgb``);
        ``owned``: ``rgb`` may be written to. Returns ``out``."""
        return out.copy_(self.apply_(rgb) if owned else self(rgb))


class MatrixOp(TorchOp):
    def __init__(self, matrix: tuple[tuple[float, ...], ...], offset: tuple[float, ...]) -> None:
        self.matrix, self.offset = matrix, offset
        self.linear = not any(offset)

    def __call__(self, rgb: Any) -> Any:
        torch = _torch()
        if not _viewable_flat(rgb):  # a channel-first view of a batch: no copy to flatten it
            return self.into(rgb, torch.empty(rgb.shape, dtype=rgb.dtype, device=rgb.device))
        flat = rgb.view(3, -1)
        matrix = torch.tensor(self.matrix, dtype=rgb.dtype, device=rgb.device)
        if self.linear:
            return (matrix @ flat).view(rgb.shape)
        offset = torch.tensor(self.offset, dtype=rgb.dtype, device=rgb.device).view(3, 1)
        return torch.addmm(offset, matrix, flat).view(rgb.shape)

    def into(self, rgb: Any, out: Any, owned: bool = False) -> Any:
        """No copy of a channel-first view: a batch ``[3, N, ...]`` seen through ``[N, 3, ...]``
        tensors is multiplied as it lies, one matrix product; anything else channel by channel."""
        torch = _torch()
        batch, result = _batch_view(rgb), _batch_view(out)
        if batch is not None and result is not None and self.linear:
            matrix = torch.tensor(self.matrix, dtype=rgb.dtype, device=rgb.device)
            torch.matmul(matrix, batch, out=result)
            return out
        for channel, (row, offset) in enumerate(zip(self.matrix, self.offset, strict=True)):
            target = torch.mul(rgb[0], row[0], out=out[channel])
            target.add_(rgb[1], alpha=row[1]).add_(rgb[2], alpha=row[2])
            if offset:
                target.add_(offset)
        return out


def _batch_view(rgb: Any) -> Any | None:
    """``rgb`` ``[3, N, ...]`` as the ``[N, 3, n]`` view of the batch it transposes, or None."""
    if rgb.dim() < 3:
        return None
    try:
        return rgb.transpose(0, 1).view(rgb.shape[1], 3, -1)
    except RuntimeError:
        return None


def _viewable_flat(rgb: Any) -> bool:
    """Whether ``rgb`` ``[3, ...]`` flattens to ``[3, n]`` as a view."""
    try:
        rgb.view(3, -1)
    except RuntimeError:
        return False
    return True


class ExponentOp(TorchOp):
    """``x ** value`` per channel; negatives clamped to 0, mirrored or passed through."""

    def __init__(self, values: tuple[float, ...], style: str) -> None:
        self.values, self.style = values, style

    def __call__(self, rgb: Any) -> Any:
        return signed_power(rgb, column(self.values, rgb), self.style)


def signed_power(x: Any, exponent: Any, style: str) -> Any:
    """``x ** exponent`` with OCIO's negative styles: clamp, mirror or pass (x unchanged)."""
    torch = _torch()
    if style == "clamp":
        return x.clamp_min(0.0).pow(exponent)
    if style == "mirror":
        return x.abs().pow(exponent) * x.sign()
    return torch.where(x > 0, x.clamp_min(0.0).pow(exponent), x)


class ExponentWithLinearOp(TorchOp):
    """A power curve with a linear toe (sRGB, L*): OCIO's ExponentWithLinearTransform.

    Forward (encoded -> linear): ``((x + offset) / (1 + offset)) ** gamma`` above the break
    ``offset / (gamma - 1)``, a line through 0 below it, continuous at the break."""

    def __init__(
        self, gamma: tuple[float, ...], offset: tuple[float, ...], mirror: bool, inverse: bool
    ) -> None:
        self.gamma, self.offset, self.mirror, self.inverse = gamma, offset, mirror, inverse
        breaks, slopes = [], []
        for g, a in zip(gamma, offset, strict=True):
            x_break = a / (g - 1.0)
            breaks.append(x_break)
            slopes.append(((x_break + a) / (1.0 + a)) ** g / x_break)
        self.x_break, self.slope = tuple(breaks), tuple(slopes)
        self.y_break = tuple(b * s for b, s in zip(breaks, slopes, strict=True))
        self.scalar = _uniform(gamma, offset, self.slope, self.x_break)

    def __call__(self, rgb: Any) -> Any:
        if self.scalar:
            return self.apply_(rgb.clone())
        torch = _torch()
        x = rgb.abs() if self.mirror else rgb
        gamma, offset, slope = (column(v, rgb) for v in (self.gamma, self.offset, self.slope))
        if self.inverse:
            y_break = column(self.y_break, rgb)
            curve = (1.0 + offset) * x.clamp_min(0.0).pow(1.0 / gamma) - offset
            out = torch.where(x >= y_break, curve, x / slope)
        else:
            x_break = column(self.x_break, rgb)
            curve = ((x.clamp_min(0.0) + offset) / (1.0 + offset)).pow(gamma)
            out = torch.where(x >= x_break, curve, x * slope)
        return out * rgb.sign() if self.mirror else out

    def apply_(self, rgb: Any) -> Any:
        """One curve for all three channels (sRGB, Rec.709), in place: scalar maths, few passes
        (on small frames each pass costs more than its arithmetic).

        The toe and the curve as a sum, not a select: the curve part is 0 below the break and the
        toe holds the break's value above it, so ``out = (curve(max(x, b)) - curve(b)) +
        min(x, b) * slope``. ``x ** g`` as ``exp(g * log(x))``: torch's pow with a float exponent
        is several times slower on the CPU than the two vectorised ops, which agree with it to
        ~1e-7 relative."""
        if not self.scalar:
            return self(rgb)
        gamma, offset, slope = self.gamma[0], self.offset[0], self.slope[0]
        x_break, y_break = self.x_break[0], self.y_break[0]
        sign = rgb.sign() if self.mirror else None
        x = rgb.abs_() if self.mirror else rgb
        if self.inverse:  # linear -> encoded: (1 + a) * x ** (1 / g) - a, the toe x / slope
            toe = x.clamp_max(y_break).div_(slope)
            curve = x.clamp_min_(y_break).log_().mul_(1.0 / gamma).exp_().mul_(1.0 + offset)
            out = curve.sub_(offset + x_break).add_(toe)
        else:  # encoded -> linear: ((x + a) / (1 + a)) ** g, the toe x * slope
            scale = 1.0 / (1.0 + offset)
            toe = x.clamp_max(x_break).mul_(slope)
            curve = x.clamp_min_(x_break).mul_(scale).add_(offset * scale).log_().mul_(gamma).exp_()
            out = curve.sub_(y_break).add_(toe)
        return out.mul_(sign) if sign is not None else out


def _uniform(*values: tuple[float, ...]) -> bool:
    """Whether each of ``values`` has the same number for every channel."""
    return all(len(set(channels)) == 1 for channels in values)


class RangeOp(TorchOp):
    """``x * scale + offset``, clamped to the output range where the range says so."""

    def __init__(self, scale: float, offset: float, low: float | None, high: float | None) -> None:
        self.scale, self.offset, self.low, self.high = scale, offset, low, high

    def __call__(self, rgb: Any) -> Any:
        out = rgb * self.scale + self.offset if (self.scale, self.offset) != (1.0, 0.0) else rgb.clone()
        if self.low is not None or self.high is not None:
            out = out.clamp(self.low, self.high)
        return out


class LogOp(TorchOp):
    """OCIO's LogCameraTransform (and LogAffine/Log as its special cases), either direction:
    ``log_slope * log_base(lin_slope * x + lin_offset) + log_offset``, with an optional linear
    segment below ``lin_break`` that continues the curve's value (and slope, unless given)."""

    def __init__(
        self,
        base: float,
        log_slope: tuple[float, ...],
        log_offset: tuple[float, ...],
        lin_slope: tuple[float, ...],
        lin_offset: tuple[float, ...],
        inverse: bool,
        lin_break: tuple[float, ...] | None = None,
        linear_slope: tuple[float, ...] | None = None,
    ) -> None:
        self.base, self.inverse = base, inverse
        self.log_slope, self.log_offset = log_slope, log_offset
        self.lin_slope, self.lin_offset = lin_slope, lin_offset
        self.lin_break = lin_break
        self.toe: tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]] | None = None
        if lin_break is not None:
            ln_base = math.log(base)
            slopes, offsets, log_breaks = [], [], []
            for c in range(3):
                inner = lin_slope[c] * lin_break[c] + lin_offset[c]
                log_break = log_slope[c] * math.log(max(inner, FLT_MIN)) / ln_base + log_offset[c]
                slope = linear_slope[c] if linear_slope else log_slope[c] * lin_slope[c] / (inner * ln_base)
                slopes.append(slope)
                offsets.append(log_break - slope * lin_break[c])
                log_breaks.append(log_break)
            self.toe = (tuple(slopes), tuple(offsets), tuple(log_breaks))

    def __call__(self, rgb: Any) -> Any:
        torch = _torch()
        log_slope, log_offset = column(self.log_slope, rgb), column(self.log_offset, rgb)
        lin_slope, lin_offset = column(self.lin_slope, rgb), column(self.lin_offset, rgb)
        ln_base = math.log(self.base)
        if self.inverse:
            curve = (torch.exp((rgb - log_offset) / log_slope * ln_base) - lin_offset) / lin_slope
            if self.toe is None:
                return curve
            slope, offset, log_break = (column(v, rgb) for v in self.toe)
            return torch.where(rgb >= log_break, curve, (rgb - offset) / slope)
        inner = (rgb * lin_slope + lin_offset).clamp_min(FLT_MIN)
        curve = torch.log(inner) * (log_slope / ln_base) + log_offset
        if self.toe is None or self.lin_break is None:
            return curve
        slope, offset, _ = (column(v, rgb) for v in self.toe)
        return torch.where(rgb >= column(self.lin_break, rgb), curve, rgb * slope + offset)


class CDLOp(TorchOp):
    """ASC CDL: slope, offset, power, then saturation with Rec.709 luma weights. ``clamp`` is the
    ASC style (0..1 after SOP and after saturation); otherwise negatives skip the power."""

    def __init__(
        self,
        slope: tuple[float, ...],
        offset: tuple[float, ...],
        power: tuple[float, ...],
        saturation: float,
        clamp: bool,
    ) -> None:
        self.slope, self.offset, self.power = slope, offset, power
        self.saturation, self.clamp = saturation, clamp

    def __call__(self, rgb: Any) -> Any:
        return apply_cdl(rgb, self.slope, self.offset, self.power, self.saturation, self.clamp)


def apply_cdl(
    rgb: Any,
    slope: tuple[float, ...],
    offset: tuple[float, ...],
    power: tuple[float, ...],
    saturation: float,
    clamp: bool,
    contrast: float = 1.0,
    pivot: float = 0.18,
) -> Any:
    """The ASC CDL on straight RGB ``[3, ...]``, with an optional contrast around ``pivot`` between
    the power and the saturation (``pivot * (x / pivot) ** contrast``; negatives unchanged)."""
    torch = _torch()
    out = torch.addcmul(column(offset, rgb), rgb, column(slope, rgb))
    if clamp:
        out = out.clamp_(0.0, 1.0)
    if contrast != 1.0 or any(p != 1.0 for p in power):
        # power then contrast, in one pass: pivot * (x**p / pivot)**c == x**(p*c) * pivot**(1-c);
        # negatives pass unchanged (the CDL's no-clamp style)
        exponent = column(tuple(p * contrast for p in power), rgb)
        powered = out.clamp_min(0.0).pow_(exponent)
        if contrast != 1.0:
            powered.mul_(pivot ** (1.0 - contrast))
        out = torch.where(out > 0, powered, out, out=powered)
        if clamp and contrast != 1.0:
            out = out.clamp_(0.0, 1.0)
    if saturation != 1.0:
        weights = column(REC709_LUMA, rgb)
        luma = (out * weights).sum(0, keepdim=True)
        out = torch.lerp(luma.expand_as(out), out, saturation, out=out)
    if clamp:
        out = out.clamp_(0.0, 1.0)
    return out


class LutOp(TorchOp):
    lut = True

    def __init__(self, table: Lut1D | Lut3D) -> None:
        self.table = table

    def __call__(self, rgb: Any) -> Any:
        return self.table.apply(rgb)
