"""Working-space images -> display pixels: the viewer's colour conversion, channel views and masks.

Plain numpy/torch, no Qt: these functions run on the engine's request threads (the GUI thread
only wraps the bytes they return), and tests call them directly to know what the viewer must show.

All conversion to display goes through :func:`working_to_display`, the one place that calls
:mod:`filmstudio.colour`'s transforms. A transform that is a per-channel curve is applied as a
lookup table built from it (:func:`channel_tables`); others run in full per frame. What you see is
the premultiplied image over black, as in Nuke's viewer.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

_LUT_SIZE = 1 << 16  # linear 0..1 in 65536 steps: finer than one 8-bit code even in the deep shadows
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


# --- the colour package's side: the one place the viewer calls it ------------------------------------


def _colour() -> Any:
    import filmstudio.colour as colour

    return colour


def has_views() -> bool:
    """Whether :mod:`filmstudio.colour` offers OCIO displays and views (else transfer-curve spaces)."""
    return hasattr(_colour(), "display_transform")


def display_names() -> list[str]:
    """The displays the viewer offers."""
    colour = _colour()
    return list(colour.displays()) if has_views() else list(colour.COLOUR_SPACES)


def view_names(display: str) -> list[str]:
    """The views of ``display`` (none before OCIO)."""
    return list(_colour().views(display)) if has_views() else []


def default_display() -> str:
    return str(_colour().default_display()) if has_views() else "sRGB"


def default_view(display: str) -> str | None:
    return str(_colour().default_view(display)) if has_views() else None


def working_to_display(image: Any, display: str, view: str | None = None) -> Any:
    """THE working -> display conversion: premultiplied working-space RGBA (torch ``[4, H, W]``)
    to display-encoded RGBA, through :mod:`filmstudio.colour`. Any thread; new tensor."""
    colour = _colour()
    if has_views():
        return colour.display_transform(image, display, view)
    return colour.from_working(image, display)


@functools.lru_cache(maxsize=16)
def channel_tables(display: str, view: str | None = None) -> np.ndarray | None:
    """Per-channel uint8 tables ``[3, 65536]`` over linear 0..1 when the display transform acts on
    each channel alone (a transfer curve), else None (matrices, tone mapping: converted in full).

    Found by running :func:`working_to_display` over a ramp, then checked against it on random
    colours, super-whites included, so a table is used only where it gives the same codes (within
    one). Converting a frame then costs one lookup per value instead of the transform (~1 ms
    against 3-60 ms at 640x360). Any thread."""
    import torch

    ramp = torch.linspace(0.0, 1.0, _LUT_SIZE, dtype=torch.float32)
    grey = torch.stack([ramp, ramp, ramp, torch.ones_like(ramp)]).reshape(4, 1, _LUT_SIZE)
    tables = _quantise(working_to_display(grey, display, view)[:3, 0]).numpy()
    generator = torch.Generator().manual_seed(0)
    colours = torch.rand((3, 1, 4096), generator=generator) ** 2 * torch.tensor([1.0, 1.0, 4.0]).view(3, 1, 1)
    colours = colours[torch.randperm(3, generator=generator)]
    sample = torch.cat([colours, torch.ones((1, 1, 4096))])
    exact = _quantise(working_to_display(sample, display, view)[:3, 0]).numpy().astype(np.int16)
    looked_up = np.stack([_encode(sample[c, 0].numpy().copy(), tables[c]) for c in range(3)])
    if np.abs(exact - looked_up).max() > 1:
        return None
    tables.setflags(write=False)
    return tables


def _quantise(values: Any) -> Any:
    """Display values (torch) -> uint8 codes, clipped to 0..1."""
    import torch

    return (values.clamp(0.0, 1.0) * 255.0 + 0.5).to(torch.uint8)


def _encode(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Linear float32 values -> uint8 display codes through ``table`` (a new array)."""
    with np.errstate(invalid="ignore"):  # NaN from a broken node shows as black, not a warning
        scaled = np.clip(values, 0.0, 1.0)
        scaled *= _LUT_SIZE - 1
        scaled += 0.5
        index = scaled.astype(np.uint16)
    return table[index]


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
) -> np.ndarray:
    """Display pixels ``[H, W, 4]`` uint8 (RGBX: the fourth byte is 255) of a working-space image.

    ``display``/``view`` default to the colour package's defaults. ``mask``: ``value`` is a Mask
    ``[1, H, W]``: grey, or with ``under`` (the image beneath it) that image with the mask overlaid
    in translucent red. ``channel`` R/G/B shows that channel through the display transform as grey;
    A shows alpha as data. Runs on any thread; never modifies ``value``."""
    display = display or default_display()
    array = as_array(value)
    height, width = array.shape[1:]
    if mask and under is not None:
        base = to_display(under, channel, display, view)
        if base.shape[:2] == (height, width):
            return _overlay(base, array[0])
    out = np.empty((height, width, 4), np.uint8)
    out[..., 3] = 255
    index = _CHANNEL_INDEX.get(channel)
    if mask or array.shape[0] == 1:
        out[..., :3] = _raw(array[0])[..., None]
    elif index == 3:
        out[..., :3] = _raw(array[3])[..., None] if array.shape[0] > 3 else 255
    else:
        tables = channel_tables(display, view)
        if index is not None:  # one channel as grey
            index = min(index, array.shape[0] - 1)
            if tables is not None:
                out[..., :3] = _encode(array[index], tables[index])[..., None]
            else:
                grey = np.broadcast_to(array[index], (3, height, width))
                out[..., :3] = _transformed(grey, display, view)[..., :1]
        elif tables is not None and (tables[0] == tables[1]).all() and (tables[1] == tables[2]).all():
            out[..., :3] = _encode(array[:3], tables[0]).transpose(1, 2, 0)
        elif tables is not None:
            for c in range(3):
                out[..., c] = _encode(array[c], tables[c])
        else:
            out[..., :3] = _transformed(array[:4] if array.shape[0] >= 4 else array[:3], display, view)
    return out


def _transformed(array: np.ndarray, display: str, view: str | None) -> np.ndarray:
    """The full display transform of ``[3 or 4, H, W]`` values -> ``[H, W, 3]`` uint8 codes."""
    import torch

    image = torch.from_numpy(np.ascontiguousarray(array))
    if image.shape[0] == 3:
        image = torch.cat([image, torch.ones_like(image[:1])])
    return _quantise(working_to_display(image, display, view)[:3]).permute(1, 2, 0).numpy()


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
