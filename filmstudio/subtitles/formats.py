"""Subtitle files in and out: SRT and ASS/SSA through pysubs2, WebVTT through webvtt-py.

Times become frames only here, by the rule of :mod:`filmstudio.subtitles.timebase` (a file's
time zero is project frame ``origin``), so a cue written and read back keeps its frames. Cue
text is plain: inline markup (italics, colours, ASS override tags) is dropped when reading;
the ASS style and speaker name of each event are kept (``style``, ``speaker``), and WebVTT
voice spans (``<v Ann>``) give the speaker. SRT has no place for either.

pysubs2 reads WebVTT as if it were SRT (a NOTE or STYLE block ends up inside the cue before
it), so WebVTT goes through webvtt-py, which follows the specification.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from filmstudio.core.leftovers import owned_temporary, remove_stale
from filmstudio.subtitles.cues import Cue, SubtitleError, Subtitles
from filmstudio.subtitles.timebase import CENTISECOND, MILLISECOND, check_tick, frame_to_ms, ms_to_frame

FORMATS = ("srt", "vtt", "ass", "ssa")
SUFFIXES = {".srt": "srt", ".vtt": "vtt", ".webvtt": "vtt", ".ass": "ass", ".ssa": "ssa"}
TICKS = {"srt": MILLISECOND, "vtt": MILLISECOND, "ass": CENTISECOND, "ssa": CENTISECOND}
FILE_FILTER = "Subtitles (*.srt *.vtt *.ass *.ssa)"
_TAG = re.compile(r"</?[A-Za-z][^>]*>")  # HTML-like markup pysubs2 leaves in SRT text (<font ...>)
_DEFAULT_STYLE = "Default"


@dataclass(frozen=True)
class Written:
    """What :func:`write_subtitles` wrote: ``cues`` in the file, ``dropped`` that ended before
    its time zero (cues starting before it and ending after are cut to start at zero)."""

    path: Path
    format: str
    cues: int
    dropped: int


def format_for(path: str | os.PathLike[str], chosen: str | None = None) -> str:
    """The format to read or write ``path`` as: ``chosen`` (srt, vtt, ass, ssa), else its suffix."""
    if chosen:
        name = {"webvtt": "vtt"}.get(chosen.lower(), chosen.lower())
        if name not in FORMATS:
            raise SubtitleError(f"unknown subtitle format {chosen!r}: choose one of {', '.join(FORMATS)}")
        return name
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise SubtitleError(
            f"{Path(path).name!r} is not a subtitle file name FilmStudio knows: use .srt, .vtt, .ass or "
            ".ssa, or name the format"
        )
    return SUFFIXES[suffix]


def read_subtitles(
    path: str | os.PathLike[str],
    fps: Fraction | int,
    origin: int = 1,
    chosen: str | None = None,
    encoding: str = "utf-8",
    language: str = "",
) -> Subtitles:
    """The cues of a subtitle file on a project at ``fps`` whose frame ``origin`` is the file's
    time zero. Errors are :class:`SubtitleError` s naming the file."""
    file = Path(path)
    fmt = format_for(file, chosen)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise SubtitleError(f"subtitle file {str(file)!r} was not found: check the path") from None
    except IsADirectoryError:
        raise SubtitleError(f"{str(file)!r} is a folder: choose a subtitle file inside it") from None
    except OSError as error:
        raise SubtitleError(f"subtitle file {str(file)!r} could not be read: {error.strerror}") from None
    try:
        text = data.decode(
            "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
        )
    except LookupError:
        raise SubtitleError(f"unknown text encoding {encoding!r}: try utf-8, cp1252 or gb18030") from None
    except UnicodeDecodeError as error:
        raise SubtitleError(
            f"subtitle file {str(file)!r} is not {encoding} text (byte {error.start}): set the encoding it "
            "was saved in (e.g. cp1252, gb18030, shift_jis), or save it as UTF-8"
        ) from None
    return parse_subtitles(text, fps, fmt, origin, file.name, language)


def parse_subtitles(
    text: str, fps: Fraction | int, fmt: str, origin: int = 1, name: str = "subtitles", language: str = ""
) -> Subtitles:
    """The cues of subtitle ``text`` in format ``fmt`` (see :func:`read_subtitles`)."""
    fps = Fraction(fps)
    fmt = format_for(name, fmt)
    events = _read_vtt(text, name) if fmt == "vtt" else _read_pysubs2(text, fmt, name)
    cues = []
    for number, (start_ms, end_ms, lines, speaker, style) in enumerate(events, start=1):
        start = origin + ms_to_frame(max(0, start_ms), fps)
        end = max(origin + ms_to_frame(max(0, end_ms), fps), start + 1)  # shorter than a frame: one
        cues.append(Cue(start, end, lines, speaker, style, str(number)))
    return Subtitles(tuple(cues), fps, language)


_Event = tuple[int, int, tuple[str, ...], str, str]  # start ms, end ms, lines, speaker, style


def _lines(text: str) -> tuple[str, ...]:
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return tuple(lines)


def _read_pysubs2(text: str, fmt: str, name: str) -> list[_Event]:
    import pysubs2

    try:
        file = pysubs2.SSAFile.from_string(text, format_=fmt)
    except Exception as error:  # pysubs2 raises many kinds (its own, ValueError, KeyError...)
        raise SubtitleError(f"{name} could not be read as {fmt.upper()} ({error}): check the file") from None
    if not len(file) and text.strip() and fmt == "srt":
        raise SubtitleError(f"{name} has no SRT cues (number, 00:00:01,000 --> 00:00:02,000, text)")
    events = []
    for event in file:
        if event.is_comment:
            continue
        lines = _lines(_TAG.sub("", event.plaintext))
        if not lines:
            continue
        style = "" if event.style == _DEFAULT_STYLE else event.style
        events.append((event.start, event.end, lines, event.name, style))
    return events


def _read_vtt(text: str, name: str) -> list[_Event]:
    import webvtt

    try:
        captions = webvtt.from_string(text).captions
    except Exception as error:  # webvtt-py's MalformedFileError and parse failures of its own
        raise SubtitleError(f"{name} could not be read as WebVTT ({error}): check the file") from None
    events = []
    for caption in captions:
        lines = _lines(html.unescape(caption.text))
        if lines:
            start, end = caption.start_time.in_milliseconds(), caption.end_time.in_milliseconds()
            events.append((start, end, lines, caption.voice or "", ""))
    return events


def subtitles_text(subtitles: Subtitles, fmt: str, origin: int = 1) -> tuple[str, int]:
    """``subtitles`` as the text of a ``fmt`` file whose time zero is frame ``origin``, and how
    many cues were dropped for ending before it."""
    fmt = format_for("", fmt)
    check_tick(subtitles.fps, TICKS[fmt], fmt.upper())
    placed: list[tuple[int, int, Cue]] = []
    for cue in subtitles.cues:
        if cue.end <= origin:
            continue
        start, end = (
            frame_to_ms(max(0, f - origin), subtitles.fps, TICKS[fmt]) for f in (cue.start, cue.end)
        )
        placed.append((start, end, cue))
    dropped = len(subtitles.cues) - len(placed)
    return (_write_vtt(placed) if fmt == "vtt" else _write_pysubs2(placed, fmt)), dropped


def _write_pysubs2(placed: list[tuple[int, int, Cue]], fmt: str) -> str:
    import pysubs2

    file = pysubs2.SSAFile()
    for start, end, cue in placed:
        style = cue.style or _DEFAULT_STYLE
        if style not in file.styles:
            file.styles[style] = file.styles[_DEFAULT_STYLE].copy()
        file.append(pysubs2.SSAEvent(start=start, end=end, text="\\N".join(cue.lines), name=cue.speaker,
                                     style=style))  # fmt: skip
    return str(file.to_string(fmt))


def _write_vtt(placed: list[tuple[int, int, Cue]]) -> str:
    from webvtt import Caption, WebVTT

    def stamp(ms: int) -> str:
        hours, rest = divmod(ms, 3_600_000)
        minutes, rest = divmod(rest, 60_000)
        return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"

    captions = []
    for number, (start, end, cue) in enumerate(placed, start=1):
        lines = [html.escape(line, quote=False) for line in cue.lines]
        if cue.speaker:  # a voice span names who speaks (players may show it)
            lines[0] = f"<v {html.escape(cue.speaker, quote=False)}>{lines[0]}"
        captions.append(Caption(stamp(start), stamp(end), lines, identifier=cue.id or str(number)))
    return str(WebVTT(captions=captions).content)


def write_subtitles(
    subtitles: Subtitles, path: str | os.PathLike[str], chosen: str | None = None, origin: int = 1
) -> Written:
    """Write ``subtitles`` to ``path`` (format ``chosen``, else from the suffix) with frame
    ``origin`` at time zero. The file appears whole or not at all (a temporary name, then a
    rename); new files follow the umask."""
    target = Path(path)
    fmt = format_for(target, chosen)
    text, dropped = subtitles_text(subtitles, fmt, origin)
    _write_atomically(target, lambda out: out.write(text.encode("utf-8")))
    return Written(target, fmt, len(subtitles.cues) - dropped, dropped)


def _write_atomically(target: Path, fill: Callable[[Any], Any]) -> None:
    if target.is_dir():
        raise SubtitleError(f"{str(target)!r} is a folder: give a file name for the subtitles")
    if not target.parent.is_dir():
        raise SubtitleError(f"folder {str(target.parent)!r} does not exist: create it or choose another")
    remove_stale(target.parent, "tmp")
    temporary = owned_temporary(target.parent, target.name, "tmp")
    try:
        with temporary.open("xb") as out:
            fill(out)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise SubtitleError(f"could not write {str(target)!r}: {error.strerror or error}") from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
