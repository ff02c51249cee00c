"""``VideoWriter``: encode frames to a video file or an image sequence, never leaving a half file behind.

Output goes to a hidden temporary name in the destination folder (``.name.<pid>@<host>.<token>.partial.mp4``,
keeping the extension so FFmpeg picks the right muxer; a ``.partial`` folder for sequences) and is renamed
into place by a successful :meth:`VideoWriter.close` only. :meth:`~VideoWriter.abort`, an exception inside
a ``with`` block, a failed write, or the writer being garbage-collected unfinished remove the temporary
output; a file already under the final name is untouched until the rename. What a killed process (SIGKILL,
power cut) could not remove is removed by the next writer into that folder, once its owner is gone
(:mod:`filmstudio.core.leftovers`). Outputs get the usual mode for the umask.

A png/exr path with a frame pattern (``shot.####.png``) is a sequence; a plain name (``still.png``) holds
one frame, as in Nuke: writing a second frame to it is refused, before any rendering when the caller
says how many frames are coming (``frames``).

Odd sizes: encoders whose pixel format halves chroma resolution (4:2:0, 4:2:2, and prores_aw always)
need an even width and height. An odd width or height is padded by one pixel on the right / bottom,
repeating the last column / row (never scaled), so 853x481 is written as 854x482.

Soft subtitles: a :class:`~filmstudio.media.subtitles.SubtitleTrack` given as ``subtitles`` becomes a
text subtitle stream of the movie, muxed beside the video in the same pass.

Frames may also be handed over as RGB ``av.VideoFrame`` s of file values (:meth:`VideoWriter.write_frame`:
a fused export's planar frames go to the encoder's pixel format in one swscale pass, no array).

Threads: a writer is used from one thread at a time (the export's encode thread). ``threads`` sizes
the encoder's own threads (0: FFmpeg's choice), so an export can share the cores with its decoder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np
from av.video.reformatter import Interpolation

from filmstudio.core.errors import MediaError
from filmstudio.core.leftovers import owned_temporary, remove_stale
from filmstudio.media.audio import AudioPassthrough
from filmstudio.media.audio_encode import AudioEncoder
from filmstudio.media.convert import array_to_frame, image_to_array, pad_to_even
from filmstudio.media.failures import writing
from filmstudio.media.settings import EncodePlan, EncodeSettings, check_output, one_image_only
from filmstudio.media.stills import encode_image
from filmstudio.media.subtitles import SubtitleTrack

if TYPE_CHECKING:
    import torch

    from filmstudio.audio.clip import Audio

__all__ = ["VideoWriter"]

# swscale's default RGB->YUV rounds 8-bit chroma 0.16 code low (measured on flat colours); accurate
# rounding is exact, for 1.4 ms more a 1080p frame. (Its 16-bit input writes 10-bit luma 1.7 codes
# high whatever the flags.)
_ACCURATE = Interpolation.BILINEAR | Interpolation.ACCURATE_RND


class VideoWriter:
    """Encodes frames with an :class:`EncodeSettings` preset into ``path`` (png/exr: a pattern, or a
    plain name for one image; ``frames``, when given, lets a plain name with more frames be refused now).

    ``write`` takes a float ``[4,H,W]`` / ``[3,H,W]`` tensor in 0..1 with premultiplied alpha (what the
    engine makes; alpha is unpremultiplied for formats that store straight alpha, kept premultiplied for
    EXR, dropped for formats without alpha) or an ``HxWxC`` numpy array of file values (uint8, uint16 or
    float; straight alpha, like ``VideoReader.read`` gives). All frames must have the size of the first.
    ``audio_from`` copies or re-encodes the first audio stream of that file, trimmed to ``audio_range_s``
    (seconds from its start; None takes it all). ``audio`` instead encodes an
    :class:`~filmstudio.audio.clip.Audio` (a linked mix) over project samples ``audio_span``
    (``[start, stop)``: the range's exact samples) as ``settings.audio_codec`` (AAC or PCM).
    Failures are :class:`MediaError` naming the output.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        settings: EncodeSettings | None = None,
        audio_from: str | os.PathLike[str] | None = None,
        audio_range_s: tuple[float, float] | None = None,
        frames: int | None = None,
        subtitles: SubtitleTrack | None = None,
        audio: Audio | None = None,
        audio_span: tuple[int, int] | None = None,
        threads: int = 0,
    ) -> None:
        from filmstudio.media.sequence import is_sequence_pattern

        self._path = Path(path)
        self._settings = settings or EncodeSettings()
        self._plan = check_output(self._settings, self._path, frames)
        self._finished = True  # until the temporary output exists
        self._frames_written = 0
        self._size: tuple[int, int] | None = None
        single = self._plan.sequence and not is_sequence_pattern(self._path)
        remove_stale(self._path.parent, "partial")  # what killed renders left in this folder
        self._sink: _SequenceSink | _MovieSink | _StillSink
        if subtitles is not None and self._plan.sequence:
            raise MediaError(self._path, "image sequences cannot carry a subtitle track: write a sidecar")
        if audio is not None and (audio_from is not None or audio_span is None):
            raise MediaError(self._path, "give audio with its audio_span, and not with audio_from")
        if self._plan.sequence:
            if audio_from is not None or audio is not None:
                raise MediaError(
                    self._path,
                    "image sequences cannot carry audio; leave audio_from empty or export a video file",
                )
            if single:
                self._sink = _StillSink(self._path, self._plan, self._settings)
            else:
                self._sink = _SequenceSink(self._path, self._plan, self._settings)
        else:
            sound = AudioEncoder(audio, audio_span, self._settings.audio_codec, self._path) if audio else None
            self._sink = _MovieSink(self._path, self._plan, self._settings, audio_from, audio_range_s, sound)
            self._sink.subtitles = subtitles
            self._sink.threads = threads
        self._finished = False

    @property
    def path(self) -> Path:
        return self._path

    @property
    def frames_written(self) -> int:
        return self._frames_written

    @property
    def settings(self) -> EncodeSettings:
        return self._settings

    def write(self, image: torch.Tensor | np.ndarray) -> None:
        """Encode the next frame (see the class docstring for what ``image`` may be)."""
        if self._finished:
            raise MediaError(self._path, "the writer is already closed or aborted; start a new export")
        plan = self._plan
        try:
            array = image_to_array(
                image,
                dtype=plan.array_dtype,
                alpha=plan.alpha,
                unpremultiply=not plan.premultiplied,
                clip=not plan.premultiplied,
            )
        except ValueError as exc:
            self.abort()
            raise MediaError(self._path, f"frame {self._frames_written} cannot be written: {exc}") from exc
        size = (array.shape[1], array.shape[0])
        if self._size is None:
            self._size = size
        elif size != self._size:
            self.abort()
            raise MediaError(
                self._path,
                f"frame {self._frames_written} is {size[0]}x{size[1]} but the export "
                f"is {self._size[0]}x{self._size[1]}; every frame must have the same size",
            )
        if plan.even_size:
            array = pad_to_even(array)
        try:
            self._sink.write(array, self._frames_written)
        except BaseException:
            self.abort()
            raise
        self._frames_written += 1

    def prepare(self, image: torch.Tensor | np.ndarray) -> np.ndarray:
        """``image`` as the array :meth:`write` encodes (quantised, alpha handled), made on any
        thread, so an export converts its next frame while this one encodes; :meth:`write` then
        takes it as it is. Raises ValueError for an image of the wrong shape or type."""
        plan = self._plan
        return image_to_array(
            image,
            dtype=plan.array_dtype,
            alpha=plan.alpha,
            unpremultiply=not plan.premultiplied,
            clip=not plan.premultiplied,
        )

    def write_frame(self, frame: av.VideoFrame) -> None:
        """Encode the next frame given as an RGB ``av.VideoFrame`` of file values (``gbrp``,
        ``rgb24``, ...: what :meth:`write` would get as an array, without alpha) into a movie."""
        if self._finished:
            raise MediaError(self._path, "the writer is already closed or aborted; start a new export")
        sink = self._sink
        size = (frame.width, frame.height)
        problem = ""
        if not isinstance(sink, _MovieSink) or self._plan.alpha:
            problem = "only movies without alpha take frames; write arrays"
        elif self._size is not None and size != self._size:
            problem = f"it is {size[0]}x{size[1]} but the export is {self._size[0]}x{self._size[1]}"
        elif self._plan.even_size and (size[0] % 2 or size[1] % 2):
            problem = f"{self._plan.codec} needs an even size, not {size[0]}x{size[1]}; write arrays"
        if problem:
            self.abort()
            raise MediaError(self._path, f"frame {self._frames_written} cannot be written: {problem}")
        self._size = size
        try:
            sink.write_frame(frame, self._frames_written)
        except BaseException:
            self.abort()
            raise
        self._frames_written += 1

    def close(self) -> Path:
        """Finish the file and rename it into place; returns the final path (the pattern for sequences)."""
        if self._finished:
            raise MediaError(self._path, "the writer is already closed or aborted")
        if self._frames_written == 0:
            self.abort()
            raise MediaError(self._path, "no frames were written, so there is nothing to save")
        try:
            self._sink.finish()
        except BaseException:
            self.abort()
            raise
        self._finished = True
        return self._path

    def abort(self) -> None:
        """Discard everything written so far; the final name is left as it was. Idempotent."""
        if self._finished:
            return
        self._finished = True
        self._sink.discard()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._finished:
            self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            if not getattr(self, "_finished", True):
                self.abort()


