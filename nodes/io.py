"""Read and Write: footage in, finished clips out.

Read decodes a movie, an image sequence (``shot.####.exr``) or a still, frame-exact, converts it from
its colour space to the scene-linear working space and places it on the timeline. Write marks what
a render exports and how; in the graph it passes its input through, so the viewer shows what will be
written. The export itself streams through :mod:`filmstudio.render`.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from filmstudio.api import (
    AUTO,
    COLOUR_SPACES,
    CUSTOM,
    VIEWER,
    WORKING,
    BoolParam,
    ChoiceParam,
    ColourSpaceParam,
    Device,
    DisplayParam,
    EvalContext,
    Input,
    IntParam,
    MediaError,
    Node,
    Output,
    PathParam,
    PortType,
    TextParam,
    Values,
    ViewParam,
    config_source,
)

COLOUR_CHOICES = (AUTO, *COLOUR_SPACES, WORKING, CUSTOM)
DISPLAY = "display"  # Write only: through an OCIO display and view
_SEQUENCE_PRESETS = ("png", "exr")
_CUSTOM_SPACE_TIP = "with colorspace custom: a colour space of the OCIO config"
MEDIA_FILTER = "Media (*.mp4 *.mov *.mkv *.mxf *.avi *.webm *.png *.jpg *.jpeg *.tif *.tiff *.exr *.dpx)"


class Read(Node):
    """Footage from disk: frame ``start_frame`` of the timeline shows the clip's first used frame.

    ``trim_in``/``trim_out`` choose the clip's frames (0 = its first; ``trim_out`` -1 = to its end).
    Outside them the Read holds the nearest frame, gives transparent black, or fails (``outside``).
    Missing frames of a sequence follow ``missing``. ``timing`` places a movie on the timeline:
    "auto" places a variable-frame-rate movie (a phone clip) by time — each timeline frame shows
    the clip's frame on screen at that moment, so its pace and sound stay as recorded — and a
    constant-rate one frame for frame; "time" places any movie by time; "frames" places every
    movie frame for frame. Frame for frame, a clip at another rate plays at the project's pace
    and its sound is conformed to it, pitch and all, as in a film conform: a 30 fps clip in a
    24 fps project plays 4/5 as fast, its sound 4/5 as fast and lower (23.976 in 24: 0.1%);
    ``keep_pitch`` conforms its pace and keeps its pitch (a time-stretch, FFmpeg's atempo), as
    an editor's "maintain audio pitch" does.
    The ``audio`` output is the file's sound (stream ``audio_stream``) at the project's sample
    rate, starting with the first used frame and ending with the last (silence elsewhere, and
    for files without sound); it is the same value at every frame.
    Changes on disk are followed: a replaced movie, and each image of a sequence on its own, are
    part of the frame's cache key. ``colorspace`` is the file's colour space:
    auto guesses it from the file's tags (sRGB for untagged images, Rec.709 for untagged HD video,
    linear for float images), ``working`` means the file already holds working-space values, and
    custom takes any colour space of the OCIO config typed in ``ocio_colorspace``.
    """

    id = "Read"
    category = "Image"
    device = Device.CPU
    time_dependent = True
    media_file = "file"
    per_pixel = True  # its input transform: exports may fuse it with the grades after it
    # image first: links made before Read had sound still find it
    outputs = (Output("image", PortType.IMAGE), Output("audio", PortType.AUDIO))
    params = (
        PathParam("file", file_filter=MEDIA_FILTER, on_node=True),
        IntParam("start_frame", 1, animatable=False),
        IntParam("trim_in", 0, animatable=False, minimum=0),
        IntParam("trim_out", -1, animatable=False, minimum=-1),
        ChoiceParam("outside", ("hold", "black", "error")),
        ChoiceParam(
            "timing",
            ("auto", "time", "frames"),
            tooltip="auto: variable-rate clips by time, others frame for frame; time: at the clip's "
            "own pace, sound as recorded; frames: clip frame n at start_frame + n, sound conformed to match",
        ),
        BoolParam(
            "keep_pitch",
            False,
            animatable=False,
            tooltip="a clip conformed to the project's rate (frame for frame at another rate): its sound "
            "keeps its pitch (time-stretched) instead of rising or falling with the speed",
        ),
        ChoiceParam("missing", ("error", "black", "hold"), tooltip="missing frames of an image sequence"),
        ChoiceParam("colorspace", COLOUR_CHOICES, tooltip="the file's colour space (auto: from its tags)"),
        ColourSpaceParam(
            "ocio_colorspace", tooltip="with colorspace custom: a colour space of the OCIO config"
        ),
        IntParam(
            "audio_stream",
            0,
            animatable=False,
            minimum=0,
            tooltip="which of the file's audio streams the audio output plays (0: the first)",
        ),
    )

    def clip_frame(self, values: Values, first: int, last: int, frame: int) -> int | None:
        from filmstudio.api import clip_frame_number

        return clip_frame_number(first, last, values, frame)

    def clip_seconds(self, values: Values, clip: Any, frame: int, fps: Fraction) -> float | None:
        return clip.seconds_at(values, frame, fps)  # by time for a variable-rate clip, as shown

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # The frame depends on the file it shows (a replaced movie, a re-rendered or newly added
        # image of a sequence must not be served from cache) and on the OCIO config that converts it.
        from filmstudio.api import footage_identity

        p = ctx.params
        identity = footage_identity(ctx.resolve_path(p.file), p, ctx.frame, ctx.fps) if p.file else None
        return [identity, config_source()]

    def evaluate(self, ctx: EvalContext) -> Any:
        from filmstudio.api import chosen_space, file_identity, read_audio, read_working, shared_pool

        p = ctx.params
        if not p.file:
            raise MediaError("(no file)", "the Read node has no file: choose one in its file parameter")
        path = ctx.resolve_path(p.file)
        clip = shared_pool.open(path)
        audio = read_audio(path, file_identity(path), clip, p, ctx.fps)
        number = clip.frame_at(p, ctx.frame, ctx.fps)
        if number is None:
            return {"image": _black(clip.info.width, clip.info.height, ctx.scale), "audio": audio}
        ctx.check_cancelled()
        space = chosen_space(
            p.colorspace, p.ocio_colorspace, clip.info.colour_space, what="the Read's colorspace"
        )
        image = read_working(clip, number, p.missing, space)  # 8-bit decode: a lookup, not a pow
        return {"image": _scaled(image, ctx.scale), "audio": audio}

    def colour_function(self, ctx: EvalContext) -> Any:
        from filmstudio.api import chosen_space, shared_pool, to_working_function

        p = ctx.params
        if not p.file:
            return None
        clip = shared_pool.open(ctx.resolve_path(p.file))
        space = chosen_space(
            p.colorspace, p.ocio_colorspace, clip.info.colour_space, what="the Read's colorspace"
        )
        return to_working_function(space)


class Write(Node):
    """Marks an export: file, codec preset and quality. Passes its input through in the graph;
    ``filmstudio render`` (or Render > Export) streams frames into the file, under a temporary name
    until it is complete. ``audio`` auto writes the sound linked to the ``audio`` input, mixed
    once for the whole range (``audio_codec``: AAC, or PCM in MOV/MKV), and without one copies
    the sound of the first Read upstream that has some.

    ``colorspace`` is the output transform: auto writes movies through the default display and
    view the viewer starts with (``filmstudio.colour.default_view()``: Rec.709 with the built-in
    config, so an ungraded Rec.709 clip exports unchanged and the viewer shows what is written),
    sRGB stills and linear (Rec.709 primaries) EXRs; ``display`` renders through an OCIO
    ``display`` and ``view`` (empty: the defaults), e.g. an ACES output transform; ``viewer``
    (same as viewer) renders through ``display`` and ``view`` too, and the editor's viewer keeps
    them equal to its own display and view, so a headless render of the saved project writes
    what the viewer showed.

    ``encoder`` picks x264/x265 or NVENC for h264/h265 (NVENC's quality follows ``crf``, its speed
    ``speed``); an encoder that cannot run here is refused before the first frame.

    Subtitles linked to ``subtitles`` go into the file as a soft subtitle track tagged with
    ``subtitle_language``: mov_text in MP4/MOV, SRT, ASS or WebVTT in MKV (``subtitle_format``),
    timed so each cue shows on its frames; other outputs (MXF, image sequences) get a sidecar
    subtitle file beside them (``shot.srt``)."""

    id = "Write"
    category = "Image"
    output_file = "file"
    per_pixel = True  # its output transform: exports may fuse it with the grades before it
    inputs = (
        Input("source", PortType.IMAGE),
        Input("audio", PortType.AUDIO, optional=True),
        Input("subtitles", PortType.SUBTITLES, optional=True),
    )
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        PathParam("file", "render.mp4", mode="save", on_node=True),
        ChoiceParam("preset", ("h264", "h265", "prores", "prores_ks", "dnxhr", "png", "exr")),
        IntParam(
            "crf", 18, animatable=False, minimum=0, maximum=51, tooltip="h264/h265 quality: lower is better"
        ),
        ChoiceParam(
            "speed",
            ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower"),
            "medium",
        ),
        ChoiceParam(
            "encoder",
            ("software", "auto", "nvenc"),
            tooltip="h264/h265: x264/x265, NVENC on an NVIDIA GPU, or NVENC where one runs (auto)",
        ),
        ChoiceParam("bit_depth", ("auto", "8", "10", "12", "16", "32")),
        ChoiceParam(
            "profile", ("auto", "proxy", "lt", "standard", "hq", "4444", "4444xq", "lq", "sq", "hqx", "444")
        ),
        BoolParam("alpha", False, tooltip="keep alpha (ProRes 4444, PNG, EXR)"),
        ChoiceParam("audio", ("auto", "none")),
        ChoiceParam(
            "audio_codec", ("aac", "pcm"), tooltip="a linked audio input as AAC, or 24-bit PCM (MOV, MKV)"
        ),
        ChoiceParam(
            "colorspace",
            (*COLOUR_CHOICES, DISPLAY, VIEWER),
            tooltip="the output transform (viewer: the viewer's display and view)",
        ),
        ColourSpaceParam(
            "ocio_colorspace", tooltip="with colorspace custom: a colour space of the OCIO config"
        ),
        DisplayParam(
            "display", tooltip="with colorspace display or viewer: an OCIO display (empty: the default)"
        ),
        ViewParam(
            "view", tooltip="with colorspace display or viewer: a view of that display (empty: its default)"
        ),
        ChoiceParam(
            "subtitle_format",
            ("auto", "srt", "ass", "webvtt"),
            tooltip="linked subtitles in an MKV as SRT (auto), ASS or WebVTT; MP4/MOV carry mov_text",
        ),
        TextParam(
            "subtitle_language",
            "",
            tooltip="ISO 639 code of the subtitle track (eng, fra); empty: the cues' own",
        ),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        return ctx.input("source")

    def encode_settings(self, values: Values, fps: Fraction, first_frame: int) -> Any:
        from filmstudio.api import EncodeSettings

        return EncodeSettings(
            preset=values.preset,
            fps=fps,
            bit_depth=None if values.bit_depth == "auto" else int(values.bit_depth),
            crf=values.crf if values.preset in ("h264", "h265") else None,
            speed=values.speed,
            profile=None if values.profile == "auto" else values.profile,
            alpha=values.alpha,
            first_frame=first_frame,
            audio_codec=values.audio_codec,
            encoder=values.encoder,
        )

    def output_image(self, image: Any, values: Values, target: Path) -> Any:
        from filmstudio.api import display_transform, from_working

        display, space = _output_transform(values)
        return from_working(image, space) if display is None else display_transform(image, *display)

    def colour_function(self, ctx: EvalContext) -> Any:
        from filmstudio.api import display_function, from_working_function

        display, space = _output_transform(ctx.params)
        return from_working_function(space) if display is None else display_function(*display)

    def copies_audio(self, values: Values) -> bool:
        return values.audio != "none" and values.preset not in _SEQUENCE_PRESETS


def _output_transform(values: Values) -> tuple[tuple[str | None, str | None] | None, Any]:
    """A Write's output transform: ((display, view), None) through a display's view (None: the
    defaults), or (None, colour space)."""
    from filmstudio.api import chosen_space

    if values.colorspace in (DISPLAY, VIEWER):
        return (values.display or None, values.view or None), None
    preset = values.preset
    if values.colorspace == AUTO and preset not in _SEQUENCE_PRESETS:
        return (None, None), None  # movies: what the viewer shows by default
    default = "linear" if preset == "exr" else "sRGB"
    space = chosen_space(values.colorspace, values.ocio_colorspace, None, default, "the Write's colorspace")
    return None, space


def _black(width: int, height: int, scale: float) -> Any:
    import torch

    return torch.zeros((4, max(1, round(height * scale)), max(1, round(width * scale))))


def _scaled(image: Any, scale: float) -> Any:
    if scale == 1.0:
        return image
    import torch

    height, width = image.shape[1:]
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    mode = "area" if scale < 1.0 else "bilinear"
    return torch.nn.functional.interpolate(image.unsqueeze(0), size=size, mode=mode)[0]
