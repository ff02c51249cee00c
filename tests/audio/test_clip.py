"""The Audio contract: one exact sample grid, placement of in-memory clips, the sample cache."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from filmstudio.audio import PROJECT_RATE, AudioError, SampleClip, Silence, frame_sample, frames_samples
from filmstudio.audio.cache import BLOCK, AudioCache
from filmstudio.audio.resample import resample
from filmstudio.core.types import PortType, can_link

NTSC_FILM = Fraction(24000, 1001)


def test_ten_minutes_at_23_976_is_exactly_2002_samples_a_frame() -> None:
    frames = 14_386  # 10 minutes of 23.976 fps, rounded up to a whole frame
    start, stop = frames_samples(0, frames - 1, NTSC_FILM, PROJECT_RATE)
    assert stop - start == frames * 2002
    # however the range is split, the pieces add up: no drift
    pieces = [
        frames_samples(f, min(f + 99, frames - 1), NTSC_FILM, PROJECT_RATE) for f in range(0, frames, 100)
    ]
    assert sum(b - a for a, b in pieces) == stop - start
    assert all(pieces[i][1] == pieces[i + 1][0] for i in range(len(pieces) - 1))


def test_29_97_frames_alternate_lengths_but_never_drift() -> None:
    fps = Fraction(30000, 1001)
    lengths = {frame_sample(f + 1, fps, PROJECT_RATE) - frame_sample(f, fps, PROJECT_RATE) for f in range(30)}
    assert lengths == {1601, 1602}
    assert frame_sample(30_000, fps, PROJECT_RATE) == 1001 * PROJECT_RATE  # 1001 s exactly


def test_a_sample_clip_plays_where_it_is_placed_and_is_silent_elsewhere() -> None:
    tone = np.linspace(-1, 1, 100, dtype=np.float32)
    clip = SampleClip(tone, start=50)
    got = clip.samples(0, 200)
    assert got.shape == (1, 200) and not got.flags.writeable
    assert np.array_equal(got[0, 50:150], tone)
    assert not got[0, :50].any() and not got[0, 150:].any()
    assert clip.extent() == (50, 150)
    assert SampleClip(tone, start=50) == clip and SampleClip(tone, start=51) != clip


def test_ranges_across_blocks_equal_one_render() -> None:
    rng = np.random.default_rng(1)
    noise = rng.uniform(-1, 1, (2, 3 * BLOCK + 17)).astype(np.float32)
    clip = SampleClip(noise, start=-BLOCK // 2)
    whole = clip.render(-BLOCK, 3 * BLOCK)
    parts = np.concatenate(
        [clip.samples(a, b) for a, b in ((-BLOCK, 5), (5, BLOCK + 3), (BLOCK + 3, 3 * BLOCK))], axis=1
    )
    assert np.array_equal(whole, parts)


def test_the_cache_renders_each_block_once_and_keeps_to_its_budget() -> None:
    cache = AudioCache(budget=3 * BLOCK * 2 * 4)
    clip = SampleClip(np.ones((2, 10 * BLOCK), np.float32))
    cache.samples(clip, 0, 2 * BLOCK)
    cache.samples(clip, BLOCK // 2, BLOCK + 5)
    assert cache.renders == 2
    cache.samples(clip, 0, 10 * BLOCK)
    assert cache.bytes <= cache.budget
    # silence outside the extent is never rendered
    assert not cache.samples(clip, -5 * BLOCK, -1).any() and cache.renders == 10


def test_silence_and_bad_samples() -> None:
    assert Silence().extent() is None and not Silence().samples(-10, 10).any()
    with pytest.raises(AudioError, match="NaN"):
        SampleClip(np.array([0.0, np.nan]))
    with pytest.raises(AudioError, match="1 or 2 channels"):
        SampleClip(np.zeros((6, 10)))


def test_resampling_keeps_the_first_sample_in_place_and_the_length() -> None:
    rate = 22_050
    t = np.arange(rate) / rate
    tone = np.sin(2 * np.pi * 440 * t).astype(np.float32)
    out = resample(tone, rate)
    assert out.shape == (PROJECT_RATE,)
    expected = np.sin(2 * np.pi * 440 * np.arange(PROJECT_RATE) / PROJECT_RATE)
    assert np.abs(out[1000:-1000] - expected[1000:-1000]).max() < 1e-3


def test_audio_links_only_to_audio() -> None:
    assert can_link(PortType.AUDIO, PortType.AUDIO) and can_link(PortType.AUDIO, PortType.ANY)
    assert not can_link(PortType.AUDIO, PortType.IMAGE) and not can_link(PortType.NUMBER, PortType.AUDIO)
