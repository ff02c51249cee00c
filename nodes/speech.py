"""Speech: dialogue said by voice models, as takes; the sound on an Audio output and the cues
re-timed to it on a Subtitles output.

The lines come from a Script (a cue per dialogue line on its timing model's frames, as Script
Subtitles makes them) or from Subtitles (a file, a translation). Each character speaks with the
voice the ``voices`` text gives it (``NAME = voice``, see :mod:`filmstudio.speech.voices`), else
with ``voice``: a Piper voice (``piper-en-us-joe``, installed by ``filmstudio models install
piper-en-us-joe``; its phonemes come from the espeak-ng program) or an MMS-TTS/VITS folder.

Generate synthesises, on the model worker, the lines the active take lacks — a line's key is its
text, voice, speaker, speed, variation and seed — and keeps the others, so editing one line of the
script synthesises that one line. Rendering reads the active take only: a line with no sound in
it is an error that says to generate, never a silent gap and never a model call. Pitch, level and
fit are applied when rendering (no new take); see :mod:`filmstudio.speech.render`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from filmstudio.api import (
    SPEECH_FITS,
    ChoiceParam,
    Device,
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    ParameterError,
    PathParam,
    PortType,
    TextParam,
)
from filmstudio_nodes.subtitles import lint_params

DEFAULT_VOICE = "piper-en-us-joe"
VOICE_FILTER = "Piper voices (*.onnx);;All files (*)"


class Speech(Node):
    """A voice per character says a Script's dialogue (or Subtitles' cues) as seeded takes."""

    id = "Speech"
    category = "Audio"
    description = "Dialogue said by Piper or MMS-TTS voices, a take per Generate; subtitles re-timed to it."
    # Generation runs on the model worker, which owns loaded voices; rendering reads the take only.
    device = Device.GPU
    inputs = (
        Input("script", PortType.SCRIPT, optional=True),
        Input("cues", PortType.SUBTITLES, optional=True, label="subtitles"),
    )
    outputs = (Output("audio", PortType.AUDIO), Output("subtitles", PortType.SUBTITLES))
    params = (
        PathParam(
            "voice",
            DEFAULT_VOICE,
            file_filter=VOICE_FILTER,
            on_node=True,
            tooltip="who is not in `voices` speaks with this: a voice name (`filmstudio models list`), a "
            "Piper .onnx (its .onnx.json beside it) or an MMS-TTS/VITS model folder",
        ),
        TextParam(
            "voices",
            "",
            multiline=True,
            tooltip="a voice per character, one a line: NAME = voice[, speaker=N][, speed=X][, pitch=X] "
            "(NAME as the Script's character list has it)",
        ),
        FloatParam(
            "speed",
            1.0,
            animatable=False,
            minimum=0.25,
            maximum=4.0,
            soft_min=0.5,
            soft_max=2.0,
            tooltip="speaking rate (1: the voice's own); a new speed needs a new take",
        ),
        FloatParam(
            "pitch",
            0.0,
            animatable=False,
            minimum=-24.0,
            maximum=24.0,
            soft_min=-12.0,
            soft_max=12.0,
            tooltip="semitones up or down, length kept; applied when rendering (no new take)",
        ),
        ChoiceParam(
            "fit",
            SPEECH_FITS,
            tooltip="natural: each line at its own length, its cue re-timed to it; pad: the cue's length or "
            "the line's if longer; stretch: time-stretched to its cue (0.5x-2x, pitch kept)",
        ),
        FloatParam(
            "level",
            -20.0,
            animatable=False,
            minimum=-60.0,
            maximum=0.0,
            tooltip="each line's loudness in dBFS (RMS), peaks at most -1 dBFS",
        ),
        FloatParam(
            "variation",
            1.0,
            animatable=False,
            minimum=0.0,
            maximum=2.0,
            tooltip="how lively and how different between seeds (scales the voice's noise; 0: flat)",
        ),
        IntParam(
            "seed",
            0,
            animatable=False,
            minimum=-1,
            tooltip="a line's seed comes from this and its text (same seed, same sound); -1: new seeds for "
            "the lines each Generate makes (the take records them)",
        ),
        IntParam("script_start", 1, animatable=False, tooltip="a Script input: the frame where it starts"),
        IntParam(
            "reading_speed",
            160,
            animatable=False,
            minimum=40,
            maximum=400,
            tooltip="a Script input: words a minute its timing model paces lines at (before speech)",
        ),
        TextParam("language", "", tooltip="the language of the dialogue (e.g. en), for the subtitles"),
        *lint_params(),
    )

    def generate_take(self, ctx: EvalContext) -> dict[str, Any]:
        from filmstudio.api import SpeechError, make_speech_take, speech_lines

        voicing = _voicing(ctx)
        lines = speech_lines(_cues(ctx), voicing)
        if not lines:
            raise SpeechError("the Speech node has nothing to say: its script or subtitles have no lines")
        return make_speech_take(lines, ctx.take, voicing, ctx.project_dir, ctx.device, ctx.check_cancelled)

    def describe_take(self, data: Mapping[str, Any]) -> str:
        lines = data.get("lines")
        count = len(lines) if isinstance(lines, Mapping) else 0
        return f"{count} line{'s' if count != 1 else ''}"

    def evaluate(self, ctx: EvalContext) -> Any:
        from filmstudio.api import render_speech, speech_lines

        p = ctx.params
        cues = _cues(ctx)
        lines = speech_lines(cues, _voicing(ctx))
        audio, retimed = render_speech(cues, lines, ctx.take, ctx.fps, p.fit, max(0, p.min_gap), p.level)
        return {"audio": audio, "subtitles": retimed}


def _voicing(ctx: EvalContext) -> Any:
    from filmstudio.api import Voicing, parse_cast

    p = ctx.params
    return Voicing(
        str(p.voice).strip() or DEFAULT_VOICE, parse_cast(p.voices), p.speed, p.pitch, p.variation, p.seed
    )


def _cues(ctx: EvalContext) -> Any:
    """The cues to say: the ``cues`` input's (Subtitles), or the Script's dialogue on its timing model."""
    from filmstudio.api import Script, Subtitles, cues_from_script

    p = ctx.params
    script, subtitles = ctx.input("script"), ctx.input("cues")
    if script is not None and subtitles is not None:
        raise ParameterError("Speech says a Script or Subtitles, not both: unlink one of its inputs")
    if subtitles is not None:
        if not isinstance(subtitles, Subtitles):
            raise ParameterError(f"Speech's cues input carries a {type(subtitles).__name__}")
        return subtitles
    if script is None:
        raise ParameterError("Speech has nothing to say: link a Script or Subtitles to it")
    if isinstance(script, str):
        script = Script.from_text(script)
    if not isinstance(script, Script):
        raise ParameterError(f"Speech's script input carries a {type(script).__name__}: link a Script output")
    return cues_from_script(
        script, ctx.fps, p.script_start, p.reading_speed, max(1, p.max_line_length), p.min_gap, p.language
    )
