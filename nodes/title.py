"""Title: text drawn over an image (titles, subtitles, captions), rendered with Pillow's FreeType.

Sizes are in full-resolution pixels and scale with the proxy, so a half-proxy render looks like the
full render shrunk. Positions are fractions of the frame, so they survive format changes. Pillow
and torch are imported on first use (listing nodes must stay light).
"""

from __future__ import annotations

import functools
import math
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from filmstudio.api import (
    DEFAULT_READING_WPM,
    BoolParam,
    ChoiceParam,
    ColorParam,
    Device,
    EvalContext,
    FloatParam,
    FollowTrack,
    Handle,
    Input,
    IntParam,
    Node,
    Output,
    OverlayEdit,
    ParameterError,
    PathParam,
    PortType,
    TextParam,
    Units,
    Values,
    VectorParam,
    torch_module,
)

_ANCHORS = {"left": "ls", "center": "ms", "right": "rs"}  # Pillow anchors on the baseline
_SHIFT = {"left": 0.0, "center": 0.5, "right": 1.0}  # how much of a line's width lies left of x
_METRICS_SIZE = 1000.0  # ascent/descent are measured once at a large size, then scaled (no hinting)
SCRIPT_SHOWS = ("dialogue", "speaker_dialogue", "shot", "scene", "text")
_AA_MARGIN = 2  # pixels around the ink box, for antialiasing and sub-pixel placement

# A FreeType face must not be used by two threads at once and Pillow does not promise a lock of its
# own, so loading fonts and rasterising share this one (a title takes about a millisecond).
_FREETYPE_LOCK = threading.Lock()


