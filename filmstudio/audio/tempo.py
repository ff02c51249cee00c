"""Sound played faster or slower with its pitch kept: FFmpeg's ``atempo`` filter through PyAV.

``atempo`` is a waveform-similarity overlap-add stretch (WSOLA-like) that keeps pitch and
formants; it is the maintained stretch every FFmpeg build has (Rubber Band is not in PyAV's
wheels). One filter takes tempos 0.5-100, so slower tempos chain several.

Its output runs early by some milliseconds (about 12 ms at 0.8x, 20 ms at 0.5x: its grains are
placed around their centres). So that sound stays in sync with the picture it is conformed to,
:func:`change_tempo` measures that lead once per tempo and rate, on tone bursts whose times are
known, and delays its output by it: what is left is the few milliseconds by which the grains'
placement depends on the sound itself.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from itertools import pairwise

import numpy as np

_SLOWEST = 0.5  # one atempo filter's lowest tempo
_BLOCK = 8192  # samples a frame pushed into the filter


def change_tempo(sound: np.ndarray, rate: int, tempo: float) -> np.ndarray:
    """float32 ``sound`` ``[channels, n]`` (1 or 2 channels) at ``rate``, played ``tempo`` times as
    fast (0.8: slower, longer) with its pitch kept: about ``n / tempo`` samples, output sample
    ``m`` sounding what input sample ``m * tempo`` did (the stretch's lead taken out; its last
    few milliseconds may be missing: callers pad)."""
    if tempo <= 0:
        raise ValueError(f"a tempo must be more than 0, not {tempo}")
    if tempo == 1 or sound.shape[1] == 0:
        return np.array(sound, np.float32)
    out = _atempo(sound, rate, tempo)
    lead = _lead(rate, tempo)
    return (
        np.concatenate([np.zeros((len(out), lead), np.float32), out], axis=1) if lead > 0 else out[:, -lead:]
    )


@functools.lru_cache(maxsize=32)
def _lead(rate: int, tempo: float) -> int:
    """How many samples early ``atempo`` sounds at ``tempo``: the mean shift of the centres of
    eight 40 ms tone bursts from where the tempo puts them."""
    burst = np.sin(2 * np.pi * 1000 * np.arange(int(0.04 * rate)) / rate).astype(np.float32)
    starts = [int(rate * (0.5 + 0.37 * k)) for k in range(8)]
    probe = np.zeros(starts[-1] + rate, np.float32)
    for start in starts:
        probe[start : start + len(burst)] = burst
    energy = _atempo(probe[None], rate, tempo)[0] ** 2
    shifts = []
    for start in starts:
        centre = (start + len(burst) / 2) / tempo
        lo, hi = int(centre - 0.1 * rate), int(centre + 0.1 * rate)
        window = energy[lo:hi]
        shifts.append(centre - (np.arange(lo, lo + len(window)) * window).sum() / window.sum())
    return round(float(np.mean(shifts)))


def _atempo(sound: np.ndarray, rate: int, tempo: float) -> np.ndarray:
    import av

    channels, length = sound.shape
    layout = "mono" if channels == 1 else "stereo"
    graph = av.filter.Graph()
    source = graph.add_abuffer(format="fltp", sample_rate=rate, layout=layout, time_base=Fraction(1, rate))
    chain = [source, *(graph.add("atempo", f"{factor:.12g}") for factor in _factors(tempo))]
    chain += [graph.add("aformat", "sample_fmts=fltp"), graph.add("abuffersink")]
    for upstream, downstream in pairwise(chain):
        upstream.link_to(downstream)
    graph.configure()
    sink = chain[-1]
    pieces: list[np.ndarray] = []
    planar = np.ascontiguousarray(sound, np.float32)
    for begin in range(0, length, _BLOCK):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(planar[:, begin : begin + _BLOCK]), format="fltp", layout=layout
        )
        frame.sample_rate, frame.pts, frame.time_base = rate, begin, Fraction(1, rate)
        source.push(frame)
        _drain(sink, pieces)
    source.push(None)  # the end: the filter gives what it holds
    _drain(sink, pieces)
    return np.concatenate(pieces, axis=1) if pieces else np.zeros((channels, 0), np.float32)


def _factors(tempo: float) -> list[float]:
    """``tempo`` as atempo filters' tempos (each 0.5 or more) whose product it is."""
    factors = []
    while tempo < _SLOWEST:
        factors.append(_SLOWEST)
        tempo /= _SLOWEST
    return [*factors, tempo]


def _drain(sink: object, pieces: list[np.ndarray]) -> None:
    import av

    while True:
        try:
            frame = sink.pull()  # type: ignore[attr-defined]
        except (av.BlockingIOError, av.EOFError):
            return
        pieces.append(frame.to_ndarray())