def _temporary_name(target: Path) -> Path:
    return owned_temporary(target.parent, target.stem, "partial", target.suffix)


class _MovieSink:
    """One video file (plus optional audio) written under a temporary name."""

    subtitles: SubtitleTrack | None = None  # a text subtitle stream, muxed before the first frame
    threads: int = 0  # the encoder's threads (0: FFmpeg's choice)

    def __init__(
        self,
        path: Path,
        plan: EncodePlan,
        settings: EncodeSettings,
        audio_from: str | os.PathLike[str] | None,
        audio_range_s: tuple[float, float] | None,
        sound: AudioEncoder | None = None,
    ) -> None:
        self._path, self._plan, self._settings = path, plan, settings
        self._audio: AudioPassthrough | AudioEncoder | None = sound or (
            AudioPassthrough(audio_from, audio_range_s, settings.audio, path) if audio_from else None
        )
        self._temporary = _temporary_name(path)
        try:
            with writing(path, "creating the output file"):
                # PyAV opens the file only when the header is written: create it now, so an unwritable
                # folder is reported before any rendering starts.
                self._temporary.open("xb").close()
                self._container = av.open(
                    str(self._temporary), mode="w", options=_container_options(path, sound)
                )
        except BaseException:
            if self._audio is not None:
                self._audio.close()
            with contextlib.suppress(OSError):
                self._temporary.unlink(missing_ok=True)
            raise
        self._stream: av.VideoStream | None = None

    def _open_streams(self, width: int, height: int) -> None:
        plan, settings = self._plan, self._settings
        if width < plan.min_size[0] or height < plan.min_size[1]:
            raise MediaError(
                self._path,
                f"{settings.preset} needs frames of at least {plan.min_size[0]}x"
                f"{plan.min_size[1]}, not {width}x{height}; choose another preset",
            )
        try:
            stream = self._container.add_stream(plan.codec, rate=settings.fps, options=dict(plan.options))
        except ValueError as exc:  # the muxer refuses the codec
            raise MediaError(self._path, f"{exc}; choose another file extension") from exc
        stream.width, stream.height, stream.pix_fmt = width, height, plan.pix_fmt
        context = stream.codec_context
        context.time_base = 1 / settings.fps
        context.color_primaries, context.color_trc, context.colorspace, context.color_range = 1, 1, 1, 1
        if plan.context_profile:
            context.profile = plan.context_profile
        if plan.gop:
            context.gop_size = plan.gop
        if plan.codec_tag and self._path.suffix.lower() in (".mp4", ".mov"):
            context.codec_tag = plan.codec_tag  # 'hvc1' so Apple players open H.265
        if self.threads:
            context.thread_count = self.threads
        self._stream = stream
        if self._audio is not None:
            try:
                self._audio.add_stream(self._container, settings.audio_bitrate)
            except ValueError as exc:
                raise MediaError(self._path, f"cannot add the audio: {exc}; use audio='aac'") from exc

    def write(self, array: np.ndarray, number: int) -> None:
        self.write_frame(array_to_frame(array), number)

    def write_frame(self, rgb: av.VideoFrame, number: int) -> None:
        plan = self._plan
        with writing(self._path, f"encoding frame {number}"):
            if self._stream is None:
                self._open_streams(rgb.width, rgb.height)
                if self.subtitles is not None:
                    try:
                        self.subtitles.add_stream(self._container)
                    except ValueError as exc:  # the muxer refuses the codec
                        raise MediaError(self._path, f"cannot add the subtitles: {exc}") from exc
                    self.subtitles.mux(self._container)
            assert self._stream is not None
            frame = rgb.reformat(
                format=plan.pix_fmt, dst_colorspace="ITU709", dst_color_range="MPEG", interpolation=_ACCURATE
            )
            frame.pts = number
            try:
                packets = self._stream.encode(frame)
            except (av.error.ArgumentError, av.error.ExternalError) as exc:
                if number:
                    raise
                raise MediaError(
                    self._path,
                    f"the {plan.codec} encoder refused to start for "
                    f"{rgb.width}x{rgb.height} {plan.pix_fmt} frames ({exc.strerror}); "
                    "try another preset or size",
                ) from exc
            for packet in packets:
                self._container.mux(packet)
            if self._audio is not None:
                self._audio.feed_until(self._container, float((number + 1) / self._settings.fps) + 0.5)

    def finish(self) -> None:
        with writing(self._path, "finishing the file"):
            assert self._stream is not None
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            if self._audio is not None:
                self._audio.finish(self._container)
                self._audio.close()
            self._container.close()
            os.replace(self._temporary, self._path)

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self._container.close()
        if self._audio is not None:
            with contextlib.suppress(Exception):
                self._audio.close()
        with contextlib.suppress(OSError):
            self._temporary.unlink(missing_ok=True)


