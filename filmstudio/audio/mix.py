"""Mixing and shifting sound: the Audio values behind the Audio Mix and Audio Offset nodes.

A mix is stereo. Each input (mono is duplicated to both sides) is scaled by its gain and pan at
every sample, then the inputs are summed:

    out_left[n]  = sum_i in_i_left[n]  * g_i(n) * min(1, 1 - p_i(n)) * duck_i(n)
    out_right[n] = sum_i in_i_right[n] * g_i(n) * min(1, 1 + p_i(n)) * duck_i(n)

with ``g = 10 ** (dB / 20)`` (0 at -96 dB and below: off) and ``p`` the pan in -1 (left) .. 1
(right): a balance, so a centred input passes unchanged. Gain and pan are parameter curves
evaluated at each sample's fractional frame (:func:`~filmstudio.audio.curves.curve_at`), so a
keyframed fade is smooth, not a per-frame staircase. ``duck_i`` is 1 except on the ducked input
(:class:`Ducking`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from filmstudio.audio.clip import Audio, AudioError
from filmstudio.audio.curves import curve_at, sample_frames

__all__ = ["OFF_DB", "Ducking", "MixInput", "MixedAudio", "OffsetAudio", "gain_of"]

OFF_DB = -96.0  # at and below this gain an input is off (quieter than 16-bit sound's floor)
DETECT = 48  # samples per step of the ducking detector (1 ms at 48 kHz), on the project's grid


def gain_of(db: np.ndarray) -> np.ndarray:
    """Linear gain for dB values (0 at :data:`OFF_DB` and below)."""
    return np.where(db <= OFF_DB, 0.0, 10.0 ** (db / 20.0))


@dataclass(frozen=True)
class MixInput:
    """One input of a mix: its sound and its gain (dB) and pan as stored (constant or AnimCurve)."""

    audio: Audio
    gain_db: Any = 0.0
    pan: Any = 0.0


@dataclass(frozen=True)
class Ducking:
    """Sidechain ducking: input ``ducked`` is lowered by ``amount_db`` while input ``key`` is
    louder than ``threshold_db`` (peak, dBFS).

    Measured every :data:`DETECT` samples of the project's grid: a step is *over* when the key's
    peak in it exceeds the threshold. The duck rises linearly to full over ``attack_s`` of
    continuous over-threshold sound and falls back linearly over ``release_s`` after it stops:
    ``depth(t) = max over k >= 0 of (attack(t - k) - k / release)``, clipped to 0..1, where
    ``attack(t)`` is the fraction of ``attack_s`` the key has been over at ``t``. The depth at a
    moment depends only on the key's last ``attack_s + release_s``, so any range renders the same
    whichever way it is split. Depth is interpolated linearly between steps; the ducked input is
    scaled by ``10 ** (-amount_db * depth / 20)``.
    """

    ducked: int
    key: int
    threshold_db: float = -30.0
    amount_db: float = 12.0
    attack_s: float = 0.01
    release_s: float = 0.3

    def depth(self, key: Audio, start: int, stop: int) -> np.ndarray:
        """The duck's depth (0..1) at each sample ``[start, stop)``."""
        attack = max(0, round(self.attack_s * key.rate / DETECT))
        release = max(1, round(self.release_s * key.rate / DETECT))
        first = start // DETECT - attack - release - 1
        last = -(-stop // DETECT) + 1  # one step past the end, to interpolate towards
        sound = key.samples(first * DETECT, last * DETECT)
        peaks = np.abs(sound).max(axis=0).reshape(-1, DETECT).max(axis=1)
        over = peaks > 10.0 ** (self.threshold_db / 20.0)
        if attack:
            steps = np.arange(len(over))
            last_quiet = np.maximum.accumulate(np.where(over, -1, steps))
            rising = np.minimum(steps - last_quiet, attack) / attack
        else:
            rising = over.astype(np.float64)
        depth = rising.astype(np.float64)
        reach = 1
        while reach <= release:  # max over k of (rising[t - k] - k / release), by doubling
            shifted = np.full_like(depth, -np.inf)
            shifted[reach:] = depth[:-reach] - reach / release
            depth = np.maximum(depth, shifted)
            reach *= 2
        depth = np.clip(depth, 0.0, 1.0)
        at = (np.arange(first, last) * DETECT).astype(np.float64)
        return np.interp(np.arange(start, stop, dtype=np.float64), at, depth)


def _digest(*parts: Any) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


class MixedAudio(Audio):
    """The stereo sum of ``inputs`` (see the module docstring), at a project of ``fps`` (which
    places the gain and pan keyframes in time)."""

    def __init__(self, inputs: Sequence[MixInput], fps: Fraction, ducking: Ducking | None = None) -> None:
        if not inputs:
            raise AudioError("a mix needs at least one input")
        rates = {i.audio.rate for i in inputs}
        if len(rates) != 1:
            raise AudioError(f"the mix's inputs have different sample rates {sorted(rates)}: resample them")
        if ducking is not None and not (0 <= ducking.ducked < len(inputs) and 0 <= ducking.key < len(inputs)):
            raise AudioError("ducking names an input the mix does not have")
        self.inputs, self.fps, self.ducking = tuple(inputs), Fraction(fps), ducking
        key = _digest(
            "mix", [(i.audio.key, i.audio.channels, i.gain_db, i.pan) for i in inputs], self.fps, ducking
        )
        super().__init__(rates.pop(), 2, "mix:" + key)

    def extent(self) -> tuple[int, int] | None:
        spans = [i.audio.extent() for i in self.inputs]
        spans = [s for s in spans if s is not None]
        return (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None

    def render(self, start: int, stop: int) -> np.ndarray:
        out = np.zeros((2, stop - start), np.float64)
        frames = sample_frames(start, stop, self.fps, self.rate)
        for index, item in enumerate(self.inputs):
            if item.audio.extent() is None:
                continue
            gain = gain_of(curve_at(item.gain_db, frames))
            if self.ducking is not None and index == self.ducking.ducked:
                depth = self.ducking.depth(self.inputs[self.ducking.key].audio, start, stop)
                gain = gain * 10.0 ** (-self.ducking.amount_db * depth / 20.0)
            if not gain.any():
                continue
            pan = np.clip(curve_at(item.pan, frames), -1.0, 1.0)
            sound = item.audio.samples(start, stop)
            left, right = (sound[0], sound[0]) if sound.shape[0] == 1 else (sound[0], sound[1])
            out[0] += left * gain * np.minimum(1.0, 1.0 - pan)
            out[1] += right * gain * np.minimum(1.0, 1.0 + pan)
        return out.astype(np.float32)


class OffsetAudio(Audio):
    """``source`` played ``shift`` samples later (earlier when negative)."""

    def __init__(self, source: Audio, shift: int) -> None:
        self.source, self.shift = source, int(shift)
        super().__init__(source.rate, source.channels, "offset:" + _digest(source.key, self.shift))

    def extent(self) -> tuple[int, int] | None:
        inner = self.source.extent()
        return None if inner is None else (inner[0] + self.shift, inner[1] + self.shift)

    def render(self, start: int, stop: int) -> np.ndarray:
        return np.array(self.source.samples(start - self.shift, stop - self.shift))


def frames_to_samples(frames: int | Fraction, fps: Fraction, rate: int) -> int:
    """A shift of ``frames`` (whole or fractional) at ``fps`` as whole samples, rounded half up."""
    return math.floor(Fraction(frames) / Fraction(fps) * rate + Fraction(1, 2))
