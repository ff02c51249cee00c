"""Every bad input gives a MediaError that names the file; no av.error.* or OSError escapes."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from filmstudio.core.errors import FilmStudioError
from filmstudio.media import FrameOutOfRangeError, ImageSequence, MediaError, VideoReader, probe, read_image
from tests.media.clips import ClipSpec, write_clip


def assert_media_error(call, path: Path, *words: str) -> MediaError:
    with pytest.raises(MediaError) as caught:
        call(path)
    error = caught.value
    assert isinstance(error, FilmStudioError)
    assert not isinstance(error, av.error.FFmpegError | OSError)
    assert path.name in str(error) and error.path.endswith(path.name)
    for word in words:
        assert word in str(error)
    return error


OPENERS = [probe, VideoReader, read_image]


@pytest.mark.parametrize("opener", OPENERS)
def test_missing_file(folder, opener):
    assert_media_error(opener, folder / "nope.mp4", "not found")


@pytest.mark.parametrize("opener", OPENERS)
def test_zero_byte_file(folder, opener):
    path = folder / "empty.mp4"
    path.touch()
    assert_media_error(opener, path, "empty")


@pytest.mark.parametrize("opener", OPENERS)
def test_a_folder_is_not_a_file(folder, opener):
    path = folder / "clip.mov"
    path.mkdir()
    assert_media_error(opener, path, "folder")


@pytest.mark.parametrize("opener", OPENERS)
def test_text_file_renamed_mp4(folder, opener):
    path = folder / "notes.mp4"
    path.write_text("INT. KITCHEN - NIGHT\nShe opens the fridge.\n" * 20)
    assert_media_error(opener, path, "not a media file")


def test_truncated_mp4_with_index_at_the_end(folder, clips: dict[str, ClipSpec]):
    data = clips["h264_long_gop"].path.read_bytes()
    path = folder / "cut.mp4"
    path.write_bytes(data[: len(data) // 2])
    for opener in OPENERS:
        assert_media_error(opener, path)


def test_truncated_mp4_with_index_at_the_front(folder):
    whole = folder / "faststart.mp4"
    write_clip(
        whole,
        codec="libx264",
        frames=48,
        width=160,
        height=90,
        pix_fmt="yuv420p",
        options={"x264-params": "keyint=12"},
    )
    rewritten = folder / "faststart_moov_first.mp4"
    with (
        av.open(str(whole)) as source,
        av.open(str(rewritten), "w", options={"movflags": "faststart"}) as out,
    ):
        stream = out.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    data = rewritten.read_bytes()
    path = folder / "cut_faststart.mp4"
    path.write_bytes(data[: int(len(data) * 0.6)])
    error = assert_media_error(probe, path, "truncated")
    assert "48" in str(error)
    assert_media_error(VideoReader, path, "truncated")


def test_file_without_video_stream(folder):
    path = folder / "voice.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=48000, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 4800), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 48000, 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    for opener in (probe, VideoReader):
        assert_media_error(opener, path, "no video stream", "audio")


def test_frame_index_out_of_range_names_the_file(clips: dict[str, ClipSpec]):
    spec = clips["vfr"]
    with VideoReader(spec.path) as reader:
        error = assert_media_error(lambda _: reader.read(spec.frame_count), spec.path, "out of range")
    assert isinstance(error, FrameOutOfRangeError) and isinstance(error, IndexError)


def test_missing_frame_in_a_sequence_names_the_file(folder):
    from filmstudio.media import write_image

    for n in (1, 2, 4):
        write_image(folder / f"plate.{n:03d}.png", np.full((4, 4, 3), n, np.uint8))
    sequence = ImageSequence.from_pattern(folder / "plate.###.png")
    assert_media_error(lambda _: sequence.read(3), folder / "plate.003.png", "missing")
    (folder / "plate.004.png").unlink()  # deleted after the scan
    assert_media_error(lambda _: sequence.read(4), folder / "plate.004.png", "not found")


def test_a_damaged_frame_in_the_middle_is_reported_not_raised_raw(folder, clips: dict[str, ClipSpec]):
    data = bytearray(clips["h264_long_gop"].path.read_bytes())
    rng = np.random.default_rng(5)
    for offset in rng.integers(len(data) // 3, len(data) // 2, size=200):
        data[int(offset)] ^= 0xFF
    path = folder / "bitrot.mp4"
    path.write_bytes(bytes(data))
    try:
        with VideoReader(path) as reader:
            for k in range(0, len(reader), 7):
                try:
                    reader.read(k)
                except MediaError as error:
                    assert path.name in str(error)
    except MediaError as error:
        assert path.name in str(error)