def _container_options(path: Path, sound: AudioEncoder | None) -> dict[str, str]:
    """MP4/MOV keep edit-list times in the movie's time scale (1/1000 s by default): at the sample
    rate, the file says exactly how many samples its sound lasts (AAC pads its last frame)."""
    if sound is None or path.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        return {}
    return {"movie_timescale": str(sound.rate)}


class _StillSink:
    """One image under a plain name (``still.png``), written under a temporary name and renamed by
    ``finish``. The temporary file is created at once, so an unwritable folder is reported before any
    rendering."""

    def __init__(self, path: Path, plan: EncodePlan, settings: EncodeSettings) -> None:
        self._path, self._plan, self._settings = path, plan, settings
        self._temporary = _temporary_name(path)
        with writing(path, "creating the output file"):
            self._temporary.open("xb").close()

    def write(self, array: np.ndarray, number: int) -> None:
        if number:
            raise MediaError(self._path, one_image_only(self._path, number + 1))
        with writing(self._path, "writing the image"):
            data = encode_image(
                array,
                self._plan.image_format,
                exr_half=(self._settings.bit_depth or 16) == 16,
                exr_compression=self._settings.exr_compression,
            )
            self._temporary.write_bytes(data)

    def finish(self) -> None:
        with writing(self._path, "moving the image into place"):
            os.replace(self._temporary, self._path)

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._temporary.unlink(missing_ok=True)


