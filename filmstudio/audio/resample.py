"""Bring samples made at another rate (a voice model's 22.05 kHz, a 44.1 kHz file) to the project's.

Polyphase filtering (SciPy's ``resample_poly``): exact rational ratios, linear phase, and the
output's sample 0 lines up with the input's sample 0, so placement stays exact.
"""

from __future__ import annotations

import math

import numpy as np

from filmstudio.audio.clip import PROJECT_RATE, AudioError

__all__ = ["resample"]


def resample(samples: np.ndarray, from_rate: int, to_rate: int = PROJECT_RATE) -> np.ndarray:
    """``samples`` (``[channels, n]`` or ``[n]``) at ``from_rate`` as float32 at ``to_rate``;
    ``ceil(n * to_rate / from_rate)`` samples out, the first at the same moment as the input's."""
    if from_rate <= 0 or to_rate <= 0:
        raise AudioError(f"sample rates must be positive, not {from_rate} -> {to_rate}")
    data = np.asarray(samples, dtype=np.float32)
    if from_rate == to_rate:
        return data.copy()
    from scipy.signal import resample_poly

    common = math.gcd(from_rate, to_rate)
    out = resample_poly(data, to_rate // common, from_rate // common, axis=-1)
    return np.ascontiguousarray(out, dtype=np.float32)
