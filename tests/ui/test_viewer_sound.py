"""The viewer's sound: the viewed node's waveform under the timeline, the samples playback and
scrubbing feed the sound output, and silence (with a reason) where there is no sound device."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from filmstudio.audio import PROJECT_RATE, frame_sample
from filmstudio.ui.viewer.sound_output import CHANNELS, GRAIN_S
from filmstudio.ui.viewer.waveform import WAVE
from tests.audio.sound_clips import noise, write_movie_with_sound
from tests.ui.test_viewer import pixels, viewer_panel  # noqa: F401  (the `viewer` fixture)

RATE = PROJECT_RATE
FPS = Fraction(24)


class FakeSink:
    """Stands for the sound card: remembers the feed it was given, like QAudioSink pulls from it."""

    def __init__(self) -> None:
        self.feed = None
        self.starts = 0
        self.problem = ""

    def start(self, feed) -> bool:
        self.feed, self.starts = feed, self.starts + 1
        return True

    def stop(self) -> None:
        self.feed = None


def _read(feed, count: int) -> np.ndarray:
    """What a sink pulls: ``count`` interleaved float32 stereo samples, as [2, count]."""
    data = bytes(feed.read(count * CHANNELS * 4))
    return np.frombuffer(data, np.float32).reshape(count, CHANNELS).T


@pytest.fixture
def loud_second_half(session, tmp_path: Path):
    """A Read whose sound is silent for frames 1-50 and loud noise for 51-100, viewed."""
    sound = np.zeros((2, RATE * 5), np.float32)
    sound[:, RATE * 50 // 24 :] = noise(2, sound.shape[1] - RATE * 50 // 24, level=0.9)
    movie = write_movie_with_sound(tmp_path / "sound.mov", sound, frames=100)
    read = session.graph.create("Read", file=str(movie))
    return read, sound


def _sound_ready(viewer, qtbot) -> None:
    qtbot.waitUntil(lambda: viewer.sound.strip.waveform is not None, timeout=10000)


def test_the_waveform_is_drawn_loud_where_the_sound_is_loud(session, viewer, loud_second_half, qtbot):
    _sound_ready(viewer, qtbot)
    strip = viewer.sound.strip
    assert strip.isVisible()
    image = pixels(strip.grab().toImage().convertToFormat(strip.grab().toImage().Format.Format_RGBX8888))
    ruler = viewer.timeline.ruler

    def wave_pixels(frame: int) -> int:
        column = image[:, round(ruler.x_of(frame))]
        return int(
            (np.abs(column[:, :3].astype(int) - [WAVE.red(), WAVE.green(), WAVE.blue()]).sum(1) < 30).sum()
        )

    assert all(wave_pixels(f) == 0 for f in (10, 25, 45))
    assert all(wave_pixels(f) > strip.height() // 2 for f in (60, 75, 95))


def test_viewing_a_node_without_sound_hides_the_waveform(session, viewer, loud_second_half, qtbot):
    _sound_ready(viewer, qtbot)
    session.graph.create("test.CountingSource")  # becomes the viewed node: no sound
    qtbot.waitUntil(lambda: not viewer.sound.strip.isVisible(), timeout=5000)
    assert viewer.sound.player.audio is None


def test_playback_feeds_the_sound_from_the_playhead_and_loops_with_the_picture(
    session, viewer, loud_second_half, qtbot
):
    _read_sound, sound = loud_second_half
    _sound_ready(viewer, qtbot)
    player = viewer.sound.player
    player.sink, player.feed.submit = FakeSink(), None  # no sound card here; render as asked
    session.set_in_out(60, 62)
    session.set_frame(62)
    viewer.playback.play()
    assert player.sink.feed is player.feed
    frame_length = RATE // 24
    got = _read(player.feed, frame_length * 3)  # frame 62, then back to 60 and 61
    begin = frame_sample(1, FPS, RATE)  # the Read's sound starts at frame 1

    def sound_of(frame: int) -> np.ndarray:
        at = frame_sample(frame, FPS, RATE) - begin
        return sound[:, at : at + frame_length]

    expected = np.concatenate([sound_of(62), sound_of(60), sound_of(61)], axis=1)
    assert np.array_equal(got, expected)
    viewer.playback.stop()
    assert player.sink.feed is None  # stopped with the picture


def test_scrubbing_plays_a_short_grain_from_each_frame(session, viewer, loud_second_half, qtbot):
    _read_sound, sound = loud_second_half
    _sound_ready(viewer, qtbot)
    player = viewer.sound.player
    player.sink, player.feed.submit = FakeSink(), None
    viewer.timeline.ruler.scrubbing = True
    session.set_frame(70)
    grain = round(GRAIN_S * RATE)
    got = _read(player.feed, grain + 100)
    at = frame_sample(70, FPS, RATE) - frame_sample(1, FPS, RATE)
    assert np.array_equal(got[:, :grain], sound[:, at : at + grain])
    assert not got[:, grain:].any()  # then silence
    viewer.timeline.ruler.scrubbing = False
    session.set_frame(80)  # a plain frame change plays nothing
    assert player.sink.starts == 1


def test_without_a_sound_device_playback_goes_on_silently_and_says_why(
    session, viewer, loud_second_half, qtbot
):
    pytest.importorskip("PySide6.QtMultimedia", reason="QtMultimedia needs PySide6-Addons and libpulse0")
    from PySide6.QtMultimedia import QMediaDevices

    _sound_ready(viewer, qtbot)
    viewer.playback.play()
    player = viewer.sound.player
    if QMediaDevices.defaultAudioOutput().isNull():
        assert "no sound" in player.problem
    else:
        assert player.problem == ""
    assert viewer.playback.playing
    viewer.playback.stop()
