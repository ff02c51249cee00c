"""Speech takes: a line per spoken cue, keyed by what its sound depends on, synthesised once.

Lines. Each cue with something to say (sound descriptions in square brackets and music notes
are not said) is a line: its text, its character's voice and speaker, speed, the node's
variation and seed. Their hash is the line's *key*. Pitch, level and fit are applied when the take
is rendered (see :mod:`filmstudio.speech.render`): changing them synthesises nothing. The key holds
the voice as it is referred to (a name, a path), not the file's identity, so a take renders on a
machine without the voice, and a voice replaced by another file is used from the next Generate.

Takes. Generating makes a take (one JSON value in the node's state) holding every current line's
sound: lines whose key the active take has are copied from it, the others are synthesised — so
editing one line of a script synthesises that line only. A line's seed is drawn from the node's
seed and the line's key (the same line and seed always sound the same), or at random when the
node's seed is -1; the take records it. Take data::

    {"format": 1,
     "lines": {KEY: {"id", "speaker", "text", "voice", "seed", "rate", "samples", "flac"}},
     "synthesised": [cue ids made by this Generate], "made_by": {voice: {backend, file, ...}}}
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from filmstudio.speech.errors import SpeechError
from filmstudio.speech.voices import CastMember
from filmstudio.subtitles.cues import Cue, Subtitles

FORMAT = 1
_UNSPOKEN = re.compile(r"\[[^\]]*\]|[\u266a\u266b\u266c]")  # [door slams], music notes


@dataclass(frozen=True)
class Voicing:
    """The node's speech settings: its ``voice`` for anyone not in the ``cast``, ``speed``
    (a factor), ``pitch`` (semitones), ``variation`` (0: flat, 1: the voice's own) and ``seed``
    (-1: a new one per Generate)."""

    voice: str
    cast: Mapping[str, CastMember] = field(default_factory=dict)
    speed: float = 1.0
    pitch: float = 0.0
    variation: float = 1.0
    seed: int = 0

    def member(self, speaker: str) -> CastMember:
        return self.cast.get(speaker.strip().upper()) or CastMember(self.voice)


@dataclass(frozen=True)
class Line:
    """A cue to be said: ``text`` in ``voice`` (``speaker`` of it) at ``speed``, pitched by
    ``pitch`` semitones when rendered; ``key`` names its sound."""

    cue: Cue
    text: str
    voice: str
    speaker: str
    speed: float
    pitch: float
    key: str


def spoken_text(cue: Cue) -> str:
    """What a cue says aloud: its lines joined, bracketed descriptions and music notes left out."""
    text = " ".join(_UNSPOKEN.sub(" ", " ".join(cue.lines)).split())
    return text if any(ch.isalnum() for ch in text) else ""


def speech_lines(subtitles: Subtitles, voicing: Voicing) -> list[Line]:
    """The lines of ``subtitles`` (cues in start order), each with its character's voice."""
    lines = []
    for cue in subtitles:
        text = spoken_text(cue)
        if not text:
            continue
        member = voicing.member(cue.speaker)
        speed = voicing.speed * member.speed
        recipe = [FORMAT, text, member.voice.strip(), member.speaker, round(speed, 6)]
        recipe += [round(voicing.variation, 6), voicing.seed]
        key = hashlib.sha256(json.dumps(recipe, ensure_ascii=False).encode()).hexdigest()[:24]
        lines.append(
            Line(cue, text, member.voice.strip(), member.speaker, speed, voicing.pitch + member.pitch, key)
        )
    return lines


def stored_lines(take: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The lines of a take's data (``ctx.take``) by key (empty without a take)."""
    if not take:
        return {}
    lines = take.get("lines") if isinstance(take, Mapping) else None
    if not isinstance(lines, Mapping) or take.get("format") != FORMAT:
        raise SpeechError("the Speech node's take is not one this version reads: generate again")
    return lines


def make_speech_take(
    lines: Sequence[Line],
    previous: Mapping[str, Any] | None,
    voicing: Voicing,
    project_dir: str | None,
    device: str,
    check_cancelled: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """A new take's data for ``lines``: kept from ``previous`` (the active take's data) where the key
    matches, synthesised otherwise (on this thread: the model worker)."""
    from filmstudio.speech.codec import encode_flac
    from filmstudio.speech.voices import OpenVoice

    try:
        kept = stored_lines(previous)
    except SpeechError:  # a take this version cannot read: every line is made again
        kept = {}
    entries: dict[str, Any] = {line.key: kept[line.key] for line in lines if line.key in kept}
    todo: dict[str, list[Line]] = {}
    planned: set[str] = set()
    for line in lines:  # a line said twice (same text and voice) is synthesised once
        if line.key not in entries and line.key not in planned:
            planned.add(line.key)
            todo.setdefault(line.voice, []).append(line)
    made_by: dict[str, Any] = {}
    old_made = (previous or {}).get("made_by") or {}
    for ref, group in todo.items():
        check_cancelled()
        voice = OpenVoice(ref, project_dir, device)
        made_by[ref] = voice.made_by
        seeds = [line_seed(voicing.seed, line.key) for line in group]
        sounds = voice.say(
            [line.text for line in group],
            seeds,
            [line.speed for line in group],
            voicing.variation,
            [line.speaker for line in group],
        )
        for line, seed, samples in zip(group, seeds, sounds, strict=True):
            entries[line.key] = {
                "id": line.cue.id,
                "speaker": line.cue.speaker,
                "text": line.text,
                "voice": ref,
                "seed": seed,
                "rate": voice.sample_rate,
                "samples": int(samples.size),
                "flac": encode_flac(samples, voice.sample_rate),
            }
            check_cancelled()
    for ref in {line.voice for line in lines} - set(made_by):
        if ref in old_made:
            made_by[ref] = old_made[ref]
    synthesised = [line.cue.id or line.key for group in todo.values() for line in group]
    return {"format": FORMAT, "lines": entries, "synthesised": synthesised, "made_by": made_by}


def line_seed(seed: int, key: str) -> int:
    """A line's seed: from the node's ``seed`` and the line's key, or at random for -1."""
    if seed < 0:
        return secrets.randbits(31)
    return int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:8], 16) & 0x7FFFFFFF
