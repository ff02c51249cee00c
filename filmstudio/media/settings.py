"""Encode settings and the presets behind them: which FFmpeg encoder, pixel format and options each uses.

Presets: 'h264' (libx264, 8-bit 4:2:0 or 10-bit), 'h265' (libx265, 8/10-bit), 'prores' (prores_aw, the fast
one), 'prores_ks' (slower, better rate control), 'dnxhr' (dnxhd encoder, DNxHR profiles), and the image
sequence presets 'png' and 'exr'. Video is tagged Rec.709 (primaries, transfer, matrix, limited range);
the frames handed to a writer are taken to be display-referred Rec.709/sRGB already.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av

from filmstudio.core.errors import MediaError, ParameterError
from filmstudio.media.stills import ImageFormat, image_format_for

__all__ = [
    "PRESETS",
    "AudioMode",
    "EncodePlan",
    "EncodeSettings",
    "Preset",
    "available_presets",
    "plan_encode",
]

Preset = Literal["h264", "h265", "prores", "prores_ks", "dnxhr", "png", "exr"]
AudioMode = Literal["auto", "copy", "aac"]
PRESETS: tuple[str, ...] = ("h264", "h265", "prores", "prores_ks", "dnxhr", "png", "exr")

_ENCODER = {
    "h264": "libx264",
    "h265": "libx265",
    "prores": "prores_aw",
    "prores_ks": "prores_ks",
    "dnxhr": "dnxhd",
    "png": "png",
    "exr": "exr",
}
_EXTENSIONS = {
    "h264": (".mp4", ".mov", ".mkv", ".m4v"), "h265": (".mp4", ".mov", ".mkv"), "prores": (".mov", ".mkv"),
    "prores_ks": (".mov", ".mkv"), "dnxhr": (".mov", ".mxf", ".mkv"), "png": (".png",), "exr": (".exr",),
}  # fmt: skip
_PRORES_PROFILES = ("proxy", "lt", "standard", "hq", "4444", "4444xq")
_PRORES_AW_NAMES = {
    "proxy": "Proxy",
    "lt": "LT",
    "standard": "Standard",
    "hq": "HQ",
    "4444": "4444",
    "4444xq": "XQ",
}
_DNXHR_FORMATS = {
    "lq": "yuv422p",
    "sq": "yuv422p",
    "hq": "yuv422p",
    "hqx": "yuv422p10le",
    "444": "yuv444p10le",
}
_DEFAULT_CRF = {"h264": 18, "h265": 20}


@dataclass(frozen=True)
class EncodeSettings:
    """How a render is encoded. Frozen; share freely between threads.

    ``bit_depth``: h264/h265 8 (default) or 10; png 8 (default) or 16; exr 16 (half, default) or 32
    (float); ProRes is 10-bit (12 with 4444) and DNxHR follows its profile. ``crf``: quality for
    h264/h265 (lower is better; default 18 and 20). ``speed``: the x264/x265 preset name. ``profile``:
    ProRes proxy/lt/standard/hq (default)/4444/4444xq; DNxHR lq/sq/hq (default)/hqx/444. ``alpha`` keeps
    alpha (ProRes 4444/4444xq, png, exr). ``gop``: keyframe interval in frames (h264/h265). ``audio``:
    'copy' remuxes the source's audio packets, 'aac' re-encodes (sample-accurate trimming), 'auto'
    copies when the whole stream is taken and the container accepts it, else re-encodes.
    ``audio_codec``: how a linked Audio (a mix) is encoded: 'aac', or 'pcm' (24-bit, MOV/MKV).
    ``first_frame`` numbers the first image of a sequence. ``encoder`` (h264/h265): 'software'
    (libx264/libx265), 'nvenc' (h264_nvenc/hevc_nvenc, refused where no NVIDIA GPU runs it) or
    'auto' (NVENC where it runs): see :mod:`filmstudio.media.hardware`.
    """

    preset: Preset = "h264"
    fps: Fraction = Fraction(24)
    bit_depth: int | None = None
    crf: int | None = None
    speed: str = "medium"
    profile: str | None = None
    alpha: bool = False
    gop: int | None = None
    audio: AudioMode = "auto"
    audio_bitrate: int = 192_000
    audio_codec: str = "aac"
    exr_compression: str = "zip16"
    first_frame: int = 1
    encoder: str = "software"

    def __post_init__(self) -> None:
        object.__setattr__(self, "fps", Fraction(self.fps))
        if self.preset not in PRESETS:
            raise ParameterError(f"unknown encode preset {self.preset!r}; choose one of {', '.join(PRESETS)}")
        if self.fps <= 0:
            raise ParameterError(f"fps must be positive, not {self.fps}")
        if self.audio not in ("auto", "copy", "aac"):
            raise ParameterError(f"audio must be 'auto', 'copy' or 'aac', not {self.audio!r}")
        if self.audio_codec not in ("aac", "pcm"):
            raise ParameterError(f"audio_codec must be 'aac' or 'pcm', not {self.audio_codec!r}")
        if self.crf is not None and not 0 <= self.crf <= 51:
            raise ParameterError(f"crf must be between 0 and 51, not {self.crf}")
        if self.gop is not None and self.gop < 1:
            raise ParameterError(f"gop must be at least 1 frame, not {self.gop}")
        plan_encode(self)  # every other combination problem, reported now rather than at the first frame


@dataclass(frozen=True)
class EncodePlan:
    """What a writer does for a preset: encoder, pixel format, array depth, options; derived, immutable."""

    codec: str
    pix_fmt: str
    array_dtype: str
    alpha: bool
    even_size: bool
    sequence: bool
    extensions: tuple[str, ...]
    options: tuple[tuple[str, str], ...] = ()
    context_profile: str | None = None
    gop: int | None = None
    codec_tag: str | None = None
    image_format: ImageFormat | None = field(default=None)
    min_size: tuple[int, int] = (1, 1)

    @property
    def premultiplied(self) -> bool:
        """The format stores colour premultiplied by alpha (EXR); others store straight alpha."""
        return self.image_format is not None and self.image_format.premultiplied


def plan_encode(settings: EncodeSettings) -> EncodePlan:
    """Turn settings into an :class:`EncodePlan`; :class:`ParameterError` for impossible combinations."""
    preset, depth = settings.preset, settings.bit_depth
    codec = _ENCODER[preset]
    extensions = _EXTENSIONS[preset]
    if preset in ("h264", "h265"):
        from filmstudio.media.hardware import choose_encoder, nvenc_options

        depth = depth or 8
        _require(depth in (8, 10), f"{preset} writes 8 or 10 bits, not {depth}")
        _require(not settings.alpha, f"{preset} cannot store alpha; use prores with profile 4444, png or exr")
        _require(settings.profile is None, f"{preset} has no profile setting; use crf and speed")
        codec = choose_encoder(preset, settings.encoder, depth)
        crf = settings.crf if settings.crf is not None else _DEFAULT_CRF[preset]
        options = [("crf", str(crf)), ("preset", settings.speed)]
        if preset == "h265":
            options.append(("x265-params", "log-level=error"))
        pix_fmt = "yuv420p" if depth == 8 else "yuv420p10le"
        if codec.endswith("_nvenc"):
            options, pix_fmt = list(nvenc_options(crf, settings.speed)), "yuv420p" if depth == 8 else "p010le"
        return EncodePlan(
            codec,
            pix_fmt,
            "uint8" if depth == 8 else "uint16",
            False,
            True,
            False,
            extensions,
            tuple(options),
            gop=settings.gop,
            codec_tag="hvc1" if preset == "h265" else None,
        )
    if preset in ("prores", "prores_ks"):
        profile = settings.profile or ("4444" if settings.alpha else "hq")
        _require(profile in _PRORES_PROFILES, f"ProRes profile must be one of {', '.join(_PRORES_PROFILES)}")
        four = profile.startswith("4444")
        _require(four or not settings.alpha, "ProRes keeps alpha only with profile 4444 or 4444xq")
        _require(depth in (None, 10, 12), "ProRes is 10-bit (12 with 4444); leave bit_depth empty")
        pix_fmt = ("yuva444p10le" if settings.alpha else "yuv444p10le") if four else "yuv422p10le"
        if preset == "prores":
            return EncodePlan(
                codec,
                pix_fmt,
                "uint16",
                settings.alpha,
                True,
                False,
                extensions,
                context_profile=_PRORES_AW_NAMES[profile],
            )
        return EncodePlan(
            codec,
            pix_fmt,
            "uint16",
            settings.alpha,
            pix_fmt.startswith("yuv422"),
            False,
            extensions,
            (("profile", profile),),
        )
    if preset == "dnxhr":
        profile = settings.profile or "hq"
        _require(profile in _DNXHR_FORMATS, f"DNxHR profile must be one of {', '.join(_DNXHR_FORMATS)}")
        _require(not settings.alpha, "DNxHR cannot store alpha; use prores with profile 4444, png or exr")
        pix_fmt = _DNXHR_FORMATS[profile]
        dtype = "uint8" if pix_fmt == "yuv422p" else "uint16"
        _require(depth in (None, 8 if dtype == "uint8" else 10), f"DNxHR {profile} has a fixed depth")
        return EncodePlan(
            codec,
            pix_fmt,
            dtype,
            False,
            pix_fmt.startswith("yuv422"),
            False,
            extensions,
            (("profile", f"dnxhr_{profile}"),),
            min_size=(256, 120),
        )
    _require(settings.profile is None, f"{preset} has no profile setting")
    allowed = (8, 16) if preset == "png" else (16, 32)
    _require(depth is None or depth in allowed, f"{preset} images are written at {allowed} bits, not {depth}")
    image_format = image_format_for(f"x.{preset}", depth)
    return EncodePlan(
        image_format.codec,
        image_format.pixel_format(settings.alpha),
        image_format.dtype,
        settings.alpha,
        False,
        True,
        extensions,
        image_format=image_format,
    )


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise ParameterError(problem)


def encoder_available(codec: str) -> bool:
    """True when this PyAV's FFmpeg can encode with ``codec``."""
    try:
        av.Codec(codec, "w")
    except (av.error.FFmpegError, ValueError):
        return False
    return True


