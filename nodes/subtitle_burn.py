"""Burn-in: the cue on screen at each frame drawn into the picture, with the Title's renderer.

Layout and rasterising are the Title node's (:mod:`filmstudio_nodes.title`: FreeType through
Pillow, design metrics so lines never jump, proxies that look like the full render shrunk,
anamorphic squeeze); this adds an outline (FreeType's stroker) and placement inside a safe area.
The built-in font is a subset of Noto Sans CJK (Latin with accents, Greek, Cyrillic, kana, hangul
and about 10,000 Han characters; SIL Open Font License): Pillow has no per-glyph font fallback, so
one face must hold every script a cue may use.
"""

from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from filmstudio.api import (
    BoolParam,
    ChoiceParam,
    ColorParam,
    Device,
    EvalContext,
    FloatParam,
    Input,
    Node,
    Output,
    PathParam,
    PortType,
    torch_module,
)
from filmstudio_nodes.title import (
    _AA_MARGIN,
    _box_coverage,
    _Layout,
    _layout,
    _premultiplied,
    _text_coverage,
)


class BurnIn(Node):
    """Draws the cues of ``subtitles`` on screen at each frame over ``source`` (open subtitles).

    The text block sits inside the safe area (``safe_area``: the fraction of the frame's width
    and height it spans, centred; 0.9 is the usual title-safe area), at its bottom or top edge,
    aligned left, centre or right. ``size`` is the font size as a fraction of the frame height,
    so HD and 4K renders look alike; ``outline`` is the outline's width as a fraction of the
    size. Overlapping cues are stacked, the earlier on top. Without subtitles, or between cues,
    the picture passes through untouched."""

    id = "BurnIn"
    category = "Subtitles"
    label = "Burn-in"
    description = "Subtitles drawn into the picture (open captions), outlined, inside the safe area."
    device = Device.CPU
    time_dependent = True  # which cue shows depends on the frame, even over a still
    inputs = (Input("source", PortType.IMAGE), Input("subtitles", PortType.SUBTITLES, optional=True))
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        PathParam(
            "font",
            "",
            file_filter="Fonts (*.ttf *.otf *.ttc)",
            tooltip="a TrueType/OpenType font; empty: the built-in Noto Sans CJK subset (Latin, Greek, "
            "Cyrillic, kana, hangul, common Han)",
        ),
        FloatParam(
            "size", 0.05, minimum=0.001, soft_max=0.2, tooltip="font size, as a fraction of the frame height"
        ),
        ColorParam("color", (1.0, 1.0, 1.0, 1.0)),
        FloatParam(
            "outline", 0.08, minimum=0.0, soft_max=0.3, tooltip="outline width, as a fraction of the size"
        ),
        ColorParam("outline_color", (0.0, 0.0, 0.0, 1.0)),
        ChoiceParam("position", ("bottom", "top"), tooltip="which edge of the safe area the text sits on"),
        ChoiceParam("align", ("center", "left", "right")),
        FloatParam(
            "safe_area", 0.9, minimum=0.1, maximum=1.0, tooltip="the centred part of the frame text stays in"
        ),
        FloatParam("line_spacing", 1.2, minimum=0.0, soft_max=3.0, tooltip="baseline to baseline, in sizes"),
        BoolParam("box", False, tooltip="a background box behind the text"),
        ColorParam("box_color", (0.0, 0.0, 0.0, 0.6)),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        from filmstudio.api import subtitle_font

        source = ctx.input("source")
        subtitles = ctx.input("subtitles")
        if subtitles is None or source is None:
            return source
        lines = [line for cue in subtitles.at(ctx.frame) for line in cue.lines]
        if not any(line.strip() for line in lines):
            return source
        p = ctx.params
        height, width = source.shape[-2:]
        margin = (1.0 - p.safe_area) / 2
        x = {"left": margin, "center": 0.5, "right": 1.0 - margin}[p.align]
        # the Title's layout takes its size in full-resolution pixels and centres the block on y
        shown = SimpleNamespace(text="\n".join(lines), size=p.size * ctx.format.height, align=p.align,
                                position=(x, 0.5), line_spacing=p.line_spacing)  # fmt: skip
        font_path = ctx.resolve_path(p.font) if p.font else str(subtitle_font())
        layout = _layout(shown, font_path, ctx.scale, width, height, ctx.format.pixel_aspect)
        stroke = p.outline * p.size * ctx.format.height * layout.raster_scale
        edge = (1.0 - margin if p.position == "bottom" else margin) * height / layout.to_frame[1]
        block_top, block_bottom = layout.block[1], layout.block[3]
        shift = edge - block_bottom if p.position == "bottom" else edge - block_top
        layout = _shifted(layout, shift)
        layer, (x0, y0) = _outlined_layer(layout, p, stroke, width, height)
        if not layer.numel():
            return source
        out = source.clone()  # inputs are shared with the frame cache: never write into them
        layer = layer.to(device=source.device, dtype=source.dtype)
        y1, x1 = y0 + layer.shape[1], x0 + layer.shape[2]
        out[:, y0:y1, x0:x1] = layer + out[:, y0:y1, x0:x1] * (1.0 - layer[3:4])
        return out


def _shifted(layout: _Layout, dy: float) -> _Layout:
    """The layout moved down by ``dy`` raster pixels."""
    left, top, right, bottom = layout.ink
    b_left, b_top, b_right, b_bottom = layout.block
    return replace(
        layout,
        baselines=tuple(b + dy for b in layout.baselines),
        ink=(left, top + dy, right, bottom + dy),
        block=(b_left, b_top + dy, b_right, b_bottom + dy),
    )


def _outlined_layer(
    layout: _Layout, p: Any, stroke: float, width: int, height: int
) -> tuple[Any, tuple[int, int]]:
    """Box, outline, then text, as a premultiplied RGBA tensor over the frame pixels they touch."""
    t = torch_module()
    kx, ky = layout.to_frame
    grow = stroke + _AA_MARGIN / min(kx, ky)
    left, top, right, bottom = layout.ink
    regions = [((left - grow) * kx, (top - grow) * ky, (right + grow) * kx, (bottom + grow) * ky)]
    box = None
    if p.box:
        pad = p.size * height * 0.25 / ky  # a quarter of the size around the block
        b_left, b_top, b_right, b_bottom = layout.block
        box = ((b_left - pad) * kx, (b_top - pad) * ky, (b_right + pad) * kx, (b_bottom + pad) * ky)
        regions.append(box)
    x0 = max(0, math.floor(min(r[0] for r in regions)))
    y0 = max(0, math.floor(min(r[1] for r in regions)))
    x1 = min(width, math.ceil(max(r[2] for r in regions)))
    y1 = min(height, math.ceil(max(r[3] for r in regions)))
    if x1 <= x0 or y1 <= y0:
        return t.zeros(4, 0, 0), (0, 0)
    text = _text_coverage(layout, x0, y0, x1 - x0, y1 - y0)
    layer = _premultiplied(p.color) * text
    if stroke > 0:
        ring = _text_coverage(layout, x0, y0, x1 - x0, y1 - y0, max(1, round(stroke)))
        layer = layer + _premultiplied(p.outline_color) * ring * (1.0 - layer[3:4])
    if box is not None:
        layer = layer + _premultiplied(p.box_color) * _box_coverage(box, x0, y0, x1, y1) * (1.0 - layer[3:4])
    return layer, (x0, y0)
