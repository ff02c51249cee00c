"""Grades as ASC CDL plus extras: what the Color Corrector computes, exports and is tested against.

An artist's controls (lift/gamma/gain/offset, master and per channel, and exposure in stops) reduce
exactly to an ASC CDL (slope, offset, power, saturation)::

    slope  = 2**exposure * (gain - lift)       offset = lift + offset
    power  = 1 / gamma                         saturation

so black (0) maps to ``lift + offset`` and white (1) to ``gain + offset`` before the power. The one
extra the CDL has no place for is contrast around a pivot, applied after the power and before the
saturation: ``pivot * (x / pivot) ** contrast``. :meth:`Grade.to_ocio` builds the same grade as OCIO
transforms (a CDLTransform, or a group when there is contrast), which defines its meaning: the torch
version (:meth:`Grade.apply`) is tested against it, and :meth:`Grade.export` writes it as a
``.cc``/``.cdl`` (plain CDLs) or ``.clf``/``.ctf`` file other applications read.

Values are per RGB channel in the working colour space; frozen dataclasses, safe across threads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filmstudio.colour.config import ocio
from filmstudio.colour.ops import apply_cdl
from filmstudio.core.errors import ColourError

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class CDL:
    """An ASC Color Decision List correction: ``(x * slope + offset) ** power``, then saturation."""

    slope: RGB = (1.0, 1.0, 1.0)
    offset: RGB = (0.0, 0.0, 0.0)
    power: RGB = (1.0, 1.0, 1.0)
    saturation: float = 1.0

    def to_ocio(self, clamp: bool = False) -> Any:
        """This CDL as an OCIO CDLTransform (ASC clamping style when ``clamp``)."""
        module = ocio()
        transform = module.CDLTransform()
        transform.setSlope(list(self.slope))
        transform.setOffset(list(self.offset))
        transform.setPower(list(self.power))
        transform.setSat(self.saturation)
        transform.setStyle(module.CDL_ASC if clamp else module.CDL_NO_CLAMP)
        return transform


@dataclass(frozen=True)
class Grade:
    """A CDL plus contrast around ``pivot``; ``clamp`` keeps every stage in 0..1 (ASC style),
    otherwise values above 1 and below 0 survive (scene-linear friendly)."""

    cdl: CDL = CDL()
    contrast: float = 1.0
    pivot: float = 0.18
    clamp: bool = False

    @property
    def is_identity(self) -> bool:
        return self.cdl == CDL() and self.contrast == 1.0 and not self.clamp

    def apply(self, rgb: Any) -> Any:
        """The grade on straight float32 RGB ``[3, ...]`` (any device); returns a new tensor."""
        c = self.cdl
        return apply_cdl(rgb, c.slope, c.offset, c.power, c.saturation, self.clamp, self.contrast, self.pivot)

    def to_ocio(self) -> Any:
        """The same grade as an OCIO transform: the reference the torch version must equal."""
        module = ocio()
        if self.contrast == 1.0:
            return self.cdl.to_ocio(self.clamp)
        sop = CDL(self.cdl.slope, self.cdl.offset, self.cdl.power, 1.0).to_ocio(self.clamp)
        power = module.ExponentTransform([self.contrast] * 3 + [1.0])
        power.setNegativeStyle(module.NEGATIVE_PASS_THRU)
        down = module.MatrixTransform.Scale([1.0 / self.pivot] * 3 + [1.0])
        up = module.MatrixTransform.Scale([self.pivot] * 3 + [1.0])
        saturation = CDL(saturation=self.cdl.saturation).to_ocio(self.clamp)
        return module.GroupTransform([sop, down, power, up, saturation])

    def export(self, path: str | Path) -> Path:
        """Write the grade for other applications: ``.cc``/``.cdl``/``.ccc`` hold plain CDLs,
        ``.clf``/``.ctf`` any grade. Raises :class:`ColourError` when the format cannot hold it."""
        module = ocio()
        target = Path(path)
        formats = {
            ".cc": "ColorCorrection",
            ".ccc": "ColorCorrectionCollection",
            ".cdl": "ColorDecisionList",
            ".clf": "Academy/ASC Common LUT Format",
            ".ctf": "Color Transform Format",
        }
        suffix = target.suffix.lower()
        if suffix not in formats:
            raise ColourError(f"{target}: grades export as {', '.join(formats)} files; choose one of those")
        if suffix in (".cc", ".ccc", ".cdl") and self.contrast != 1.0:
            raise ColourError(
                f"{target}: an ASC CDL file cannot hold contrast; set contrast to 1 or export as .clf"
            )
        transform = self.to_ocio()
        group = (
            transform if isinstance(transform, module.GroupTransform) else module.GroupTransform([transform])
        )
        group.write(formats[suffix], str(target), module.Config.CreateRaw())
        return target


def grade_from_controls(
    *,
    lift: RGB = (0.0, 0.0, 0.0),
    gamma: RGB = (1.0, 1.0, 1.0),
    gain: RGB = (1.0, 1.0, 1.0),
    offset: RGB = (0.0, 0.0, 0.0),
    exposure: float = 0.0,
    contrast: float = 1.0,
    pivot: float = 0.18,
    saturation: float = 1.0,
    clamp: bool = False,
) -> Grade:
    """The grade a Color Corrector's controls describe (per-channel values, masters already in)."""
    scale = 2.0**exposure
    cdl = CDL(
        slope=_rgb(scale * (g - lo) for g, lo in zip(gain, lift, strict=True)),
        offset=_rgb(lo + o for lo, o in zip(lift, offset, strict=True)),
        power=_rgb(1.0 / g for g in gamma),
        saturation=saturation,
    )
    return Grade(cdl, contrast, pivot, clamp)


def lift_gamma_gain(cdl: CDL) -> tuple[RGB, RGB, RGB]:
    """A CDL's slope/offset/power as (lift, gamma, gain) with no separate offset and exposure 0: the
    inverse of :func:`grade_from_controls`, for showing an imported CDL on colour wheels."""
    lift = cdl.offset
    gain = _rgb(s + o for s, o in zip(cdl.slope, cdl.offset, strict=True))
    gamma = _rgb(1.0 / p for p in cdl.power)
    return lift, gamma, gain


def _rgb(values: Any) -> RGB:
    r, g, b = (float(v) for v in values)
    return (r, g, b)
