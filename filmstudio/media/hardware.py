"""Hardware video codecs: NVENC encoding and NVDEC (CUDA) decoding, when the machine has them.

PyAV's wheels carry FFmpeg's ``h264_nvenc``/``hevc_nvenc`` encoders and CUDA hardware decoding;
they work where an NVIDIA driver with NVENC/NVDEC is installed. Whether they do is found out by
trying, once per process: an encoder is opened on a small test picture (:func:`nvenc_usable`), a
CUDA device context is created (:func:`nvdec_usable`).

A Write chooses its encoder with ``encoder``: ``software`` (libx264/libx265, the default),
``nvenc`` (refused before any frame where it cannot run, saying why) or ``auto`` (NVENC exactly
where it runs). NVENC's quality scale is its own: ``crf`` becomes NVENC's constant-quality ``cq``
(VBR with no bitrate cap) and the x264 speed names map onto NVENC's presets p1 (fastest) to p7.

Decoded hardware frames are copied to host memory by PyAV; frames do not stay on the GPU between
decode, nodes and encode (PyAV exposes no CUDA frames to torch).
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import av

from filmstudio.core.errors import ParameterError

ENCODER_CHOICES = ("software", "auto", "nvenc")
NVENC = {"h264": "h264_nvenc", "h265": "hevc_nvenc"}
SOFTWARE = {"h264": "libx264", "h265": "libx265"}
_NVENC_PRESETS = {
    "ultrafast": "p1", "superfast": "p2", "veryfast": "p3", "faster": "p4", "fast": "p4",
    "medium": "p5", "slow": "p6", "slower": "p7",
}  # fmt: skip


@functools.cache
def nvenc_usable(codec: str) -> bool:
    """Whether FFmpeg's ``codec`` (``h264_nvenc``, ``hevc_nvenc``) opens here: this build has it and
    an NVIDIA driver with NVENC answers. Opens a 256x256 encoder once per process."""
    try:
        context = av.CodecContext.create(codec, "w")
        context.width, context.height, context.pix_fmt = 256, 256, "yuv420p"
        context.time_base = Fraction(1, 24)
        context.open()
    except (av.error.FFmpegError, ValueError, OSError):
        return False
    return True


@functools.cache
def nvdec_usable() -> bool:
    """Whether CUDA hardware decoding can start here (a CUDA device context opens)."""
    from av.codec.hwaccel import HWAccel, hwdevices_available

    if "cuda" not in hwdevices_available():
        return False
    try:
        HWAccel(device_type="cuda", allow_software_fallback=False).create(av.Codec("h264", "r"))
    except (av.error.FFmpegError, ValueError, OSError, NotImplementedError):
        return False
    return True


def choose_encoder(preset: str, encoder: str, bit_depth: int, usable: Any = None) -> str:
    """The FFmpeg encoder of an ``h264``/``h265`` preset for a Write's ``encoder`` choice.

    ``usable(codec)`` says whether an NVENC encoder runs here (injectable for tests). Raises
    :class:`ParameterError` when NVENC is asked for and cannot be used, saying why."""
    if encoder not in ENCODER_CHOICES:
        raise ParameterError(f"encoder must be one of {', '.join(ENCODER_CHOICES)}, not {encoder!r}")
    software, hardware = SOFTWARE[preset], NVENC[preset]
    usable = usable or nvenc_usable
    if encoder == "software":
        return software
    fits = bit_depth == 8 or preset == "h265"  # NVENC's H.264 is 8-bit only
    if encoder == "auto":
        return hardware if fits and usable(hardware) else software
    if not fits:
        raise ParameterError(
            f"NVENC writes H.264 at 8 bits only, not {bit_depth}: use h265 or the software encoder"
        )
    if not usable(hardware):
        raise ParameterError(
            f"the {hardware} encoder cannot run here (it needs an NVIDIA GPU and its driver); "
            "set the Write's encoder to software or auto"
        )
    return hardware


def nvenc_options(crf: int, speed: str) -> tuple[tuple[str, str], ...]:
    """NVENC options for an x264-style quality (``crf`` as constant quality) and speed name."""
    return (
        ("preset", _NVENC_PRESETS.get(speed, "p5")),
        ("tune", "hq"),
        ("rc", "vbr"),
        ("cq", str(crf)),
        ("b", "0"),
    )


def hardware_decoding() -> Any:
    """A PyAV ``HWAccel`` for CUDA decoding (software fallback for codecs NVDEC lacks), or None
    where CUDA decoding cannot start."""
    from av.codec.hwaccel import HWAccel

    return HWAccel(device_type="cuda", allow_software_fallback=True) if nvdec_usable() else None
