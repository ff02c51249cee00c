"""Edge conversions: arrays <-> tensors <-> av frames, alpha handling, padding, rotation, import costs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from filmstudio.media.convert import (
    array_to_frame,
    array_to_tensor,
    frame_to_array,
    image_to_array,
    layout_for,
    pad_to_even,
    upright,
)


@settings(max_examples=40, deadline=None)
@given(arrays(np.uint16, st.tuples(st.integers(1, 9), st.integers(1, 9), st.sampled_from([3, 4]))))
def test_uint16_array_tensor_array_round_trip_is_exact(pixels):
    layout = layout_for("rgba64le" if pixels.shape[2] == 4 else "rgb48le")
    tensor = array_to_tensor(pixels, layout)
    assert tuple(tensor.shape) == (4, *pixels.shape[:2])
    back = image_to_array(tensor, dtype="uint16", alpha=pixels.shape[2] == 4, unpremultiply=True)
    if pixels.shape[2] == 3:
        assert np.array_equal(back, pixels)
    else:  # colour survives where alpha is large enough to carry it
        solid = pixels[..., 3] == 65535
        assert np.array_equal(back[solid], pixels[solid])
        assert np.array_equal(back[..., 3], pixels[..., 3])


@settings(max_examples=30, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 7), st.integers(1, 7), st.sampled_from([3, 4]))))
def test_av_frame_round_trip_is_exact(pixels):
    layout = layout_for("rgba" if pixels.shape[2] == 4 else "rgb24")
    assert np.array_equal(frame_to_array(array_to_frame(pixels), layout), pixels)


def test_tensor_input_is_unpremultiplied_or_dropped():
    import torch

    tensor = torch.tensor([0.25, 0.5, 0.0, 0.5]).reshape(4, 1, 1).repeat(1, 2, 2)
    straight = image_to_array(tensor, dtype="uint8", alpha=True, unpremultiply=True)
    assert straight[0, 0].tolist() == [128, 255, 0, 128]
    kept = image_to_array(tensor, dtype="float32", alpha=True, unpremultiply=False, clip=False)
    assert np.allclose(kept[0, 0], [0.25, 0.5, 0.0, 0.5])
    opaque = image_to_array(tensor, dtype="uint16", alpha=False, unpremultiply=False)
    assert opaque.shape == (2, 2, 3) and opaque[0, 0].tolist() == [16384, 32768, 0]
    with pytest.raises(ValueError):
        image_to_array(torch.zeros(2, 3, 3), dtype="uint8", alpha=False, unpremultiply=False)


def test_gray_and_float_arrays_are_accepted():
    gray = np.full((3, 5), 7, np.uint8)
    assert image_to_array(gray, dtype="uint8", alpha=False, unpremultiply=False).shape == (3, 5, 3)
    hdr = np.full((2, 2, 3), 3.5, np.float32)
    assert image_to_array(hdr, dtype="float32", alpha=False, unpremultiply=False, clip=False).max() == 3.5
    assert image_to_array(hdr, dtype="uint8", alpha=False, unpremultiply=False).max() == 255


def test_pad_to_even_repeats_the_last_row_and_column():
    pixels = np.arange(3 * 5 * 3, dtype=np.uint8).reshape(3, 5, 3)
    padded = pad_to_even(pixels)
    assert padded.shape == (4, 6, 3)
    assert np.array_equal(padded[:3, :5], pixels)
    assert np.array_equal(padded[3, :5], pixels[2]) and np.array_equal(padded[:3, 5], pixels[:, 4])
    assert pad_to_even(padded) is padded


def test_upright_turns_clockwise():
    pixels = np.zeros((2, 3, 1), np.uint8)
    pixels[0, 0] = 9  # top-left
    turned = upright(pixels, 90)
    assert turned.shape == (3, 2, 1) and turned[0, 1, 0] == 9  # now top-right
    assert upright(pixels, 180)[1, 2, 0] == 9 and upright(pixels, 270)[2, 0, 0] == 9


def test_layouts():
    assert layout_for("yuv420p", height=1080).matrix == "ITU709"
    assert layout_for("yuv420p", height=480).matrix == "ITU601"
    assert layout_for("yuv420p", matrix_tag="bt2020nc").matrix == "BT2020"
    assert layout_for("yuvj420p").colour_range == "JPEG"
    deep = layout_for("yuva444p12le")
    assert (deep.av_format, deep.bit_depth, deep.has_alpha) == ("rgba64le", 12, True)
    exr = layout_for("gbrapf16le", premultiplied=True)
    assert (exr.dtype, exr.is_float, exr.premultiplied) == ("float32", True, True)


def test_importing_media_loads_neither_torch_nor_qt():
    code = (
        "import sys, filmstudio.media\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'cv2', 'shiboken6')))"
    )
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=root
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("codec", "pix_fmt", "mean_limit", "max_limit"),
    [
        ("libx264", "yuv420p", 0.25, 2),
        ("libx264", "yuv444p", 0.1, 1),
        # 10-bit sources are read as 16-bit, where swscale's YUV->RGB (any flags, even float output)
        # reads 0.47 code dark; an exact conversion of our own belongs to the fused decode path.
        ("prores_ks", "yuv422p10le", 0.5, 1.1),
    ],
)
def test_yuv_footage_decodes_to_its_own_code_values(tmp_path, codec, pix_fmt, mean_limit, max_limit):
    """Grey 128 is read as 128 and a ramp as itself (swscale's default path read 10-bit ProRes
    grey 128 as 126, and 8-bit 4:2:0 ramps 1.3 codes dark): a lossless Rec.709 encode of known
    RGB values, decoded the way the Read node decodes."""
    from av.video.reformatter import Interpolation

    from filmstudio.media.reader import VideoReader

    rgb = np.full((64, 256, 3), 128, np.uint8)
    rgb[:32, :, :] = np.arange(256, dtype=np.uint8)[None, :, None]  # a grey ramp over the top half
    path = tmp_path / f"ramp_{pix_fmt}.mov"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=24)
        stream.width, stream.height, stream.pix_fmt = 256, 64, pix_fmt
        stream.color_range = 1  # limited (MPEG) range, as delivered video is
        if codec == "libx264":
            stream.options = {"crf": "0"}
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        accurate = Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT
        frame = frame.reformat(
            format=pix_fmt, dst_colorspace="ITU709", dst_color_range="MPEG", interpolation=accurate
        )
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    with VideoReader(path) as reader:
        array = reader.read(0)[..., :3]
    decoded = array * (255.0 / np.iinfo(array.dtype).max)  # 10-bit sources are read as 16-bit
    expected = rgb.astype(np.float64)
    assert np.abs(decoded[40:, :] - expected[40:, :]).max() < 0.5  # flat grey: its own code
    error = decoded[4:28, 4:-4] - expected[4:28, 4:-4]  # the ramp, away from the chroma edge
    assert abs(error.mean()) <= mean_limit and np.abs(error).max() <= max_limit


def test_10_bit_420_colour_decodes_to_its_own_values(tmp_path):
    """Coloured 10-bit 4:2:0 footage (x264 High 10): swscale's full chroma interpolation into
    16-bit RGB scrambled it (284 10-bit codes off on average; grey survived); patches read back
    as encoded, within a code of the 8-bit scale away from chroma edges."""
    from filmstudio.media.reader import VideoReader

    rng = np.random.default_rng(10)
    colours = rng.integers(0, 65536, (4, 8, 3))
    rgb = np.kron(colours, np.ones((16, 16, 1))).astype(np.uint16)  # 64x128, 16x16 patches
    path = tmp_path / "colour10.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24, options={"crf": "0"})
        stream.width, stream.height, stream.pix_fmt = 128, 64, "yuv420p10le"
        context = stream.codec_context
        context.color_primaries, context.color_trc, context.colorspace, context.color_range = 1, 1, 1, 1
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb48le")
        frame = frame.reformat(format="yuv420p10le", dst_colorspace="ITU709", dst_color_range="MPEG")
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    with VideoReader(path) as reader:
        array = reader.read(0).astype(np.float64)
    inner = (slice(None), slice(4, 12), slice(4, 12))  # each patch's middle, away from chroma edges
    got = array.reshape(4, 16, 8, 16, 3).transpose(0, 2, 1, 3, 4).reshape(32, 16, 16, 3)[inner]
    expected = rgb.reshape(4, 16, 8, 16, 3).transpose(0, 2, 1, 3, 4).reshape(32, 16, 16, 3)[inner]
    error = (got - expected) * (255.0 / 65535.0)
    assert np.abs(error).max() < 1.5 and abs(error.mean()) < 0.6
