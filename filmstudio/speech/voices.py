"""Voices: who speaks with which voice (the cast), and opening a voice to synthesise with it.

A voice reference is what a user types: a known voice name (``piper-en-us-joe``: the manifest's
bundle of an ``.onnx`` and its ``.onnx.json``, installed by ``filmstudio models install``), a
Piper ``.onnx`` file (its ``.onnx.json`` beside it, as Piper keeps them), or a transformers VITS
folder (MMS-TTS). Files are found by the model store, as every model is.

The cast is declared as text, one character a line::

    MARY = piper-en-us-joe, pitch=+3
    JOHN = ~/voices/en_GB-alan-medium.onnx, speed=0.9
    # a comment; characters not listed speak with the node's voice

``speaker`` picks a speaker of a multi-speaker voice (a number, or a name its config lists),
``speed`` multiplies the node's speed, ``pitch`` adds semitones to the node's pitch. Names match
the Script's character names (upper case; the cue's extensions such as V.O. are not part of them).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from filmstudio.speech.errors import SpeechError

_SETTING = re.compile(r"^\s*(speaker|speed|pitch)\s*=\s*(\S+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class CastMember:
    """How one character speaks: ``voice`` (a reference), ``speaker`` ("" or a number or name),
    ``speed`` (a factor on the node's) and ``pitch`` (semitones added to the node's)."""

    voice: str
    speaker: str = ""
    speed: float = 1.0
    pitch: float = 0.0


def parse_cast(text: str) -> dict[str, CastMember]:
    """The cast declared in ``text`` (see the module docstring), by upper-case name; a
    :class:`SpeechError` names the line that cannot be read."""
    cast: dict[str, CastMember] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, equals, rest = line.partition("=")
        parts = [p.strip() for p in rest.split(",")]
        if not equals or not name.strip() or not parts[0]:
            raise SpeechError(f"voices, line {number} ({raw.strip()!r}): write it as NAME = voice")
        settings: dict[str, Any] = {}
        for part in parts[1:]:
            match = _SETTING.match(part)
            if match is None:
                raise SpeechError(
                    f"voices, line {number}: {part!r} is not speaker=N, speed=X or pitch=X (semitones)"
                )
            key, value = match.group(1).lower(), match.group(2)
            try:
                settings[key] = value if key == "speaker" else float(value)
            except ValueError:
                raise SpeechError(f"voices, line {number}: {key} must be a number, not {value!r}") from None
        if not 0.25 <= settings.get("speed", 1.0) <= 4.0 or abs(settings.get("pitch", 0.0)) > 24:
            raise SpeechError(f"voices, line {number}: speed is 0.25..4 and pitch -24..24 semitones")
        cast[name.strip().upper()] = CastMember(parts[0], **settings)
    return cast


@dataclass(frozen=True)
class VoiceFiles:
    """Where a voice reference's files are: ``kind`` "piper" (``model`` .onnx and ``config``
    .onnx.json) or "vits" (``model`` a folder, ``config`` None)."""

    kind: str
    model: Any  # ModelLocation
    config: Any = None


def find_voice(ref: str, project_dir: str | None) -> VoiceFiles:
    """The files of voice ``ref`` (see the module docstring); the store's errors name what is
    missing and how to install it."""
    from filmstudio.models.manifest import ONNX, TRANSFORMERS, models_named
    from filmstudio.models.store import ModelLocation, ModelStore, file_identity

    store = ModelStore(project_dir)
    named = models_named(ref) if ref.strip() else ()
    if len(named) == 1 and named[0].bundle:  # one file of a voice named: the voice is its bundle
        named = models_named(named[0].bundle)
    if named:
        if any(model.kind == TRANSFORMERS for model in named):
            return VoiceFiles("vits", store.find(named[0].name))
        onnx = next((m for m in named if m.kind == ONNX), None)
        config = next((m for m in named if m.file.endswith(".onnx.json")), None)
        if onnx is None or config is None:
            raise SpeechError(f"{ref!r} is a model, not a voice: choose a voice (`filmstudio models list`)")
        return VoiceFiles("piper", store.find(onnx.name), store.find(config.name))
    location = store.find(ref)
    if location.path.is_dir():
        return VoiceFiles("vits", location)
    if location.path.suffix.lower() == ".onnx":
        config_path = Path(f"{location.path}.json")
        if not config_path.is_file():
            raise SpeechError(
                f"the Piper voice {location.path} has no {config_path.name} beside it: put the voice's "
                ".onnx.json next to its .onnx"
            )
        return VoiceFiles(
            "piper", location, ModelLocation(ref, config_path, None, file_identity(config_path))
        )
    raise SpeechError(
        f"{location.path} is not a voice: choose a Piper .onnx (with its .onnx.json) or a VITS model folder"
    )


class OpenVoice:
    """A voice loaded on the model worker, saying lines: :meth:`say` makes each line's samples
    at :attr:`sample_rate`; :attr:`made_by` is what a take records about it."""

    def __init__(self, ref: str, project_dir: str | None, device: str) -> None:
        files = find_voice(ref, project_dir)
        self.ref, self.kind = ref, files.kind
        if files.kind == "piper":
            from filmstudio.speech.phonemes import espeak_program
            from filmstudio.speech.piper import load_piper

            espeak_program()  # a missing espeak-ng is said before a model loads for nothing
            self.voice: Any = load_piper(files.model, files.config, device)
        else:
            from filmstudio.speech.vits import load_vits

            self.voice = load_vits(files.model, device)
        self.files = files

    @property
    def sample_rate(self) -> int:
        return int(self.voice.sample_rate)

    @property
    def made_by(self) -> dict[str, Any]:
        from filmstudio.models.store import sha256_of

        made: dict[str, Any] = {"backend": self.kind, "file": self.files.model.path.name}
        if self.kind == "piper":
            from filmstudio.speech.phonemes import espeak_version

            made["sha256"] = sha256_of(self.files.model.path)
            made["espeak"] = espeak_version()
        return made

    def speaker_id(self, speaker: str) -> int:
        """A speaker number from a number or a name the voice's config lists."""
        if not speaker:
            return 0
        if speaker.lstrip("-").isdecimal():
            return int(speaker)
        names: Mapping[str, int] = getattr(getattr(self.voice, "config", None), "speaker_ids", {}) or {}
        if speaker not in names:
            known = ", ".join(sorted(names)) or "none (give a number)"
            raise SpeechError(f"the voice {self.ref} has no speaker {speaker!r} (speakers: {known})")
        return names[speaker]

    def say(
        self,
        texts: Sequence[str],
        seeds: Sequence[int],
        speeds: Sequence[float],
        variation: float,
        speakers: Sequence[str],
    ) -> Iterator[np.ndarray]:
        """Each text's samples in turn (a Piper voice phonemizes all of them in one espeak-ng
        run first); the caller may stop between lines."""
        lines = zip(texts, seeds, speeds, speakers, strict=True)
        if self.kind == "piper":
            from filmstudio.speech.phonemes import phonemize

            sentences = phonemize(texts, self.voice.config.espeak_voice)
            for said, (_text, seed, speed, speaker) in zip(sentences, lines, strict=True):
                ids = self.voice.sentence_ids(said)
                yield self.voice.synthesize_ids(ids, seed, speed, variation, self.speaker_id(speaker))
            return
        for text, seed, speed, speaker in lines:
            yield self.voice.synthesize(text, seed, speed, variation, self.speaker_id(speaker))
