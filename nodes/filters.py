"""Per-pixel and neighbourhood filters: Grade and Blur. Both run where their input lives
(CPU or GPU) and honour an optional mask and a mix."""

from __future__ import annotations

from typing import Any

from filmstudio.api import (
    ChoiceParam,
    ColorParam,
    EvalContext,
    FloatParam,
    Input,
    Node,
    Output,
    PortType,
    blend,
    rgb_scale,
    torch_module,
)


class Grade(Node):
    """``out = in * gain + offset`` per RGB channel, then gamma; alpha untouched. Works on the
    premultiplied working-space values, as Nuke's Grade does by default."""

    id = "Grade"
    category = "Color"
    per_pixel = True
    inputs = (Input("source", PortType.IMAGE), Input("mask", PortType.MASK, optional=True))
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        ColorParam("gain", (1.0, 1.0, 1.0, 1.0), soft_min=0.0, soft_max=4.0, wheel=0.5),
        ColorParam("offset", (0.0, 0.0, 0.0, 0.0), soft_min=-1.0, soft_max=1.0, wheel=0.25),
        FloatParam("gamma", 1.0, minimum=0.01, soft_max=4.0),
        FloatParam("mix", 1.0, minimum=0.0, maximum=1.0),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        if source is None:
            return None
        p = ctx.params
        rgb = source[:3]
        mask = ctx.input("mask")
        if p.gamma == 1.0 and p.mix >= 1.0 and mask is None and source.shape[0] == 4:
            # The common case straight into the output image: no temporaries, no concatenation
            # (1.6x faster at 1080p and at 256x256; addcmul is slower on small images).
            out = torch_module().empty_like(source)
            graded = out[:3]
            torch_module().mul(rgb, rgb_scale(p.gain, rgb.device).to(rgb.dtype), out=graded)
            graded.add_(rgb_scale(p.offset, rgb.device).to(rgb.dtype))
            out[3:] = source[3:]
            return out
        graded = rgb * rgb_scale(p.gain, rgb.device) + rgb_scale(p.offset, rgb.device)
        if p.gamma != 1.0:
            graded = graded.clamp_min(0.0).pow(1.0 / p.gamma)
        graded = blend(rgb, graded, p.mix, mask)
        return torch_module().cat([graded, source[3:]]) if source.shape[0] == 4 else graded

    def colour_function(self, ctx: EvalContext) -> Any:
        from filmstudio.api import Affine, ColourFunction, Curve

        if ctx.is_connected("mask"):
            return None
        p = ctx.params
        stages: list[Any] = [Affine.diagonal(p.gain[:3], p.offset[:3])]
        if p.gamma != 1.0:
            exponent = 1.0 / p.gamma
            stages.append(Curve(lambda rgb: rgb.clamp_min(0.0).pow(exponent)))
        return ColourFunction.mixed(ColourFunction(tuple(stages)), p.mix)


class Blur(Node):
    """Gaussian or box blur; ``size`` is the blur width in full-resolution pixels (scaled with
    the proxy). Edges are extended (no dark border)."""

    id = "Blur"
    category = "Filter"
    inputs = (Input("source", PortType.IMAGE), Input("mask", PortType.MASK, optional=True))
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        FloatParam("size", 10.0, minimum=0.0, soft_max=100.0),
        ChoiceParam("filter", ("gaussian", "box")),
        FloatParam("mix", 1.0, minimum=0.0, maximum=1.0),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        if source is None:
            return None
        size = ctx.params.size * ctx.scale
        if size < 0.5:
            return source
        kernel = _kernel(size, ctx.params.filter, source.device)
        blurred = _separable(source, kernel)
        return blend(source, blurred, ctx.params.mix, ctx.input("mask"))


def _kernel(size: float, kind: str, device: Any) -> Any:
    t = torch_module()
    if kind == "box":
        radius = max(1, round(size / 2))
        kernel = t.ones(2 * radius + 1, device=device)
    else:
        sigma = size / 6.0 * 2.0  # size ~ the visible width of the blur (±3 sigma over 2)
        radius = max(1, int(3 * sigma + 0.5))
        x = t.arange(-radius, radius + 1, dtype=t.float32, device=device)
        kernel = t.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def _separable(image: Any, kernel: Any) -> Any:
    t = torch_module()
    functional = t.nn.functional
    channels = image.shape[0]
    radius = kernel.numel() // 2
    x = image.unsqueeze(0)
    horizontal = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1)
    vertical = kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1)
    x = functional.pad(x, (radius, radius, 0, 0), mode="replicate")
    x = functional.conv2d(x, horizontal, groups=channels)
    x = functional.pad(x, (0, 0, radius, radius), mode="replicate")
    x = functional.conv2d(x, vertical, groups=channels)
    return x[0]