class Title(Node):
    """Text composited over ``source`` (premultiplied over), or over transparent black at the project
    format when nothing is connected.

    ``position`` is the anchor as fractions of the frame (y down); ``align`` puts the text block's
    left edge, centre or right edge on it (and aligns the lines the same way), and the block is
    centred vertically on it (using the font's ascent and descent, so typing a "g" does not move
    it). ``size`` is the font size (em height) in full-resolution pixels: with the built-in font,
    capitals are about 0.7 of it tall and a line about 1.2.
    Colours are used as given, in the working colour space. Anamorphic formats get text that looks
    right on the display (squeezed in pixel counts).

    The position can follow a track, live: connect a Tracker's tracks to the ``track`` input and
    name the track in ``position_track``; the title keeps its own position at
    ``position_track_frame`` and moves with the track from there (see ``follows_track``).

    The text comes from the ``text`` parameter, or from the ``script`` input when one is connected
    (a Script File or LLM Script node). ``script_shows`` picks what of a Script is shown at each
    frame, by its timing model (the script starts at ``script_start``, dialogue is paced at
    ``reading_speed`` words a minute unless the shot list gives durations): the current dialogue
    line (alone, or after its speaker's name), the current shot (number, size, camera, then its
    description), the current scene heading, or the whole script as Fountain. Between lines the
    title is empty. Any other value on the input shows its ``text`` (attribute or key), or itself
    if it is a string.
    """

    id = "Title"
    version = 1
    category = "Draw"
    description = "Text over an image: titles, subtitles, captions, with an optional background box."
    inputs = (
        Input("source", PortType.IMAGE, optional=True),
        Input("script", PortType.SCRIPT, optional=True, label="script (text)"),
    )
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        TextParam("text", "Title", multiline=True, tooltip="the text; a new line starts a new line"),
        PathParam(
            "font",
            "",
            file_filter="Fonts (*.ttf *.otf *.ttc)",
            tooltip="a TrueType/OpenType font file; empty: the built-in font (Aileron)",
        ),
        FloatParam("size", 48.0, minimum=1.0, soft_max=300.0, tooltip="font size in full-resolution pixels"),
        ColorParam("color", (1.0, 1.0, 1.0, 1.0)),
        VectorParam(
            "position",
            (0.5, 0.85),
            soft_min=0.0,
            soft_max=1.0,
            tooltip="anchor point as fractions of the frame (0..1, y down)",
            follows_track=FollowTrack(units=Units.FRAME),
        ),
        ChoiceParam(
            "align",
            ("left", "center", "right"),
            "center",
            tooltip="which edge of the text block sits on the position",
        ),
        FloatParam(
            "line_spacing",
            1.2,
            minimum=0.0,
            soft_max=3.0,
            tooltip="distance between baselines, in multiples of the size",
        ),
        BoolParam("box", False, tooltip="draw a background box behind the text"),
        ColorParam("box_color", (0.0, 0.0, 0.0, 0.6)),
        FloatParam(
            "box_padding",
            12.0,
            minimum=0.0,
            soft_max=100.0,
            tooltip="space around the text inside the box, in full-resolution pixels",
        ),
        FloatParam("opacity", 1.0, minimum=0.0, maximum=1.0, tooltip="fades the text and its box together"),
        ChoiceParam(
            "script_shows",
            SCRIPT_SHOWS,
            tooltip="with a Script connected: what of it this frame shows",
        ),
        IntParam("script_start", 1, animatable=False, tooltip="the frame where the connected script starts"),
        IntParam(
            "reading_speed",
            DEFAULT_READING_WPM,
            animatable=False,
            minimum=40,
            maximum=400,
            tooltip="words a minute: how long a line of dialogue stays up when no shot gives a duration",
        ),
    )
    device = Device.CPU  # rasterising is Pillow work; the layer then moves to the source's device

    def overlay(self, ctx: EvalContext) -> Sequence[Handle]:
        """The anchor point, dragged in the viewer (keys it where ``position`` is animated)."""
        x, y = ctx.params.position
        return (Handle("position", x * ctx.format.width, y * ctx.format.height, label=ctx.node_name),)

    def drag_handle(self, ctx: EvalContext, key: str, x: float, y: float) -> OverlayEdit | None:
        width, height = ctx.format.width, ctx.format.height
        return OverlayEdit(params={"position": (x / width, y / height)}, text="Move title")

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # A script's current line changes with the frame, though the Script value does not: with
        # one connected, the frame is part of the key (a title is about a millisecond to draw).
        if ctx.is_connected("script") and ctx.params.script_shows != "text":
            return {"frame": ctx.frame}
        return ctx.state

    def evaluate(self, ctx: EvalContext) -> Any:
        t = torch_module()
        p = ctx.params
        source = ctx.input("source")
        if source is not None:
            height, width = source.shape[-2:]
        else:
            width, height = ctx.size
        if ctx.is_connected("script"):
            p = Values(p, text=script_text(ctx.input("script"), ctx))
        if not p.text.strip() or p.opacity <= 0.0:
            return source if source is not None else t.zeros(4, height, width)
        font_path = ctx.resolve_path(p.font) if p.font else ""  # relative to the project file
        layout = _layout(p, font_path, ctx.scale, width, height, ctx.format.pixel_aspect)
        layer, (x0, y0) = _render_layer(layout, p, width, height)
        if source is not None and not layer.numel():
            return source  # the title lies wholly outside the frame
        if source is None:
            out = t.zeros(4, height, width)
        else:
            out = source.clone()  # inputs are shared with the frame cache: never write into them
            layer = layer.to(device=source.device, dtype=source.dtype)
        y1, x1 = y0 + layer.shape[1], x0 + layer.shape[2]
        out[:, y0:y1, x0:x1] = layer + out[:, y0:y1, x0:x1] * (1.0 - layer[3:4])
        return out


def script_text(script: Any, ctx: EvalContext | None = None) -> str:
    """The text a Script input shows: for a :class:`~filmstudio.api.Script` at ``ctx``'s frame,
    what ``script_shows`` picks (the whole text without ``ctx``); a string as it is; else a
    ``text`` attribute or key."""
    if script is None:
        return ""
    if isinstance(script, str):
        return script
    if ctx is not None and ctx.params.script_shows != "text" and hasattr(script, "timing"):
        return _current_text(script, ctx)
    text = script.get("text") if isinstance(script, Mapping) else getattr(script, "text", None)
    if callable(text):
        text = text()
    if not isinstance(text, str):
        raise ParameterError(
            f"the Title's script input carries a {type(script).__name__} without text: connect a "
            "Script output, or disconnect it and type the text in the Title"
        )
    return text


def _current_text(script: Any, ctx: EvalContext) -> str:
    p = ctx.params
    now = script.at(ctx.frame, ctx.fps, p.script_start, p.reading_speed)
    if p.script_shows == "scene":
        return now.scene.text if now.scene is not None else ""
    if p.script_shows == "shot":
        shot = now.shot
        if shot is None:
            return ""
        label = " ".join(
            part for part in (shot.number, ", ".join(filter(None, (shot.size, shot.camera)))) if part
        )
        return "\n".join(part for part in (label, shot.description) if part)
    line = now.line
    if line is None:
        return ""
    return f"{line.speaker}: {line.text}" if p.script_shows == "speaker_dialogue" else line.text


