"""Image sequences (patterns, gaps, missing-frame policies) and stills, EXR included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from filmstudio.media import (
    FrameOutOfRangeError,
    ImageSequence,
    MediaError,
    SequencePattern,
    read_image,
    read_image_tensor,
    write_image,
)


def make_frames(folder: Path, name: str, numbers, size=(6, 8)) -> None:
    for n in numbers:
        write_image(folder / name.format(n), np.full((*size, 3), n % 256, np.uint8))


@pytest.mark.parametrize(
    ("pattern", "padding", "matches", "rejects"),
    [
        (
            "shot.####.png",
            4,
            ["shot.0001.png", "shot.1001.png", "shot.12345.png"],
            ["shot.001.png", "shot.01234.png"],
        ),
        ("shot.%04d.png", 4, ["shot.0042.png"], ["shot.42.png"]),
        ("shot.#.png", 0, ["shot.1.png", "shot.10.png", "shot.0.png"], ["shot.01.png", "shot.png"]),
        ("shot.%d.png", 0, ["shot.7.png"], ["shot.x.png", "shot.07.png"]),
    ],
)
def test_patterns(pattern, padding, matches, rejects):
    parsed = SequencePattern.parse(pattern)
    assert parsed.padding == padding
    for name in matches:
        assert parsed.frame_of(name) is not None, name
        assert parsed.path_for(parsed.frame_of(name)).name == name
    for name in rejects:
        assert parsed.frame_of(name) is None, name


def test_not_a_pattern():
    with pytest.raises(MediaError, match="####"):
        SequencePattern.parse("shot.png")


def test_sequence_with_a_gap_is_reported(folder):
    make_frames(folder, "plate.{:04d}.png", [1001, 1002, 1003, 1006, 1007])
    make_frames(folder, "other.{:04d}.png", [1004])  # another sequence in the same folder
    sequence = ImageSequence.from_pattern(folder / "plate.%04d.png")
    assert (sequence.first_frame, sequence.last_frame, len(sequence)) == (1001, 1007, 7)
    assert sequence.missing_frames == (1004, 1005)
    assert sequence.info.missing_frames == (1004, 1005)
    assert sequence.read(1002)[0, 0, 0] == 1002 % 256
    with pytest.raises(MediaError, match=r"plate\.1004\.png"):
        sequence.read(1004)
    with pytest.raises(FrameOutOfRangeError):
        sequence.read(1000)


def test_missing_frame_policies(folder):
    make_frames(folder, "p.{:02d}.png", [1, 2, 5])
    sequence = ImageSequence.from_pattern(folder / "p.##.png", missing="hold")
    assert sequence.read(4)[0, 0, 0] == 2  # the nearest earlier frame
    black = sequence.read(3, missing="black")
    assert black.shape == (6, 8, 3) and not black.any()
    tensor = sequence.read_tensor(3, missing="black")
    assert (
        tuple(tensor.shape) == (4, 6, 8)
        and float(tensor[:3].abs().max()) == 0.0
        and float(tensor[3].min()) == 1
    )
    assert sequence.resolve(4, missing="hold") == folder / "p.02.png"
    with pytest.raises(ValueError):
        sequence.read(3, missing="skip")


def test_from_file_and_rescan(folder):
    make_frames(folder, "comp_v2.{:04d}.png", [10, 11])
    sequence = ImageSequence.from_file(folder / "comp_v2.0010.png")
    assert sequence.pattern.text.endswith("comp_v2.####.png") and sequence.frames == (10, 11)
    make_frames(folder, "comp_v2.{:04d}.png", [12])
    assert sequence.rescan().frames == (10, 11, 12)


def test_a_missing_frame_is_looked_for_again_when_asked_for(folder):
    make_frames(folder, "p.{:02d}.png", [1, 2, 4])
    sequence = ImageSequence.from_pattern(folder / "p.##.png")
    with pytest.raises(MediaError, match=r"p\.03\.png"):
        sequence.read(3)
    make_frames(folder, "p.{:02d}.png", [3])  # rendered since the scan: no rescan needed
    assert sequence.read(3)[0, 0, 0] == 3 and sequence.resolve(3, missing="black") == folder / "p.03.png"


def test_no_matching_files(folder):
    with pytest.raises(MediaError, match="no files match"):
        ImageSequence.from_pattern(folder / "nothing.####.exr")
    with pytest.raises(MediaError, match="does not exist"):
        ImageSequence.from_pattern(folder / "missing_folder" / "x.####.exr")


@pytest.mark.parametrize("depth", [16, 32])
def test_exr_round_trip_keeps_float_values_and_premultiplied_alpha(folder, depth):
    import torch

    rng = np.random.default_rng(depth)
    colour = rng.random((3, 12, 10)).astype(np.float32) * 4.0  # scene-linear values above 1 survive
    alpha = rng.random((1, 12, 10)).astype(np.float32)
    tensor = torch.from_numpy(np.concatenate([colour * alpha, alpha]))
    path = write_image(folder / "plate.exr", tensor, bit_depth=depth)
    back = read_image_tensor(path)
    tolerance = 1e-6 if depth == 32 else 4e-3
    assert torch.allclose(back, tensor, rtol=tolerance, atol=tolerance)
    array = read_image(path)
    assert array.dtype == np.float32 and array.shape == (12, 10, 4) and float(array.max()) > 1.0


def test_png_16_bit_round_trip_is_exact(folder):
    pixels = np.random.default_rng(1).integers(0, 65536, (9, 11, 4), dtype=np.uint16)
    path = write_image(folder / "deep.png", pixels, bit_depth=16)
    assert np.array_equal(read_image(path), pixels)


def test_write_image_is_atomic_and_leaves_no_temporary(folder):
    target = folder / "frame.png"
    target.write_bytes(b"old")
    with pytest.raises(MediaError):
        write_image(target, np.zeros((4, 4, 5), np.uint8))  # not an image: 5 channels
    assert target.read_bytes() == b"old"
    write_image(target, np.zeros((4, 4, 3), np.uint8))
    assert read_image(target).shape == (4, 4, 3)
    assert sorted(p.name for p in folder.iterdir()) == ["frame.png"]


def test_write_image_rejects_unknown_types(folder):
    with pytest.raises(MediaError, match=r"\.exr"):
        write_image(folder / "frame.bmp", np.zeros((4, 4, 3), np.uint8))
