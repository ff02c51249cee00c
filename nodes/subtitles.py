"""Subtitle nodes: Subtitle File (SRT, WebVTT, ASS, or a movie's subtitle track), Script Subtitles
(a cue per dialogue line of a Script) and Burn-in (cues drawn into the picture).

Subtitles are the same at every frame (cues carry their own frames), so the two sources are
computed once, and again only when the file, the script, a parameter or the frame rate changes.
Both carry the lint's rules as parameters (Netflix's English rules by default): the inspector
and ``filmstudio info`` report the cues that break them, and each node can have its own (a
Japanese track reads slower than an English one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from filmstudio.api import (
    LINT_PARAMETERS,
    SUBTITLE_FILE_FILTER,
    Device,
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    Param,
    ParameterError,
    PathParam,
    PortType,
    TextParam,
)
from filmstudio_nodes.subtitle_burn import BurnIn

_MOVIES = (".mp4", ".m4v", ".mov", ".mkv", ".webm")
FILE_FILTER = SUBTITLE_FILE_FILTER.replace(")", " *.mp4 *.m4v *.mov *.mkv *.webm)")

__all__ = ["BurnIn", "ScriptSubtitles", "SubtitleFile", "lint_params"]


def lint_params() -> tuple[Param, ...]:
    """The lint's rules as parameters (not animated: they hold for the whole track)."""
    made: list[Param] = []
    for name, (default, tooltip) in LINT_PARAMETERS.items():
        if isinstance(default, int):
            made.append(IntParam(name, default, animatable=False, minimum=0, maximum=1000, tooltip=tooltip))
        else:
            made.append(
                FloatParam(name, default, animatable=False, minimum=0.0, soft_max=30.0, tooltip=tooltip)
            )
    return tuple(made)


class SubtitleFile(Node):
    """Cues from an .srt, .vtt, .ass/.ssa file, or a movie's subtitle track (``track``: 0 is its
    first). The file's time zero falls on ``start_frame``; its times become frames as a player
    shows them (the first frame at or after each time), so a file FilmStudio wrote reads back
    on the same frames. Re-read when the file changes on disk. ``encoding`` is the text encoding
    of old files that are not UTF-8 (cp1252, gb18030, shift_jis...)."""

    id = "SubtitleFile"
    category = "Subtitles"
    label = "Subtitle File"
    description = "Subtitles from an SRT, WebVTT or ASS file, or a movie's subtitle track."
    device = Device.CPU
    outputs = (Output("subtitles", PortType.SUBTITLES),)
    params = (
        PathParam("file", file_filter=FILE_FILTER, on_node=True, tooltip="a subtitle file or a movie"),
        IntParam("start_frame", 1, animatable=False, tooltip="the frame the file's time zero falls on"),
        TextParam("encoding", "utf-8", tooltip="the text encoding of a subtitle file that is not UTF-8"),
        IntParam("track", 0, animatable=False, minimum=0, tooltip="a movie's subtitle track (0: the first)"),
        TextParam("language", "", tooltip="the language of the cues (e.g. en, fra); empty: the file's tag"),
        *lint_params(),
    )

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # The cues depend on the file's contents and on the frame rate their times are read at.
        from filmstudio.api import file_identity

        path = ctx.params.file
        return [file_identity(ctx.resolve_path(path)) if path else None, str(ctx.fps)]

    def evaluate(self, ctx: EvalContext) -> Any:
        from dataclasses import replace

        from filmstudio.api import read_subtitle_stream, read_subtitles

        p = ctx.params
        if not p.file:
            raise ParameterError("the Subtitle File node has no file: choose an .srt, .vtt or .ass file")
        path = ctx.resolve_path(p.file)
        if Path(path).suffix.lower() in _MOVIES:
            subtitles = read_subtitle_stream(path, ctx.fps, p.start_frame, p.track)
        else:
            subtitles = read_subtitles(path, ctx.fps, p.start_frame, encoding=p.encoding or "utf-8")
        return replace(subtitles, language=p.language) if p.language else subtitles


class ScriptSubtitles(Node):
    """A cue per dialogue line of a Script (Script File, LLM Script), on the frames its timing
    model gives the line (the script starts at ``script_start``; lines are paced at
    ``reading_speed`` words a minute unless the shot list gives durations). Each cue keeps the
    line's id and speaker, its text broken into lines of at most ``max_line_length``, and ends
    ``min_gap`` frames before a cue that follows straight on."""

    id = "ScriptSubtitles"
    category = "Subtitles"
    label = "Script Subtitles"
    description = "A subtitle cue per dialogue line of a screenplay, timed by its timing model."
    device = Device.CPU
    inputs = (Input("script", PortType.SCRIPT),)
    outputs = (Output("subtitles", PortType.SUBTITLES),)
    params = (
        IntParam("script_start", 1, animatable=False, tooltip="the frame where the script starts"),
        IntParam(
            "reading_speed",
            160,
            animatable=False,
            minimum=40,
            maximum=400,
            tooltip="words a minute: how long a line stays up when no shot gives a duration",
        ),
        TextParam("language", "", tooltip="the language of the dialogue (e.g. en, fra)"),
        *lint_params(),
    )

    def state_for_frame(self, ctx: EvalContext) -> Any:
        return {"fps": str(ctx.fps)}  # the timing model's frames depend on the rate

    def evaluate(self, ctx: EvalContext) -> Any:
        from filmstudio.api import Script, cues_from_script

        p = ctx.params
        script = ctx.input("script")
        if script is None:
            raise ParameterError(
                "Script Subtitles has no script: link a Script File or LLM Script node to it"
            )
        if isinstance(script, str):
            script = Script.from_text(script)
        if not isinstance(script, Script):
            raise ParameterError(
                f"Script Subtitles' script input carries a {type(script).__name__}: link a Script output"
            )
        return cues_from_script(
            script,
            ctx.fps,
            p.script_start,
            p.reading_speed,
            max(1, p.max_line_length),
            p.min_gap,
            p.language,
        )
