"""Speech synthesis: dialogue said by voice models, kept as takes, rendered as Audio.

Back ends: Piper voices (VITS exported to ONNX, run by onnxruntime; phonemes from the espeak-ng
program, :mod:`.piper`, :mod:`.phonemes`) and MMS-TTS/VITS model folders through transformers
(:mod:`.vits`). The cast (who speaks with which voice) is text (:mod:`.voices`). Generating
synthesises only the lines the active take lacks (:mod:`.takes`, FLAC in the take: :mod:`.codec`);
rendering levels, pitches, fits and places the take's lines with no model (:mod:`.render`,
time-stretching in :mod:`.stretch`). Synthesis runs on the model worker; nothing here imports Qt.
"""

from __future__ import annotations

from filmstudio.speech.errors import EspeakMissingError, SpeechError

SPEECH_FITS = ("natural", "pad", "stretch")
"""How a line meets its cue (see :mod:`filmstudio.speech.render`)."""

__all__ = ["SPEECH_FITS", "EspeakMissingError", "SpeechError"]
