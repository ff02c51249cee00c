"""Audio Mix and Audio Offset: sound in the graph (see :mod:`filmstudio.audio.clip` for what flows).

Both hand out one Audio value that describes the sound over all time, the same at every frame;
Write encodes it once for the whole range, the timeline draws and plays it.
"""

from __future__ import annotations

from typing import Any

from filmstudio.api import (
    ChoiceParam,
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    ParameterError,
    PortType,
)

MIX_INPUTS = 4
_SLOTS = tuple(str(i) for i in range(1, MIX_INPUTS + 1))


def _mix_params() -> tuple[Any, ...]:
    per_input = []
    for slot in _SLOTS:
        per_input += [
            FloatParam(
                f"gain{slot}",
                0.0,
                minimum=-96.0,
                maximum=24.0,
                soft_min=-60.0,
                soft_max=12.0,
                tooltip=f"input {slot}'s level in dB (0: as it is; -96: off)",
            ),
            FloatParam(
                f"pan{slot}",
                0.0,
                minimum=-1.0,
                maximum=1.0,
                tooltip=f"input {slot}: -1 left, 0 centre, 1 right",
            ),
        ]
    return (
        *per_input,
        ChoiceParam("duck", ("none", *_SLOTS), tooltip="the input lowered while the key input sounds"),
        ChoiceParam("duck_key", _SLOTS, tooltip="the input whose sound lowers the ducked one (sidechain)"),
        FloatParam(
            "threshold",
            -30.0,
            animatable=False,
            minimum=-96.0,
            maximum=0.0,
            tooltip="key level (dBFS) that ducks",
        ),
        FloatParam(
            "duck_db", 12.0, animatable=False, minimum=0.0, maximum=96.0, tooltip="how far to duck, dB"
        ),
        FloatParam(
            "attack_ms", 10.0, animatable=False, minimum=0.0, maximum=5000.0, tooltip="time to duck fully"
        ),
        FloatParam(
            "release_ms", 300.0, animatable=False, minimum=1.0, maximum=10000.0, tooltip="time to come back"
        ),
    )


class AudioMix(Node):
    """Mixes up to four sounds to stereo: each input's gain (dB) and pan are animatable and take
    effect sample by sample (a keyframed fade is smooth, not stepped per frame); ``duck`` lowers
    one input by ``duck_db`` while the ``duck_key`` input is above ``threshold`` (dialogue over
    music), with ``attack_ms`` and ``release_ms``. See :mod:`filmstudio.audio.mix` for the maths.
    """

    id = "AudioMix"
    label = "Audio Mix"
    category = "Audio"
    reads_curves = True  # gains and pans are curves over the whole sound, not values at one frame
    inputs = tuple(Input(f"audio{slot}", PortType.AUDIO, optional=True) for slot in _SLOTS)
    outputs = (Output("audio", PortType.AUDIO),)
    params = _mix_params()

    def evaluate(self, ctx: EvalContext) -> Any:
        from filmstudio.api import Audio, Ducking, MixedAudio, MixInput, Silence

        curves = ctx.curves
        inputs: list[Any] = []
        position: dict[str, int] = {}
        for slot in _SLOTS:
            audio = ctx.input(f"audio{slot}")
            if audio is None:
                continue
            if not isinstance(audio, Audio):
                raise ParameterError(f"input audio{slot} carries {type(audio).__name__}, not sound")
            position[slot] = len(inputs)
            inputs.append(MixInput(audio, curves[f"gain{slot}"], curves[f"pan{slot}"]))
        if not inputs:
            return Silence()
        p = ctx.params
        ducking = None
        if p.duck != "none" and p.duck != p.duck_key and p.duck in position and p.duck_key in position:
            ducking = Ducking(
                position[p.duck],
                position[p.duck_key],
                threshold_db=p.threshold,
                amount_db=p.duck_db,
                attack_s=p.attack_ms / 1000.0,
                release_s=p.release_ms / 1000.0,
            )
        return MixedAudio(inputs, ctx.fps, ducking)


class AudioOffset(Node):
    """Plays its input ``frames`` later (earlier when negative), plus ``samples`` for a finer
    shift (1/48000 s each)."""

    id = "AudioOffset"
    label = "Audio Offset"
    category = "Audio"
    inputs = (Input("source", PortType.AUDIO),)
    outputs = (Output("audio", PortType.AUDIO),)
    params = (
        IntParam("frames", 0, animatable=False, soft_min=-100, soft_max=100, tooltip="shift in frames"),
        IntParam(
            "samples", 0, animatable=False, soft_min=-2000, soft_max=2000, tooltip="finer shift in samples"
        ),
    )

    def evaluate(self, ctx: EvalContext) -> Any:
        from filmstudio.api import PROJECT_RATE, OffsetAudio, Silence, frames_to_samples

        audio = ctx.input("source")
        if audio is None:
            return Silence()
        shift = frames_to_samples(ctx.params.frames, ctx.fps, PROJECT_RATE) + ctx.params.samples
        return audio if shift == 0 else OffsetAudio(audio, shift)