@dataclass(frozen=True)
class _Layout:
    """Where the lines go, in raster pixels: square pixels at ``raster_scale``. A raster x times
    ``to_frame[0]`` (a y times ``to_frame[1]``) is a pixel position in the frame being rendered."""

    font: Any
    lines: tuple[str, ...]
    anchor: str
    x: float
    baselines: tuple[float, ...]
    ink: tuple[float, float, float, float]  # left, top, right, bottom of all the glyphs
    block: tuple[float, float, float, float]  # the typographic box: advance widths, ascent to descent
    raster_scale: float
    to_frame: tuple[float, float]


def _layout(p: Any, font_path: str, scale: float, width: int, height: int, pixel_aspect: float) -> _Layout:
    # Glyphs are rasterised at full-resolution size and box-filtered down to a proxy (up to 4x),
    # because FreeType's hinting would otherwise make a proxy's text differ from the full render's.
    raster_scale = min(max(scale, 1.0), 4.0 * scale)
    to_frame = (scale / raster_scale / pixel_aspect, scale / raster_scale)
    lines = p.text.replace("\r\n", "\n").split("\n")
    pixel_size = max(1.0, p.size * raster_scale)  # FreeType refuses sizes under about half a pixel
    pixel_size = round(pixel_size * 64) / 64  # FreeType's 26.6 units; also bounds the font cache
    with _FREETYPE_LOCK:
        ascent_ratio, descent_ratio = _metrics(font_path)
        font = _font(font_path, pixel_size)
        anchor = _ANCHORS[p.align]
        measured = [(font.getbbox(line, anchor=anchor), font.getlength(line)) for line in lines]
    # Line positions come from the font's design metrics, not the ink, so the text does not jump
    # as letters with descenders or accents are typed.
    ascent, descent = ascent_ratio * pixel_size, descent_ratio * pixel_size
    pitch = pixel_size * p.line_spacing
    block_height = (len(lines) - 1) * pitch + ascent + descent
    x = p.position[0] * width / to_frame[0]
    top = p.position[1] * height / to_frame[1] - block_height / 2
    baselines = tuple(top + ascent + i * pitch for i in range(len(lines)))
    placed = zip(measured, baselines, lines, strict=True)
    drawn = [(bbox, length, base) for (bbox, length), base, line in placed if line.strip()]
    ink = (
        x + min(bbox[0] for bbox, _, _ in drawn),
        min(base + bbox[1] for bbox, _, base in drawn),
        x + max(bbox[2] for bbox, _, _ in drawn),
        max(base + bbox[3] for bbox, _, base in drawn),
    )
    widest = max(length for _, length, _ in drawn)
    shift = _SHIFT[p.align]
    block = (x - shift * widest, top, x + (1.0 - shift) * widest, top + block_height)
    return _Layout(font, tuple(lines), anchor, x, baselines, ink, block, raster_scale, to_frame)


def _render_layer(layout: _Layout, p: Any, width: int, height: int) -> tuple[Any, tuple[int, int]]:
    """The title (box, then text over it) as a premultiplied RGBA float32 tensor covering only the
    frame pixels it touches, and the (x, y) where that region starts."""
    t = torch_module()
    kx, ky = layout.to_frame
    left, top, right, bottom = layout.ink
    regions = [
        (left * kx - _AA_MARGIN, top * ky - _AA_MARGIN, right * kx + _AA_MARGIN, bottom * ky + _AA_MARGIN)
    ]
    box = None
    if p.box:
        padding = p.box_padding * layout.raster_scale
        left, top, right, bottom = layout.block
        box = ((left - padding) * kx, (top - padding) * ky, (right + padding) * kx, (bottom + padding) * ky)
        regions.append(box)
    x0 = max(0, math.floor(min(r[0] for r in regions)))
    y0 = max(0, math.floor(min(r[1] for r in regions)))
    x1 = min(width, math.ceil(max(r[2] for r in regions)))
    y1 = min(height, math.ceil(max(r[3] for r in regions)))
    if x1 <= x0 or y1 <= y0:  # entirely outside the frame
        return t.zeros(4, 0, 0), (0, 0)
    coverage = _text_coverage(layout, x0, y0, x1 - x0, y1 - y0)
    layer = _premultiplied(p.color) * coverage
    if box is not None:
        box_layer = _premultiplied(p.box_color) * _box_coverage(box, x0, y0, x1, y1)
        layer = layer + box_layer * (1.0 - layer[3:4])
    # fade the finished title, so the box does not show through the text as it fades
    return layer * p.opacity if p.opacity < 1.0 else layer, (x0, y0)