class _SequenceSink:
    """Numbered images written into a hidden temporary folder, moved into place by ``finish``."""

    def __init__(self, path: Path, plan: EncodePlan, settings: EncodeSettings) -> None:
        from filmstudio.media.sequence import SequencePattern

        self._path, self._plan, self._settings = path, plan, settings
        self._pattern = SequencePattern.parse(path)
        self._folder = self._pattern.folder
        self._temporary = owned_temporary(
            self._folder, self._pattern.prefix.rstrip("._") or "frames", "partial"
        )
        with writing(path, "creating the output folder"):
            self._temporary.mkdir()
        self._names: list[str] = []

    def write(self, array: np.ndarray, number: int) -> None:
        name = self._pattern.path_for(self._settings.first_frame + number).name
        settings = self._settings
        with writing(self._folder / name, f"writing frame {number}"):
            data = encode_image(
                array,
                self._plan.image_format,
                exr_half=(settings.bit_depth or 16) == 16,
                exr_compression=settings.exr_compression,
            )
            (self._temporary / name).write_bytes(data)
        self._names.append(name)

    def finish(self) -> None:
        with writing(self._path, "moving the frames into place"):
            for name in self._names:
                os.replace(self._temporary / name, self._folder / name)
            self._temporary.rmdir()

    def discard(self) -> None:
        shutil.rmtree(self._temporary, ignore_errors=True)
