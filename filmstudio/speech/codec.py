"""A line's sound in a take: 16-bit FLAC (lossless, about 56% of PCM for speech) in base64.

Takes live in the project file, which is JSON: base64 of FLAC is about 33 KB per second of
22.05 kHz speech. Lossless, so a take renders exactly what was synthesised, and a line made again
from the same seed is identical to the stored one. Encoded and decoded in memory with PyAV.
"""

from __future__ import annotations

import base64
import binascii
import io

import numpy as np

from filmstudio.speech.errors import SpeechError


def encode_flac(samples: np.ndarray, rate: int) -> str:
    """Mono float32 ``samples`` at ``rate`` as base64 FLAC (quantised to 16 bits, clipped)."""
    import av

    pcm = np.clip(np.round(np.asarray(samples, np.float64) * 32767.0), -32768, 32767).astype(np.int16)
    if pcm.size == 0:
        return ""  # nothing said: no stream to store
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="flac") as container:
        stream = container.add_stream("flac", rate=rate, layout="mono")
        stream.format = "s16"
        frame = av.AudioFrame.from_ndarray(pcm[None, :], format="s16", layout="mono")
        frame.sample_rate, frame.pts = rate, 0
        for packet in (*stream.encode(frame), *stream.encode(None)):
            container.mux(packet)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_flac(data: str, samples: int) -> np.ndarray:
    """The ``samples`` float32 samples that :func:`encode_flac` stored in ``data``."""
    import av

    if samples == 0:
        return np.zeros(0, np.float32)
    try:
        raw = base64.b64decode(data.encode("ascii"), validate=True)
        with av.open(io.BytesIO(raw), "r", format="flac") as container:
            parts = [frame.to_ndarray().reshape(-1) for frame in container.decode(audio=0)]
    except (binascii.Error, ValueError, UnicodeError, av.error.FFmpegError) as error:
        raise SpeechError(
            f"a line's stored sound is damaged ({error}): the project file was edited by hand; "
            "generate the Speech node's take again"
        ) from None
    pcm = np.concatenate(parts) if parts else np.zeros(0, np.int16)
    if pcm.size < samples:
        raise SpeechError("a line's stored sound is shorter than recorded: generate the Speech take again")
    return pcm[:samples].astype(np.float32) / 32767.0
