"""Rendering a speech take: each line levelled, pitched, fitted to its cue and placed on the
project's sample grid, and the cues re-timed to the sound. Pure (no model): a render reads the
take only.

Fit, per line (:data:`SPEECH_FITS`):

- ``natural``: the line is said at its own length from its cue's first frame; its cue lasts
  as long as the sound (whole frames);
- ``pad``: the cue keeps its length when the line fits in it (silence after the line), and
  grows to the sound when it does not;
- ``stretch``: the line is time-stretched, pitch kept (:mod:`filmstudio.speech.stretch`), to
  fill its cue exactly; beyond 0.5x..2x it is stretched that far and the cue follows the sound.

Lines never overlap: a line starts at its cue's first frame, or ``min_gap`` frames after the
previous line ends when that is later (the cues that follow move with it). Each line is brought
to ``level`` dBFS (RMS over the line), its peaks kept at -1 dBFS, so voices of different models
mix at one loudness.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np

from filmstudio.audio.clip import PROJECT_RATE, Audio, frame_sample
from filmstudio.speech import SPEECH_FITS
from filmstudio.speech.errors import SpeechError
from filmstudio.speech.stretch import RATIO_RANGE, shift_and_fit
from filmstudio.speech.takes import Line, stored_lines
from filmstudio.subtitles.cues import Cue, Subtitles

PEAK_DB = -1.0


class SpeechAudio(Audio):
    """Mono lines placed on the project's sample grid (``placed``: first sample, samples)."""

    def __init__(self, placed: Sequence[tuple[int, np.ndarray]], key: str) -> None:
        super().__init__(PROJECT_RATE, 1, key)
        self._placed = [(int(start), np.asarray(data, np.float32)) for start, data in placed if len(data)]
        self._starts = np.array([start for start, _ in self._placed], np.int64)
        self._stops = np.array([start + data.size for start, data in self._placed], np.int64)

    @property
    def nbytes(self) -> int:
        return sum(data.nbytes for _, data in self._placed) + 200

    def extent(self) -> tuple[int, int] | None:
        if not self._placed:
            return None
        return int(self._starts.min()), int(self._stops.max())

    def render(self, start: int, stop: int) -> np.ndarray:
        out = np.zeros((1, max(0, stop - start)), np.float32)
        for index in np.flatnonzero((self._starts < stop) & (self._stops > start)):
            first, data = self._placed[index]
            lo, hi = max(start, first), min(stop, first + data.size)
            out[0, lo - start : hi - start] += data[lo - first : hi - first]
        return out


def render_speech(
    subtitles: Subtitles,
    lines: Sequence[Line],
    take: Mapping[str, Any] | None,
    fps: Fraction,
    fit: str,
    min_gap: int,
    level_db: float,
) -> tuple[SpeechAudio, Subtitles]:
    """The sound of ``lines`` as the active ``take`` holds it, and ``subtitles`` re-timed."""
    from filmstudio.speech.codec import decode_flac

    if fit not in SPEECH_FITS:
        raise SpeechError(f"fit is one of {', '.join(SPEECH_FITS)}, not {fit!r}")
    stored = stored_lines(take)
    missing = [line for line in lines if line.key not in stored]
    if missing:
        said = "; ".join(f"{line.cue.speaker or '?'}: {line.text[:40]!r}" for line in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        what = (
            "has no take yet"
            if not stored
            else f"has {len(missing)} line(s) new since its take ({said}{more})"
        )
        raise SpeechError(
            f"the Speech node {what}: generate a take to synthesise them (the node's Generate, or "
            "engine.generate_take(node) in a script); renders never call a voice model"
        )
    placed: list[tuple[int, np.ndarray]] = []
    moved: dict[int, Cue] = {}
    recipe = hashlib.sha256(repr((str(fps), fit, min_gap, level_db)).encode())
    previous_end: int | None = None
    for line in lines:
        entry = stored[line.key]
        samples = _levelled(decode_flac(entry.get("flac", ""), int(entry["samples"])), level_db)
        rate = int(entry["rate"])
        cue = line.cue
        start = cue.start if previous_end is None else max(cue.start, previous_end + min_gap)
        base = frame_sample(start, fps, PROJECT_RATE)
        natural = math.ceil(samples.size * PROJECT_RATE / rate)
        length: int | None = None
        if fit == "stretch" and natural:
            target = frame_sample(start + cue.frames, fps, PROJECT_RATE) - base
            low, high = RATIO_RANGE
            length = round(natural * min(max(target / natural, low), high))
            frames = cue.frames if length == target else _frames_for(start, length, fps)
        elif fit == "pad":
            frames = max(cue.frames, _frames_for(start, natural, fps))
        else:
            frames = _frames_for(start, natural, fps)
        sound = shift_and_fit(samples, rate, line.pitch, length, PROJECT_RATE)
        placed.append((base, sound))
        moved[id(cue)] = replace(cue, start=start, end=start + frames)
        recipe.update(repr((line.key, base, line.pitch, length)).encode())
        previous_end = start + frames
    cues = tuple(moved.get(id(cue), cue) for cue in subtitles)
    return SpeechAudio(placed, "speech:" + recipe.hexdigest()[:32]), subtitles.with_cues(cues)


def _frames_for(start: int, samples: int, fps: Fraction) -> int:
    """The fewest whole frames from ``start`` (at least one) that hold ``samples`` samples."""
    base = frame_sample(start, fps, PROJECT_RATE)
    frames = max(1, math.ceil(Fraction(samples) * fps / PROJECT_RATE))
    while frame_sample(start + frames, fps, PROJECT_RATE) - base < samples:
        frames += 1
    while frames > 1 and frame_sample(start + frames - 1, fps, PROJECT_RATE) - base >= samples:
        frames -= 1
    return frames


def _levelled(samples: np.ndarray, level_db: float) -> np.ndarray:
    """``samples`` at ``level_db`` dBFS RMS, peaks no higher than :data:`PEAK_DB`."""
    if samples.size == 0:
        return samples
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    peak = float(np.abs(samples).max())
    if rms <= 1e-9:
        return samples
    gain = min(10 ** (level_db / 20) / rms, 10 ** (PEAK_DB / 20) / peak)
    return (samples * gain).astype(np.float32)
