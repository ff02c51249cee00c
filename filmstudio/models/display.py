"""The colour boundary of AI models: working space <-> display-referred sRGB.

Models are trained on display-referred sRGB pictures in 0..1, opaque. Frames in the graph are
premultiplied RGBA in the scene-linear working space. These two functions are the only place that
converts between them (through :mod:`filmstudio.colour`), so a change of colour management touches
this file alone. Values outside 0..1 after encoding (super-whites) are clipped for the model.

Tensors are batched ``[N, C, H, W]``, on any device; results are new tensors on the same device.
"""

from __future__ import annotations

from typing import Any

MODEL_SPACE = "sRGB"


def to_model_rgb(images: Any) -> tuple[Any, Any | None]:
    """Working-space premultiplied RGBA ``[N, 4, H, W]`` -> (straight sRGB ``[N, 3, H, W]`` in
    0..1, alpha ``[N, 1, H, W]`` or None when every pixel is opaque)."""
    import torch

    from filmstudio.colour import from_working

    encoded = torch.stack([from_working(image, MODEL_SPACE) for image in images])
    alpha = encoded[:, 3:4]
    if bool((alpha == 1).all()):
        return encoded[:, :3].clamp(0.0, 1.0), None
    straight = torch.where(
        alpha > 0, encoded[:, :3] / alpha.clamp_min(1e-8), torch.zeros_like(encoded[:, :3])
    )
    return straight.clamp(0.0, 1.0), alpha.clamp(0.0, 1.0)


def from_model_rgb(rgb: Any, alpha: Any | None = None, owned: bool = False) -> Any:
    """Straight sRGB ``[N, 3, H, W]`` (+ alpha) -> working-space premultiplied RGBA float32.
    ``owned``: the caller hands ``rgb`` over (a model's fresh output), and it may be written to."""
    import torch

    from filmstudio.colour import to_working

    rgb = rgb.float()
    if alpha is None:
        # Opaque (what generators make): the whole batch in one call, as one image [3, N, H, W],
        # written straight into the result; there is nothing to un-premultiply.
        from filmstudio.colour import conversion, working_space

        n, _, height, width = rgb.shape
        out = torch.empty((n, 4, height, width), dtype=torch.float32, device=rgb.device)
        pipeline = conversion(MODEL_SPACE, working_space())
        pipeline.apply_rgb(rgb.transpose(0, 1), owned=owned, out=out[:, :3].transpose(0, 1))
        out[:, 3].fill_(1.0)
        return out
    alpha = alpha.float()
    encoded = torch.cat([rgb * alpha, alpha], dim=1)
    return torch.stack([to_working(image, MODEL_SPACE) for image in encoded])


def colour_to_display(color: tuple[float, ...]) -> tuple[float, float, float]:
    """A working-space colour parameter as display sRGB (a key colour picked in the viewer)."""
    import torch

    from filmstudio.colour import from_working

    pixel = torch.tensor([*color[:3], 1.0], dtype=torch.float32).view(4, 1, 1)
    r, g, b = from_working(pixel, MODEL_SPACE)[:3].clamp(0.0, 1.0).flatten().tolist()
    return (r, g, b)
