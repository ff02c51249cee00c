"""Time-stretching speech without changing its pitch (WSOLA), and pitch shifting with it.

WSOLA (waveform-similarity overlap-add, Verhelst and Roelands 1993): the output is built from
Hann-windowed grains of the input laid at a fixed hop (half a grain); each grain is taken near
where the time ratio says, moved by up to a quarter grain to where it best continues the previous
one (cross-correlation), so periods line up and the voice keeps its pitch and formants. For speech
between 0.7x and 1.4x of its length it sounds natural; towards 0.5x or 2x syllables are audibly
repeated or skipped, so callers limit the ratio to :data:`RATIO_RANGE`. A phase vocoder
(librosa's) blurs transients and gives speech a reverberant "phasiness"; Rubber Band would be
better still but is a GPL program or library; so this is NumPy, here.

Pitch is shifted by resampling (which changes duration too) after stretching by the same
factor, so the duration is kept: see :func:`shift_and_fit`.
"""

from __future__ import annotations

import math

import numpy as np

RATIO_RANGE = (0.5, 2.0)
GRAIN_SECONDS = 0.03  # 30 ms grains: a few pitch periods of any voice


def time_stretch(samples: np.ndarray, length: int, rate: int) -> np.ndarray:
    """Mono float32 ``samples`` at ``rate`` stretched or squeezed to exactly ``length`` samples,
    pitch kept (WSOLA; see the module docstring)."""
    x = np.asarray(samples, np.float32)
    if length <= 0:
        return np.zeros(0, np.float32)
    if x.size == 0:
        return np.zeros(length, np.float32)
    if length == x.size:
        return x.copy()
    grain = max(16, round(GRAIN_SECONDS * rate) // 2 * 2)
    hop = grain // 2
    tolerance = grain // 4
    window = np.hanning(grain + 1)[:-1].astype(np.float32)  # periodic: halves overlap-add to 1
    step = x.size / length * hop  # input advance per output hop
    padded = np.concatenate(
        [np.zeros(tolerance + grain, np.float32), x, np.zeros(tolerance + 2 * grain, np.float32)]
    )
    origin = tolerance + grain  # where x[0] is in padded
    count = math.ceil(length / hop) + 1
    out = np.zeros(count * hop + grain, np.float32)
    previous = origin - hop  # the grain before the first: its natural continuation is x[0]
    for index in range(count):
        nominal = origin + round(index * step) - hop
        follow = padded[previous + hop : previous + hop + grain]
        region = padded[nominal - tolerance : nominal + tolerance + grain]
        if index == 0 or not follow.any():
            chosen = nominal
        else:
            scores = np.correlate(region, follow, mode="valid")
            chosen = nominal - tolerance + int(np.argmax(scores))
        out[index * hop : index * hop + grain] += window * padded[chosen : chosen + grain]
        previous = chosen
    return out[hop : hop + length].copy()


def shift_and_fit(
    samples: np.ndarray, rate: int, semitones: float, length: int | None, to_rate: int
) -> np.ndarray:
    """Mono ``samples`` at ``rate`` pitched by ``semitones`` and brought to ``to_rate``: as long
    as they were (at ``to_rate``), or exactly ``length`` samples there when given (stretched;
    the ratio limited by the caller)."""
    from filmstudio.audio.resample import resample

    factor = 2.0 ** (semitones / 12.0)
    # Read the samples as if made at rate * factor: played at ``rate`` they sound higher by the
    # factor (and shorter). Rounded to 50 Hz so the polyphase filter stays short (2 cents at most).
    source_rate = rate if semitones == 0 else max(50, round(rate * factor / 50.0) * 50)
    wanted = math.ceil(samples.size * to_rate / rate) if length is None else length
    needed = round(wanted * source_rate / to_rate)  # input samples that resample to ``wanted``
    if (semitones != 0 or length is not None) and needed != samples.size:
        samples = time_stretch(samples, needed, rate)
    out = resample(samples, source_rate, to_rate)
    if out.size < wanted:
        out = np.concatenate([out, np.zeros(wanted - out.size, np.float32)])
    return out[:wanted]
