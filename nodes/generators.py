"""Image generators: Constant, Ramp, Noise. They make frames at the project format and the
request's proxy scale, on the CPU (GPU nodes upload what they take)."""

from __future__ import annotations

from typing import Any

from filmstudio.api import (
    ChoiceParam,
    ColorParam,
    EvalContext,
    FloatParam,
    IntParam,
    Node,
    Output,
    PortType,
    VectorParam,
    solid,
    torch_module,
)


class Constant(Node):
    """A solid colour (premultiplied RGBA) filling the project format."""

    id = "Constant"
    category = "Image"
    outputs = (Output("image", PortType.IMAGE),)
    params = (ColorParam("color", (0.0, 0.0, 0.0, 1.0)),)

    def evaluate(self, ctx: EvalContext) -> Any:
        width, height = ctx.size
        return solid(ctx.params.color, width, height)


class Ramp(Node):
    """A gradient between two colours, from ``start`` to ``end`` (positions as fractions of the
    frame, so proxies match full resolution), linear or radial."""

    id = "Ramp"
    category = "Image"
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        ColorParam("start_color", (0.0, 0.0, 0.0, 1.0)),
        ColorParam("end_color", (1.0, 1.0, 1.0, 1.0)),
        VectorParam("start", (0.0, 0.5)),
        VectorParam("end", (1.0, 0.5)),
        ChoiceParam("shape", ("linear", "radial")),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        t = torch_module()
        width, height = ctx.size
        p = ctx.params
        # pixel centres in frame fractions; y grows downwards, as in image rows
        ys = (t.arange(height, dtype=t.float32) + 0.5) / height
        xs = (t.arange(width, dtype=t.float32) + 0.5) / width
        dx, dy = p.end[0] - p.start[0], p.end[1] - p.start[1]
        aspect = width * ctx.format.pixel_aspect / height  # measure distances in square units
        if p.shape == "linear":
            length2 = (dx * aspect) ** 2 + dy**2 or 1.0
            along = (
                (xs - p.start[0]).view(1, -1) * dx * aspect**2 + (ys - p.start[1]).view(-1, 1) * dy
            ) / length2
        else:
            radius = ((dx * aspect) ** 2 + dy**2) ** 0.5 or 1.0
            along = (
                ((xs - p.start[0]).view(1, -1) * aspect) ** 2 + (ys - p.start[1]).view(-1, 1) ** 2
            ).sqrt() / radius
        weight = along.clamp(0.0, 1.0).unsqueeze(0)
        start = t.tensor(p.start_color, dtype=t.float32).view(4, 1, 1)
        end = t.tensor(p.end_color, dtype=t.float32).view(4, 1, 1)
        return start + (end - start) * weight


class Noise(Node):
    """Seeded fractal value noise. ``size`` is the feature size in full-resolution pixels;
    animate ``evolution`` to make it move. The same seed gives the same noise on every machine."""

    id = "Noise"
    category = "Image"
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        IntParam("seed", 0, animatable=False, minimum=0),
        FloatParam("size", 64.0, minimum=1.0, soft_max=512.0),
        IntParam("octaves", 4, animatable=False, minimum=1, maximum=10),
        FloatParam("gain", 0.5, minimum=0.0, maximum=1.0, tooltip="how much each finer octave adds"),
        FloatParam("evolution", 0.0),
        ColorParam("low", (0.0, 0.0, 0.0, 1.0)),
        ColorParam("high", (1.0, 1.0, 1.0, 1.0)),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        t = torch_module()
        width, height = ctx.size
        full_w, full_h = ctx.format.width, ctx.format.height
        p = ctx.params
        total = t.zeros(1, 1, height, width)
        weight_sum = 0.0
        z0 = int(p.evolution // 1)
        blend_z = p.evolution - z0
        for octave in range(p.octaves):
            ctx.check_cancelled()
            cell = p.size / (2**octave)
            grid = (max(2, int(full_h / cell) + 2), max(2, int(full_w / cell) + 2))
            layers = [_lattice(p.seed, octave, z, grid) for z in (z0, z0 + 1)]
            lattice = layers[0] + (layers[1] - layers[0]) * _smoothstep(blend_z)
            up = t.nn.functional.interpolate(
                lattice.view(1, 1, *grid), size=(height, width), mode="bicubic", align_corners=True
            )
            amplitude = p.gain**octave
            total += up * amplitude
            weight_sum += amplitude
        value = (total[0] / weight_sum).clamp(0.0, 1.0)
        low = t.tensor(p.low, dtype=t.float32).view(4, 1, 1)
        high = t.tensor(p.high, dtype=t.float32).view(4, 1, 1)
        return low + (high - low) * value


def _lattice(seed: int, octave: int, z: int, grid: tuple[int, int]) -> Any:
    t = torch_module()
    mixed = (seed * 1_000_003 + octave * 10_007 + z * 97_409) % (2**63 - 1)  # stable, unlike hash()
    generator = t.Generator().manual_seed(mixed)
    return t.rand(grid, generator=generator)


def _smoothstep(x: float) -> float:
    return x * x * (3 - 2 * x)