def available_presets() -> dict[str, bool]:
    """Each preset and whether this FFmpeg build has its encoder (e.g. builds without libx265)."""
    return {preset: encoder_available(_ENCODER[preset]) for preset in PRESETS}


def check_output(
    settings: EncodeSettings, path: str | os.PathLike[str], frames: int | None = None
) -> EncodePlan:
    """The plan for writing ``frames`` frames (None: not known yet) to ``path``.

    :class:`MediaError`, before any frame is rendered, when the encoder is missing, the extension is
    wrong, ``path`` is an existing folder, or a png/exr name without a frame pattern is given more
    than one frame (a plain name holds one image, as in Nuke).
    """
    plan = plan_encode(settings)
    if not encoder_available(plan.codec):
        usable = [name for name, ok in available_presets().items() if ok]
        raise MediaError(
            path,
            f"this FFmpeg build (PyAV {av.__version__}) has no {plan.codec!r} encoder, which the "
            f"{settings.preset!r} preset needs; choose another preset ({', '.join(usable)})",
        )
    if Path(path).is_dir():
        frame = ".####" if plan.sequence else ""
        example = Path(path) / f"render{frame}{plan.extensions[0]}"
        raise MediaError(path, f"this is a folder, not a file name: choose a file inside it (e.g. {example})")
    suffix = Path(path).suffix.lower()
    if suffix not in plan.extensions:
        raise MediaError(
            path,
            f"the {settings.preset!r} preset writes {' or '.join(plan.extensions)} files; "
            f"change the file name's extension",
        )
    if plan.sequence and frames is not None and frames > 1 and not _is_pattern(path):
        raise MediaError(path, one_image_only(Path(path), frames))
    return plan


def one_image_only(path: Path, frames: int) -> str:
    """Why a plain image name cannot take ``frames`` frames, and what to do instead."""
    return (
        f"the name has no frame number, so it holds one image, not {frames}: put #### or %04d where the "
        f"number goes (e.g. {path.stem}.####{path.suffix}), or render a single frame"
    )


def _is_pattern(path: str | os.PathLike[str]) -> bool:
    from filmstudio.media.sequence import is_sequence_pattern  # sequence reads stills, as we do

    return is_sequence_pattern(path)
