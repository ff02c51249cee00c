"""Sound in the graph: the Audio port's value (:mod:`filmstudio.audio.clip`, the contract), the
sample cache, and the maths of mixing (gain curves, pan, ducking) and offsets.

Pure NumPy on the project's sample grid; decoding files is :mod:`filmstudio.media.audio_source`'s.
"""

from filmstudio.audio.clip import (
    PROJECT_RATE,
    Audio,
    AudioError,
    SampleClip,
    Silence,
    frame_sample,
    frames_samples,
    sample_at,
    sample_time,
)

__all__ = [
    "PROJECT_RATE",
    "Audio",
    "AudioError",
    "SampleClip",
    "Silence",
    "frame_sample",
    "frames_samples",
    "sample_at",
    "sample_time",
]
