"""Soft subtitles: cues muxed into a movie as a text subtitle track, and read back from one.

PyAV (18+) encodes text subtitles itself: each cue becomes an ASS event
(``SubtitleSet.create``) that FFmpeg's mov_text, subrip, ass or webvtt encoder turns into a
packet, muxed beside the video in the same pass. No second remux, no ``ffmpeg`` program.

MP4/MOV carry mov_text (3GPP timed text, what QuickTime and phones play); Matroska carries SRT
by default, or ASS (with the cues' styles) or WebVTT when asked. Other outputs (MXF, image
sequences) get no track: a render writes a sidecar file beside them instead.

Times follow :mod:`filmstudio.subtitles.timebase`: a cue boundary at frame ``k`` after the first
rendered frame goes at the latest tick of the stream's time base not after frame ``k`` appears
(MP4 keeps a time base of exactly one frame, Matroska's is a millisecond), and reading takes the
first frame at or after a time, so reading a track back gives the cues' frames exactly.
"""

from __future__ import annotations

import os
import re
from fractions import Fraction
from pathlib import Path

import av

from filmstudio.core.errors import MediaError
from filmstudio.media.failures import reading
from filmstudio.subtitles import Cue, Subtitles
from filmstudio.subtitles.timebase import frame_to_ticks, ticks_to_frame

__all__ = ["SUBTITLE_CODECS", "SubtitleTrack", "read_subtitle_stream", "subtitle_codec"]

# What each container takes, by output extension: the default first. None: no track (sidecar).
SUBTITLE_CODECS: dict[str, tuple[str, ...]] = {
    ".mp4": ("mov_text",),
    ".m4v": ("mov_text",),
    ".mov": ("mov_text",),
    ".mkv": ("subrip", "ass", "webvtt"),
}
_CHOICES = {"auto": None, "srt": "subrip", "ass": "ass", "webvtt": "webvtt", "mov_text": "mov_text"}
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_TAGS = re.compile(r"\{[^}]*\}")  # ASS override blocks a decoder leaves in the text


def subtitle_codec(output: str | os.PathLike[str], choice: str = "auto") -> str | None:
    """The subtitle codec a movie at ``output`` carries for a Write's ``subtitle_format``
    ``choice`` (auto, srt, ass, webvtt), or None where the container holds no text track."""
    suffix = Path(output).suffix.lower()
    codecs = SUBTITLE_CODECS.get(suffix)
    if choice not in _CHOICES:
        raise MediaError(output, f"unknown subtitle format {choice!r}: choose auto, srt, ass or webvtt")
    if codecs is None:
        return None
    wanted = _CHOICES[choice] or codecs[0]
    if wanted not in codecs:
        raise MediaError(
            output,
            f"a {suffix} file cannot carry {choice} subtitles (it takes {', '.join(codecs)}): set the "
            "Write's subtitle format to auto, or write an .mkv",
        )
    return wanted


def check_language(code: str) -> str:
    """An ISO 639 language code as containers store it (``und``: undetermined)."""
    code = code.strip().lower() or "und"
    if not _LANGUAGE.match(code):
        raise MediaError(
            "(subtitle language)",
            f"{code!r} is not a language code: use ISO 639-2 (eng, fra, deu, jpn, zho) or ISO 639-1 (en, fr)",
        )
    return code


