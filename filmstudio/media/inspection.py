"""What one open media file holds: index its video stream, decode its first frame, describe it.

The single-file half of probing, shared by :func:`~filmstudio.media.probe.probe`, the video reader,
still images and image sequences (which describe themselves from their first image). Safe to call
from any thread; each call works on its own container.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from filmstudio.core.errors import MediaError
from filmstudio.media.convert import PixelLayout, layout_for
from filmstudio.media.failures import check_readable_file, reading
from filmstudio.media.index import FrameIndex, build_index
from filmstudio.media.info import AudioInfo, ColourTags, MediaInfo, SubtitleInfo, guess_colour_space

__all__ = ["Inspection", "inspect_video", "open_input", "probe_file"]


def probe_file(path: str | os.PathLike[str]) -> MediaInfo:
    """Describe one video file or still image; raises :class:`MediaError` naming the file."""
    file = check_readable_file(path)
    container = open_input(file)
    try:
        return inspect_video(container, file).info
    finally:
        container.close()


@dataclass(frozen=True, eq=False)
class Inspection:
    """What a reader needs after opening a file: the facts, the stream index and the pixel layout."""

    info: MediaInfo
    index: FrameIndex
    layout: PixelLayout
    stream_index: int
    first_frame: av.VideoFrame


def open_input(file: Path, hwaccel: Any = None) -> av.container.InputContainer:
    """Open ``file`` for demuxing (``hwaccel``: a PyAV ``HWAccel`` its video decodes with, see
    :mod:`filmstudio.media.hardware`); failures become :class:`MediaError`."""
    with reading(file, "opening"):
        if hwaccel is not None:
            return av.open(str(file), mode="r", hwaccel=hwaccel)
        return av.open(str(file), mode="r")


def find_video_stream(container: av.container.InputContainer, file: Path) -> av.VideoStream:
    """The first real video stream (cover art in audio files does not count)."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    kinds = sorted({s.type for s in container.streams}) or ["nothing"]
    raise MediaError(file, f"has no video stream (it holds {', '.join(kinds)}); choose a video or image file")


def is_image_format(format_name: str) -> bool:
    """True for FFmpeg's single-image demuxers (png_pipe, exr_pipe, image2, ...)."""
    names = format_name.split(",")
    return any(name.endswith("_pipe") or name == "image2" for name in names)


def inspect_video(container: av.container.InputContainer, file: Path, threads: int = 0) -> Inspection:
    """Index the first video stream of an open container and describe it. ``threads``: how many
    threads its decoder uses (0: FFmpeg's choice, one per core and one more).

    Leaves the container positioned after its first decoded frame; callers seek before reading.
    """
    stream = find_video_stream(container, file)
    stream.codec_context.thread_type = "AUTO"  # frame + slice threads; decoding stays bit-exact
    if threads:
        stream.codec_context.thread_count = threads
    with reading(file, "indexing"):
        index = build_index(container, stream, file)
    kind = "image" if is_image_format(container.format.name) else "video"
    first = _first_frame(container, stream, index, file, kind)
    codec = stream.codec_context.name
    pix_fmt = first.format.name
    tags = ColourTags.from_numbers(
        first.color_primaries, first.color_trc, first.colorspace, first.color_range
    )
    rotation = (-round((first.rotation or 0) / 90.0) * 90) % 360
    width, height = first.width, first.height
    if rotation in (90, 270):
        width, height = height, width
    layout = layout_for(
        pix_fmt,
        matrix_tag=tags.matrix,
        range_tag=tags.range,
        height=first.height,
        still=kind == "image",
        premultiplied=codec == "exr",
    )
    colour_space = guess_colour_space(
        tags, is_rgb=layout.is_rgb, is_float=layout.is_float, height=first.height
    )
    pixel_aspect = stream.sample_aspect_ratio or Fraction(1)
    if kind == "image":
        fps, frame_count, duration_s, vfr = None, 1, 0.0, False
        rates = None
    else:
        vfr = index.variable_frame_rate
        fps = _frame_rate(stream, index, vfr)
        frame_count = len(index)
        # CFR: count / rate is exact where timestamps are rounded (Matroska's milliseconds).
        duration_s = float(frame_count / fps) if fps and not vfr else index.duration_s
        rates = index.rate_range() if vfr else None
    info = MediaInfo(
        path=str(file),
        kind=kind,
        codec=codec,
        width=width,
        height=height,
        pixel_aspect=Fraction(pixel_aspect) if pixel_aspect > 0 else Fraction(1),
        fps=fps,
        frame_count=frame_count,
        duration_s=duration_s,
        variable_frame_rate=vfr,
        rotation=rotation,
        pix_fmt=pix_fmt,
        bit_depth=32 if layout.is_float and "f32" in pix_fmt else layout.bit_depth,
        has_alpha=layout.has_alpha,
        colour_primaries=tags.primaries,
        colour_transfer=tags.transfer,
        colour_matrix=tags.matrix,
        colour_range=tags.range,
        colour_space=colour_space,
        audio=_audio_streams(container),
        subtitles=_subtitle_streams(container),
        container_format=container.format.name,
        min_fps=rates[0].limit_denominator(1_000_000) if rates else None,
        max_fps=rates[1].limit_denominator(1_000_000) if rates else None,
    )
    return Inspection(info=info, index=index, layout=layout, stream_index=stream.index, first_frame=first)


def _first_frame(
    container: av.container.InputContainer, stream: av.VideoStream, index: FrameIndex, file: Path, kind: str
) -> av.VideoFrame:
    """Decode the first frame (for rotation, colour tags and the decoded pixel format)."""
    with reading(file, "decoding"):
        if kind == "video":
            try:
                container.seek(int(index.pts[0]), stream=stream, backward=True)
                frame = _decode_first(container, stream)
            except av.error.FFmpegError:
                frame = None
            if frame is not None:
                return frame
        with av.open(str(file), mode="r") as fresh:  # image pipes cannot seek: read a fresh copy
            frame = _decode_first(fresh, fresh.streams[stream.index])
    if frame is None:
        raise MediaError(
            file, "no frame of the video stream could be decoded: the file is damaged; export it again"
        )
    return frame


def _decode_first(container: av.container.InputContainer, stream: av.VideoStream) -> av.VideoFrame | None:
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue
        if frames:
            return frames[0]
    return None


def _frame_rate(stream: av.VideoStream, index: FrameIndex, vfr: bool) -> Fraction | None:
    counted = index.average_rate()
    if vfr and counted:
        return counted.limit_denominator(1_000_000)
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and rate > 0:
            return Fraction(rate)
    return counted.limit_denominator(1_000_000) if counted else None


def _subtitle_streams(container: av.container.InputContainer) -> tuple[SubtitleInfo, ...]:
    return tuple(
        SubtitleInfo(track, stream.index, stream.codec_context.name, stream.metadata.get("language", ""))
        for track, stream in enumerate(container.streams.subtitles)
    )


def _audio_streams(container: av.container.InputContainer) -> tuple[AudioInfo, ...]:
    found = []
    for stream in container.streams.audio:
        context = stream.codec_context
        if stream.duration and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = (container.duration or 0) / av.time_base
        found.append(
            AudioInfo(
                index=stream.index,
                codec=context.name,
                sample_rate=int(context.sample_rate or 0),
                channels=int(context.layout.nb_channels if context.layout else 0),
                duration_s=duration,
            )
        )
    return tuple(found)
