"""Script exports: Fountain, PDF, Final Draft (FDX), HTML, the shot list as CSV or as an
OpenTimelineIO timeline of placeholder clips.

PDF, FDX and HTML go through screenplain (maintained, MIT, lays out US-letter screenplay pages
with Courier Prime): it reads the normalised Fountain our writer makes, so what it prints is what
our parser read. Our own parser stays the source of truth for the model (screenplain's drops
notes, sections and synopses, and has no element ids). The shot list exports use the script's
timing model, so frame numbers agree with what a Title shows on the timeline.

Every export is written under a temporary name in the target folder and renamed when complete:
a failed or interrupted export never leaves a half file under the final name.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

from filmstudio.script.errors import ScriptError
from filmstudio.script.fountain import write
from filmstudio.script.script import Script
from filmstudio.script.timing import DEFAULT_READING_WPM, Timing

FORMATS = ("fountain", "pdf", "fdx", "html", "csv", "otio")
SUFFIXES = {
    ".fountain": "fountain",
    ".pdf": "pdf",
    ".fdx": "fdx",
    ".html": "html",
    ".csv": "csv",
    ".otio": "otio",
}
CSV_COLUMNS = (
    "scene", "scene_id", "shot", "size", "camera", "description", "characters", "dialogue",
    "duration_s", "first_frame", "last_frame",
)  # fmt: skip


def format_for(path: str | os.PathLike[str], chosen: str | None = None) -> str:
    """The export format: ``chosen``, else from the file's suffix."""
    if chosen is not None:
        if chosen not in FORMATS:
            raise ScriptError(f"unknown script export format {chosen!r}: use one of {', '.join(FORMATS)}")
        return chosen
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ScriptError(
            f"cannot tell the export format from {Path(path).name!r}: name the file .fountain, .pdf, "
            ".fdx, .html, .csv or .otio, or choose one with --format"
        )
    return SUFFIXES[suffix]


def export_script(
    script: Script,
    path: str | os.PathLike[str],
    export_format: str | None = None,
    *,
    fps: Fraction | int = 24,
    start_frame: int = 1,
    reading_speed_wpm: int = DEFAULT_READING_WPM,
) -> Path:
    """Write ``script`` to ``path`` as ``export_format`` (default: from the suffix). The shot list
    formats place shots at ``fps`` from ``start_frame``. Returns the path written."""
    chosen = format_for(path, export_format)
    target = Path(path)
    if not target.parent.is_dir():
        raise ScriptError(f"the output folder does not exist: {target.parent} (create it first)")
    if chosen in ("csv", "otio") and not script.shots:
        raise ScriptError(
            "the script has no shot list to export as "
            f"{chosen}: generate one with the LLM Script node's 'break into shots' preset, or export "
            "the screenplay as fountain, pdf or fdx"
        )
    timing = script.timing(fps, start_frame, reading_speed_wpm)
    writers: dict[str, Callable[[BinaryIO], None]] = {
        "fountain": lambda out: out.write(script.text.encode("utf-8")),
        "pdf": lambda out: _screenplain(script, "pdf", out),
        "fdx": lambda out: _screenplain(script, "fdx", out),
        "html": lambda out: _screenplain(script, "html", out),
        "csv": lambda out: out.write(shot_list_csv(script, timing).encode("utf-8")),
        "otio": lambda out: out.write(shot_list_otio(script, timing).encode("utf-8")),
    }
    _write_atomically(target, writers[chosen])
    return target


def shot_list_csv(script: Script, timing: Timing) -> str:
    """The shot list, one row a shot, with its frame range (``last_frame`` inclusive)."""
    buffer = io.StringIO()
    rows = csv.writer(buffer, lineterminator="\n")
    rows.writerow(CSV_COLUMNS)
    for timed in timing.shots:
        shot = timed.shot
        heading = script.screenplay.element(shot.scene).text if script.screenplay.has(shot.scene) else ""
        duration = Fraction(timed.end - timed.first) / timing.fps if shot.duration is None else shot.duration
        rows.writerow(
            (
                heading, shot.scene, shot.number, shot.size, shot.camera, shot.description,
                ", ".join(shot.characters), " ".join(shot.dialogue), _decimal(duration),
                timed.first, timed.end - 1,
            )
        )  # fmt: skip
    return buffer.getvalue()


def shot_list_otio(script: Script, timing: Timing) -> str:
    """The shot list as an OpenTimelineIO timeline (JSON): one video track of placeholder clips,
    one a shot, each as long as the timing model makes it, with the shot's fields in its metadata
    and a marker for each line of dialogue spoken in it."""
    import opentimelineio as otio

    rate = float(timing.fps)
    title = script.screenplay.title() or "Shot list"
    timeline = otio.schema.Timeline(name=title)
    timeline.global_start_time = otio.opentime.RationalTime(timing.start_frame, rate)
    track = otio.schema.Track(name="Shots", kind=otio.schema.TrackKind.Video)
    lines = {timed.line.id: timed for timed in timing.lines}
    for timed in timing.shots:
        shot = timed.shot
        length = otio.opentime.RationalTime(timed.end - timed.first, rate)
        clip = otio.schema.Clip(
            name=" ".join(filter(None, (f"Shot {shot.number}", shot.size, shot.description))),
            media_reference=otio.schema.GeneratorReference(
                name="placeholder", generator_kind="SolidColor", parameters={"color": "black"}
            ),
            source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate), length),
        )
        clip.metadata["filmstudio"] = {"shot": shot.to_json(), "first_frame": timed.first}
        for line_id in shot.dialogue:
            spoken = lines.get(line_id)
            if spoken is None or spoken.end <= spoken.first:
                continue
            clip.markers.append(
                otio.schema.Marker(
                    name=f"{spoken.line.speaker}: {spoken.line.text}",
                    marked_range=otio.opentime.TimeRange(
                        otio.opentime.RationalTime(spoken.first - timed.first, rate),
                        otio.opentime.RationalTime(spoken.end - spoken.first, rate),
                    ),
                    metadata={"filmstudio": {"dialogue": line_id}},
                )
            )
        track.append(clip)
    timeline.tracks.append(track)
    return str(otio.adapters.write_to_string(timeline, "otio_json"))


def _screenplain(script: Script, kind: str, out: BinaryIO) -> None:
    try:
        from screenplain.parsers import fountain as screenplain_fountain
    except ImportError as error:  # pragma: no cover - a dependency of filmstudio
        raise ScriptError(f"{kind} export needs screenplain ({error}): pip install screenplain") from None
    screenplay = screenplain_fountain.parse(io.StringIO(write(script.screenplay)))
    if kind == "pdf":
        from screenplain.export.pdf import to_pdf

        to_pdf(screenplay, out)
        return
    text = io.StringIO()
    if kind == "fdx":
        from screenplain.export.fdx import to_fdx

        to_fdx(screenplay, text)
    else:
        from screenplain.export.html import convert

        convert(screenplay, text)
    out.write(text.getvalue().encode("utf-8"))


def _write_atomically(target: Path, fill: Callable[[BinaryIO], Any]) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            fill(out)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _decimal(seconds: Fraction) -> str:
    """Seconds as a short decimal (exact where it can be: 2.5, 1.001; else to the microsecond)."""
    text = f"{float(seconds):.6f}".rstrip("0").rstrip(".")
    return text or "0"
