"""Working-space images -> display pixels: the viewer's colour conversion, channel views and masks.

Plain numpy/torch, no Qt: these functions run on the engine's request threads (the GUI thread
only wraps the bytes they return), and tests call them directly to know what the viewer must show.

Every conversion to display goes through :func:`filmstudio.colour.working_to_display` (its OCIO
display/view transform), by default :func:`default_view`. The viewer applies it through
:mod:`.display_lut`: one OCIO processor to 8 bits, the view itself where OCIO reduces it to
matrices and curves (the default view: exact to the code), else a 3D LUT baked from it (~2 ms a
frame whatever the view costs); ``exact=True`` runs the transform itself on every frame. What
you see is the premultiplied image over black, as in Nuke's viewer: the view applies to
premultiplied colour.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import numpy as np

from filmstudio.ui.viewer import display_lut

_OVERLAY_RED = np.array([255, 40, 40], np.float32)
_OVERLAY_OPACITY = 0.5


class Channel(enum.Enum):
    """What the viewer shows of an image (Nuke's R, G, B, A keys; RGB is the normal view)."""

    RGB = "RGB"
    RED = "R"
    GREEN = "G"
    BLUE = "B"
    ALPHA = "A"


_CHANNEL_INDEX = {Channel.RED: 0, Channel.GREEN: 1, Channel.BLUE: 2, Channel.ALPHA: 3}


# --- the colour package's side --------------------------------------------------------------------


def _colour() -> Any:
    import filmstudio.colour as colour

    return colour


def display_names() -> list[str]:
    """The OCIO config's displays."""
    return list(_colour().displays())


def view_names(display: str) -> list[str]:
    return list(_colour().views(display))


def default_view() -> tuple[str, str]:
    """The (display, view) the viewer starts with: the one Write "auto" renders movies through."""
    display, view = _colour().default_view()
    return str(display), str(view)


def default_display() -> str:
    return default_view()[0]


def display_default_view(display: str) -> str:
    """The view ``display`` shows when none is chosen."""
    return str(_colour().display_default_view(display))


def converts_quickly(display: str, view: str | None, channel: Channel, mask: bool, exact: bool) -> bool:
    """Whether :func:`to_display` is cheap (a baked LUT that exists already, or no transform at
    all), so the GUI thread may run it for a cached frame; otherwise it runs off that thread."""
    if mask or channel is Channel.ALPHA:
        return True
    return not exact and display_lut.baked(display, view, wait=False) is not None


def _quantise(values: Any) -> np.ndarray:
    """Display values (torch ``[3, H, W]``) -> uint8 codes ``[H, W, 3]``, clipped to 0..1."""
    import torch

    return (values.clamp(0.0, 1.0) * 255.0 + 0.5).to(torch.uint8).permute(1, 2, 0).numpy()


def _raw(values: np.ndarray) -> np.ndarray:
    """Data (alpha, masks) shown as it is: 0..1 -> 0..255, no display transform."""
    with np.errstate(invalid="ignore"):
        scaled = np.clip(values, 0.0, 1.0)
        scaled *= 255.0
        scaled += 0.5
        return scaled.astype(np.uint8)


def as_array(value: Any) -> np.ndarray:
    """A node result (torch tensor ``[C, H, W]`` on any device, or numpy) as float32 numpy on the
    host. Shares memory with a CPU float32 tensor: treat it as read-only (it is the cache's)."""
    if isinstance(value, np.ndarray):
        array = value
    else:
        import torch

        if not isinstance(value, torch.Tensor):
            raise TypeError(f"the viewer shows images and masks, not {type(value).__name__}")
        array = value.detach().to("cpu", torch.float32).numpy()
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise TypeError(f"the viewer shows [C, H, W] images, not an array of shape {array.shape}")
    return array.astype(np.float32, copy=False)


def to_display(
    value: Any,
    channel: Channel = Channel.RGB,
    display: str | None = None,
    view: str | None = None,
    *,
    mask: bool = False,
    under: Any = None,
    exact: bool = False,
) -> np.ndarray:
    """Display pixels ``[H, W, 4]`` uint8 (RGBX: the fourth byte is 255) of a working-space image.

    ``display``/``view`` default to :func:`default_view`. ``mask``: ``value`` is a Mask
    ``[1, H, W]``: grey, or with ``under`` (the image beneath it) that image with the mask overlaid
    in translucent red. ``channel`` R/G/B shows that channel through the view as grey; A shows
    alpha as data. ``exact`` runs the view itself instead of its baked LUT. Runs on any thread
    (it may bake the LUT: keep it off the GUI thread unless :func:`converts_quickly`); never
    modifies ``value``."""
    display = display or default_display()
    array = as_array(value)
    height, width = array.shape[1:]
    if mask and under is not None:
        base = to_display(under, channel, display, view, exact=exact)
        if base.shape[:2] == (height, width):
            return _overlay(base, array[0])
    out = np.empty((height, width, 4), np.uint8)
    index = _CHANNEL_INDEX.get(channel)
    if mask or array.shape[0] == 1 or index == 3:
        plane = array[0] if mask or array.shape[0] == 1 else (array[3] if array.shape[0] > 3 else None)
        out[..., :3] = _raw(plane)[..., None] if plane is not None else 255
        out[..., 3] = 255
        return out
    if index is None:
        planes = [array[min(c, array.shape[0] - 1)] for c in range(3)]
    else:
        planes = [array[min(index, array.shape[0] - 1)]] * 3  # one channel as grey
    if exact:
        import torch

        shown = _colour().working_to_display(torch.from_numpy(np.stack(planes)), display, view)
        out[..., :3] = _quantise(shown)
        out[..., 3] = 255
    else:
        display_lut.baked(display, view).apply(*planes, out)
    if index is not None:  # a neutral view keeps grey grey; make it exactly so
        out[..., 0] = out[..., 1]
        out[..., 2] = out[..., 1]
    return out


def _overlay(base: np.ndarray, coverage: np.ndarray) -> np.ndarray:
    weight = np.clip(coverage, 0.0, 1.0)[..., None] * _OVERLAY_OPACITY
    blended = base[..., :3] * (1.0 - weight) + _OVERLAY_RED * weight
    base[..., :3] = (blended + 0.5).astype(np.uint8)
    return base


@dataclass(frozen=True)
class PixelValue:
    """The working-space value under the cursor: ``x``, ``y`` in full-resolution image pixels
    (origin top-left) and the channel values (RGBA, or one value for a mask)."""

    x: int
    y: int
    values: tuple[float, ...]
    label: str = ""

    def describe(self) -> str:
        names = "RGBA" if len(self.values) > 1 else "M"
        parts = "  ".join(f"{n} {v: .4f}" for n, v in zip(names, self.values, strict=False))
        prefix = f"{self.label}  " if self.label else ""
        return f"{prefix}x {self.x}  y {self.y}   {parts}"


def sample(value: Any, x: float, y: float, scale: float) -> tuple[float, ...] | None:
    """The channel values of ``value`` at full-resolution pixel (x, y), read from its proxy-scale
    pixels; None outside the image. GUI thread (one element; a GPU tensor syncs once)."""
    if value is None:
        return None
    shape = value.shape
    channels, height, width = (1, *shape) if len(shape) == 2 else shape
    column, row = int(x * scale), int(y * scale)
    if not (0 <= column < width and 0 <= row < height):
        return None
    pixel = value[..., row, column] if len(shape) == 3 else value[row, column].reshape(1)
    if hasattr(pixel, "detach"):
        pixel = pixel.detach().to("cpu")
    return tuple(float(v) for v in pixel.tolist())[:channels]