def _text_coverage(
    layout: _Layout, x0: int, y0: int, region_width: int, region_height: int, stroke: int = 0
) -> Any:
    """Antialiased glyph coverage 0..1 as a ``[1, H, W]`` tensor over the frame region at (x0, y0);
    with ``stroke``, the glyphs grown by that many raster pixels (FreeType's stroker: an outline)."""
    from PIL import Image, ImageDraw

    t = torch_module()
    kx, ky = layout.to_frame
    raster_width, raster_height = region_width / kx, region_height / ky
    mask = Image.new("L", (math.ceil(raster_width - 1e-6), math.ceil(raster_height - 1e-6)), 0)
    draw = ImageDraw.Draw(mask)
    with _FREETYPE_LOCK:
        for line, baseline in zip(layout.lines, layout.baselines, strict=True):
            if line.strip():
                draw.text((layout.x - x0 / kx, baseline - y0 / ky), line, fill=255, font=layout.font,
                          anchor=layout.anchor, stroke_width=stroke, stroke_fill=255)  # fmt: skip
    if mask.size == (region_width, region_height):
        data = t.frombuffer(bytearray(mask.tobytes()), dtype=t.uint8).to(t.float32)
        return data.view(1, region_height, region_width) / 255.0
    # A proxy or an anamorphic squeeze: average the raster onto the frame's pixels, in float.
    squeezed = mask.convert("F").resize((region_width, region_height), Image.Resampling.BOX,
                                        box=(0.0, 0.0, raster_width, raster_height))  # fmt: skip
    data = t.frombuffer(bytearray(squeezed.tobytes()), dtype=t.float32)
    return data.view(1, region_height, region_width) / 255.0


def _box_coverage(box: tuple[float, float, float, float], x0: int, y0: int, x1: int, y1: int) -> Any:
    """Exact area coverage of a rectangle with fractional edges (antialiased, so proxies match)."""
    t = torch_module()
    left, top, right, bottom = box
    xs = t.arange(x0, x1, dtype=t.float32)
    ys = t.arange(y0, y1, dtype=t.float32)
    across = (t.minimum(xs + 1, t.tensor(right)) - t.maximum(xs, t.tensor(left))).clamp(0.0, 1.0)
    down = (t.minimum(ys + 1, t.tensor(bottom)) - t.maximum(ys, t.tensor(top))).clamp(0.0, 1.0)
    return (down.view(-1, 1) * across.view(1, -1)).unsqueeze(0)


def _premultiplied(color: tuple[float, ...]) -> Any:
    """An RGBA colour parameter as a premultiplied ``[4, 1, 1]`` tensor."""
    t = torch_module()
    alpha = color[3]
    return t.tensor((*(c * alpha for c in color[:3]), alpha), dtype=t.float32).view(4, 1, 1)


@functools.lru_cache(maxsize=8)
def _metrics(path: str) -> tuple[float, float]:
    """The font's ascent and descent as fractions of its size (call with the FreeType lock held)."""
    ascent, descent = _font(path, _METRICS_SIZE).getmetrics()
    return ascent / _METRICS_SIZE, descent / _METRICS_SIZE


@functools.lru_cache(maxsize=32)
def _font(path: str, pixel_size: float) -> Any:
    """A Pillow font at ``pixel_size``; fonts are immutable, so one object serves every frame.
    Errors are not cached: a font file that appears later is picked up. Call with the FreeType lock
    held."""
    from PIL import ImageFont

    if not path:
        return ImageFont.load_default(size=pixel_size)
    full_path = os.path.expanduser(path)
    if not os.path.isfile(full_path):
        raise ParameterError(
            f"font file {path!r} was not found: choose an existing .ttf, .otf or .ttc file for the "
            "Title's font, or clear it to use the built-in font"
        )
    try:
        return ImageFont.truetype(full_path, pixel_size)
    except OSError as error:
        raise ParameterError(
            f"font file {path!r} could not be read as a font ({error}): choose a TrueType or "
            "OpenType file (.ttf, .otf, .ttc), or clear the Title's font to use the built-in font"
        ) from None