def _ass_header(cues: tuple[Cue, ...]) -> bytes:
    """The [Script Info], styles and Format line encoders read (ASS keeps it as the track's header)."""
    import pysubs2

    file = pysubs2.SSAFile()
    for cue in cues:
        if cue.style and cue.style not in file.styles:
            file.styles[cue.style] = file.styles["Default"].copy()
    text = file.to_string("ass")
    return text[: text.index("[Events]")].encode("utf-8") + (
        b"[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )


class SubtitleTrack:
    """``subtitles`` as one subtitle stream of a movie whose first frame is project frame
    ``origin`` and which runs ``span`` project frames. Cues before it are cut or dropped, cues
    past its end cut. Call :meth:`add_stream` with the other streams (before the header is
    written), then :meth:`mux` once: the muxer interleaves the packets with the video."""

    def __init__(self, subtitles: Subtitles, origin: int, span: int, codec: str, language: str = "") -> None:
        self.subtitles, self.origin, self.span, self.codec = subtitles, origin, span, codec
        self.language = check_language(language or subtitles.language)
        end = origin + span
        self.cues = tuple(
            Cue(max(c.start, origin), min(c.end, end), c.lines, c.speaker, c.style, c.id)
            for c in subtitles.cues
            if c.end > origin and c.start < end
        )
        self._stream: av.subtitles.stream.SubtitleStream | None = None

    def add_stream(self, container: av.container.OutputContainer) -> None:
        stream = container.add_stream(self.codec)
        stream.codec_context.subtitle_header = _ass_header(self.cues)
        # One frame a tick where the muxer keeps it (MP4): exact times; Matroska sets milliseconds.
        stream.time_base = 1 / self.subtitles.fps
        stream.metadata["language"] = self.language
        self._stream = stream

    def mux(self, container: av.container.OutputContainer) -> None:
        from av.subtitles.subtitle import SubtitleSet

        stream = self._stream
        if stream is None:
            raise RuntimeError("add_stream() must come before mux()")
        # The header fixes each stream's time base (Matroska: milliseconds): ticks come after it.
        container.start_encoding()
        tick, fps = Fraction(stream.time_base), self.subtitles.fps
        for order, cue in enumerate(self.cues):
            start = frame_to_ticks(cue.start - self.origin, fps, tick)
            end = frame_to_ticks(cue.end - self.origin, fps, tick)
            text = "\\N".join(cue.lines)
            # ReadOrder, Layer, Style, Name, MarginL, MarginR, MarginV, Effect, Text
            event = f"{order},0,{cue.style or 'Default'},{cue.speaker.replace(',', ' ')},0,0,0,,{text}"
            packet = stream.codec_context.encode_subtitle(
                SubtitleSet.create(event.encode("utf-8"), 0, end - start, start)
            )
            packet.stream = stream
            packet.time_base = stream.time_base
            packet.pts = packet.dts = start
            packet.duration = end - start
            container.mux(packet)


def read_subtitle_stream(
    path: str | os.PathLike[str], fps: Fraction | int, origin: int = 1, index: int = 0
) -> Subtitles:
    """The cues of subtitle stream ``index`` of a movie whose first frame is project frame
    ``origin`` (gap fillers and empty samples skipped). :class:`MediaError` s name the file."""
    fps = Fraction(fps)
    with reading(path, "reading the subtitle track"), av.open(str(path)) as container:
        streams = container.streams.subtitles
        if index >= len(streams):
            raise MediaError(path, f"has {len(streams)} subtitle tracks, so there is no track {index}")
        stream = streams[index]
        tick = Fraction(stream.time_base)
        cues = []
        for packet in container.demux(stream):
            if packet.pts is None or not packet.size:
                continue
            texts = [
                _TAGS.sub("", item.dialogue.decode("utf-8"))
                for item in stream.decode(packet)
                if getattr(item, "dialogue", None)
            ]
            lines = tuple(line for text in texts for line in text.replace("\\N", "\n").split("\n"))
            if not any(lines) or not packet.duration:
                continue  # mov_text's empty samples fill the gaps between cues
            pts = packet.pts
            start = origin + ticks_to_frame(pts, fps, tick)
            end = max(origin + ticks_to_frame(pts + packet.duration, fps, tick), start + 1)
            cues.append(Cue(start, end, lines, id=str(len(cues) + 1)))
        language = stream.metadata.get("language", "")
    return Subtitles(tuple(cues), fps, "" if language == "und" else language)
