"""Image conversions between colour spaces, and display/view transforms for viewers and Writes.

Every function takes a premultiplied RGBA (or RGB) tensor ``[C, H, W]`` on any device, converts its
un-premultiplied colour and returns a new tensor (the input itself when nothing changes) on the
same device and in the same dtype. Colour spaces are FilmStudio names, OCIO names/aliases/roles, or
resolved :class:`Space` values (see :mod:`.spaces`). Thread-safe.
"""

from __future__ import annotations

from typing import Any

from filmstudio.colour.config import check_display, check_view, ocio
from filmstudio.colour.pipeline import Pipeline, cached_pipeline
from filmstudio.colour.spaces import Space, resolve_space, working_space


def as_space(space: str | Space) -> Space:
    return space if isinstance(space, Space) else resolve_space(space)


def conversion(src: str | Space, dst: str | Space) -> Pipeline:
    """The cached pipeline converting ``src`` to ``dst``."""
    source, target = as_space(src), as_space(dst)
    return cached_pipeline(
        ("space", source, target),
        lambda _config: space_transform(source, target),
        f"converting {source} to {target}",
    )


def convert(image: Any, src: str | Space, dst: str | Space) -> Any:
    """``image`` from colour space ``src`` to ``dst``."""
    return conversion(src, dst).apply(image)


def to_working(image: Any, space: str | Space) -> Any:
    """Pixels encoded in ``space`` (a decoded file) -> the scene-linear working space."""
    return convert(image, space, working_space())


def from_working(image: Any, space: str | Space) -> Any:
    """Working-space pixels -> ``space`` (for a file to be encoded)."""
    return convert(image, working_space(), space)


def display_pipeline(
    display: str | None = None,
    view: str | None = None,
    *,
    source: str | Space | None = None,
    inverse: bool = False,
) -> Pipeline:
    """The cached pipeline from ``source`` (default: the working space) through ``display``'s
    ``view`` (defaults: :func:`~filmstudio.colour.config.default_view`; a display alone: its
    default view)."""
    name = check_display(display)
    chosen = check_view(name, view)
    start = as_space(source) if source is not None else working_space()

    def make(_config: Any) -> Any:
        module = ocio()
        parts = [_decode_curve(start.curve)] if start.curve else []
        parts.append(module.DisplayViewTransform(src=start.name, display=name, view=chosen))
        group = module.GroupTransform(parts)
        if inverse:  # the whole chain backwards: display values -> view inverse -> source encoding
            group.setDirection(module.TRANSFORM_DIR_INVERSE)
        return group

    key = ("display", start, name, chosen, inverse)
    return cached_pipeline(key, make, f"the {chosen!r} view of display {name!r}")


def display_transform(
    image: Any,
    display: str | None = None,
    view: str | None = None,
    *,
    source: str | Space | None = None,
    exposure: float = 0.0,
    gamma: float = 1.0,
    inverse: bool = False,
) -> Any:
    """Scene-linear pixels -> display-encoded pixels for a monitor, through an OCIO view.

    ``exposure`` (stops, applied before the view, like a viewer's exposure slider) and ``gamma``
    (applied to the display values) are viewer conveniences. With ``inverse`` the image holds
    display values and comes back in ``source`` (exposure and gamma are then undone too).
    """
    torch = _torch()
    pipeline = display_pipeline(display, view, source=source, inverse=inverse)
    rgb_gain = 2.0**exposure
    if inverse:
        out = _gamma(image, gamma, inverse=True) if gamma != 1.0 else image
        out = pipeline.apply(out)
        if rgb_gain != 1.0:
            out = torch.cat([out[:3] / rgb_gain, out[3:]])
        return out
    out = torch.cat([image[:3] * rgb_gain, image[3:]]) if rgb_gain != 1.0 else image
    out = pipeline.apply(out)
    return _gamma(out, gamma) if gamma != 1.0 else out


def working_to_display(image: Any, display: str, view: str | None = None) -> Any:
    """The viewer's conversion: working-space RGB(A) (torch ``[C, H, W]``) to display values
    ``[3, H, W]`` through ``display``'s ``view`` (None: its default). The view applies to the colour
    as given (premultiplied, over black): alpha is set aside. Any thread; returns a new tensor."""
    torch = _torch()
    rgb = image[:3]
    opaque = torch.cat([rgb, torch.ones_like(rgb[:1])])
    return display_transform(opaque, display, view)[:3]


def _gamma(image: Any, gamma: float, inverse: bool = False) -> Any:
    """A viewer gamma on display values (un-premultiplied colour; negatives unchanged)."""
    from filmstudio.colour.ops import signed_power

    torch = _torch()
    exponent = gamma if inverse else 1.0 / gamma
    rgb = image[:3].float()
    if image.shape[0] > 3:
        alpha = image[3:4].float()
        safe = torch.where(alpha > 0, alpha, 1.0)
        rgb = signed_power(rgb / safe, exponent, "pass") * safe
    else:
        rgb = signed_power(rgb, exponent, "pass")
    return torch.cat([rgb.to(image.dtype), image[3:]])


# --- OCIO transforms --------------------------------------------------------------------------------


def space_transform(src: Space, dst: Space) -> Any:
    """The OCIO transform from ``src`` to ``dst`` (with FilmStudio's curves where a space has one)."""
    module = ocio()
    parts = []
    if src.curve:
        parts.append(_decode_curve(src.curve))
    parts.append(module.ColorSpaceTransform(src.name, dst.name))
    if dst.curve:
        curve = _decode_curve(dst.curve)
        curve.setDirection(module.TRANSFORM_DIR_INVERSE)
        parts.append(curve)
    return module.GroupTransform(parts)


def _decode_curve(curve: str) -> Any:
    """The standard curve from encoded values to linear light, as the ACES configs define it."""
    module = ocio()
    if curve == "srgb":
        transform = module.ExponentWithLinearTransform()
        transform.setGamma([2.4, 2.4, 2.4, 1.0])
        transform.setOffset([0.055, 0.055, 0.055, 0.0])
        transform.setNegativeStyle(module.NEGATIVE_LINEAR)
        return transform
    if curve == "gamma2.4":
        transform = module.ExponentTransform([2.4, 2.4, 2.4, 1.0])
        transform.setNegativeStyle(module.NEGATIVE_PASS_THRU)
        return transform
    raise ValueError(f"unknown transfer curve {curve!r}")


def _torch() -> Any:
    import torch

    return torch
