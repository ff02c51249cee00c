"""VideoReader: frame k by random access is bit-for-bit frame k of a plain sequential decode."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import av
import numpy as np
import pytest

from filmstudio.media import FrameOutOfRangeError, MediaError, VideoReader
from filmstudio.media.convert import frame_to_array, layout_for, upright
from tests.media.clips import ClipSpec, frame_number


def sequential_decode(spec: ClipSpec, reader: VideoReader) -> list[np.ndarray]:
    """Every frame from PyAV's own front-to-back decode, converted the way the reader converts."""
    info = reader.info
    stored_height = info.width if info.rotation in (90, 270) else info.height
    layout = layout_for(
        info.pix_fmt, matrix_tag=info.colour_matrix, range_tag=info.colour_range, height=stored_height
    )
    with av.open(str(spec.path)) as container:
        return [upright(frame_to_array(f, layout), info.rotation) for f in container.decode(video=0)]


def test_random_access_matches_sequential_decode_bit_for_bit(clip: ClipSpec):
    with VideoReader(clip.path) as reader:
        reference = sequential_decode(clip, reader)
        assert len(reference) == len(reader) == clip.frame_count
        assert [frame_number(a, clip.rotation) for a in reference] == list(range(clip.frame_count))
        order = list(range(len(reader)))
        random.Random(1234).shuffle(order)
        for k in order:
            frame = reader.read(k)
            assert np.array_equal(frame, reference[k]), f"{clip.name}: frame {k} differs"


def test_stepping_backwards_and_scrubbing(clips: dict[str, ClipSpec]):
    spec = clips["h264_long_gop"]
    with VideoReader(spec.path) as reader:
        for k in [149, 148, 147, 90, 61, 60, 59, 58, 0, 1, 120, 119]:
            assert frame_number(reader.read(k)) == k


def test_frames_are_upright_and_native_depth(clips: dict[str, ClipSpec]):
    with VideoReader(clips["rotated"].path) as reader:
        frame = reader.read(5)
        assert frame.shape == (320, 180, 3) and frame.dtype == np.uint8
        assert frame_number(frame, rotation=90) == 5
    with VideoReader(clips["h265_10bit"].path) as reader:
        frame = reader.read(7)
        assert frame.shape == (108, 192, 3) and frame.dtype == np.uint16
        assert frame_number(frame) == 7


def test_read_tensor_is_rgba_premultiplied(clips: dict[str, ClipSpec]):
    import torch

    with VideoReader(clips["prores_4444_alpha"].path) as reader:
        straight = reader.read(3)
        tensor = reader.read_tensor(3)
    assert straight.shape == (90, 160, 4) and straight.dtype == np.uint16
    assert tensor.dtype == torch.float32 and tuple(tensor.shape) == (4, 90, 160)
    alpha = straight[..., 3].astype(np.float32) / 65535
    expected = straight[..., :3].astype(np.float32) / 65535 * alpha[..., None]
    assert np.allclose(tensor[:3].permute(1, 2, 0).numpy(), expected, atol=1e-6)
    assert float(tensor[3, 50, 0]) < 0.05 and float(tensor[3, 50, 159]) > 0.95  # the alpha ramp survived
    with VideoReader(clips["h264_long_gop"].path) as reader:
        opaque = reader.read_tensor(0)
    assert torch.all(opaque[3] == 1.0) and float(opaque.min()) >= 0.0 and float(opaque.max()) <= 1.0


def test_arrays_are_read_only_views_of_the_window(clips: dict[str, ClipSpec]):
    with VideoReader(clips["h264_audio"].path) as reader:
        frame = reader.read(2)
        with pytest.raises(ValueError):
            frame[0, 0, 0] = 1


def test_out_of_range_and_closed(clips: dict[str, ClipSpec]):
    spec = clips["h264_audio"]
    reader = VideoReader(spec.path)
    for bad in (-1, spec.frame_count, 10_000):
        with pytest.raises(FrameOutOfRangeError) as caught:
            reader.read(bad)
        assert spec.path.name in str(caught.value) and str(bad) in str(caught.value)
    reader.close()
    reader.close()
    with pytest.raises(MediaError, match="closed"):
        reader.read(0)


def test_vfr_timing(clips: dict[str, ClipSpec]):
    from tests.media.clips import vfr_timestamps

    stamps = vfr_timestamps(90)
    with VideoReader(clips["vfr"].path) as reader:
        assert reader.time_of(0) == 0.0
        assert reader.time_of(10) == pytest.approx(stamps[10] / 1000, abs=1e-3)
        assert reader.frame_at_time(stamps[40] / 1000 + 0.001) == 40
        assert frame_number(reader.read(reader.frame_at_time(stamps[77] / 1000))) == 77


def test_read_ahead_on_an_executor_gives_the_same_frames(clips: dict[str, ClipSpec]):
    spec = clips["h264_long_gop"]
    with VideoReader(spec.path) as plain:
        reference = [plain.read(k).copy() for k in range(spec.frame_count)]
    with ThreadPoolExecutor(max_workers=2) as pool, VideoReader(spec.path, executor=pool) as reader:
        for k in range(30, 110):
            assert np.array_equal(reader.read(k), reference[k])
        assert np.array_equal(reader.read(5), reference[5])  # a jump cancels read-ahead


def test_concurrent_readers_share_one_reader_safely(clips: dict[str, ClipSpec]):
    spec = clips["h264_long_gop"]
    failures: list[str] = []
    with ThreadPoolExecutor(max_workers=2) as pool, VideoReader(spec.path, executor=pool) as reader:

        def scrub(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(40):
                k = rng.randrange(spec.frame_count)
                if frame_number(reader.read(k)) != k:
                    failures.append(f"{threading.current_thread().name}: frame {k}")

        threads = [threading.Thread(target=scrub, args=(seed,)) for seed in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []


def test_a_still_image_reads_as_a_one_frame_clip(folder):
    from filmstudio.media import write_image

    pixels = np.zeros((20, 30, 3), np.uint8)
    pixels[:, :, 1] = 200
    path = write_image(folder / "still.png", pixels)
    with VideoReader(path) as reader:
        assert len(reader) == 1 and reader.info.kind == "image" and reader.info.fps is None
        assert np.array_equal(reader.read(0), pixels)
