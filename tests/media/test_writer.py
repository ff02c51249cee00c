"""VideoWriter: every preset round-trips through probe and the readers; failures leave no files behind."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from filmstudio.core.errors import ParameterError
from filmstudio.media import (
    EncodeSettings,
    ImageSequence,
    MediaError,
    VideoReader,
    VideoWriter,
    available_presets,
    probe,
    read_image,
)
from tests.media.clips import ClipSpec, frame_number, frame_pixels

FRAMES = 12


def as_tensor(pixels: np.ndarray):
    """Straight uint8 pixels -> premultiplied float [C,H,W] tensor, as the engine hands frames over."""
    import torch

    tensor = torch.from_numpy(pixels.astype(np.float32) / 255.0).permute(2, 0, 1).contiguous()
    if tensor.shape[0] == 4:
        tensor[:3] *= tensor[3:4]
    return tensor


def write_numbered(path: Path, settings: EncodeSettings, size=(320, 180), alpha=False, **kwargs) -> Path:
    with VideoWriter(path, settings, **kwargs) as writer:
        for k in range(FRAMES):
            pixels = frame_pixels(k, *size, alpha=alpha)
            writer.write(as_tensor(pixels) if k % 2 else pixels)  # both kinds of input
    return path


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


ROUND_TRIPS = [
    ("h264", "out.mp4", {}, "h264", 8),
    ("h264", "out10.mov", {"bit_depth": 10}, "h264", 10),
    ("h265", "out.mp4", {}, "hevc", 8),
    ("h265", "out10.mkv", {"bit_depth": 10}, "hevc", 10),
    ("prores", "out.mov", {}, "prores", 10),
    ("prores", "alpha.mov", {"alpha": True}, "prores", 12),
    ("prores_ks", "ks.mov", {"profile": "lt"}, "prores", 10),
    ("dnxhr", "out.mov", {}, "dnxhd", 8),
    ("dnxhr", "out.mxf", {"profile": "hqx"}, "dnxhd", 10),
    ("png", "out.####.png", {"alpha": True}, "png", 8),
    ("exr", "out.%04d.exr", {}, "exr", 16),
]


@pytest.mark.parametrize(("preset", "name", "options", "codec", "depth"), ROUND_TRIPS)
def test_encode_probe_round_trip(folder, preset, name, options, codec, depth):
    settings = EncodeSettings(preset=preset, fps=Fraction(25), **options)
    path = write_numbered(folder / name, settings, alpha=settings.alpha)
    info = probe(path)
    assert (info.codec, info.width, info.height, info.bit_depth) == (codec, 320, 180, depth)
    assert info.frame_count == FRAMES
    assert info.has_alpha is settings.alpha
    if info.kind == "sequence":
        sequence = ImageSequence.from_pattern(path)
        assert (sequence.first_frame, sequence.last_frame) == (1, FRAMES)
        numbers = [frame_number(sequence.read(n)) for n in sequence.frames]
    else:
        assert info.fps == 25 and info.duration_s == pytest.approx(FRAMES / 25)
        assert info.colour_space == "Rec.709"
        with VideoReader(path) as reader:
            numbers = [frame_number(reader.read(k)) for k in range(len(reader))]
    assert numbers == list(range(FRAMES))
    assert not [n for n in names_in(folder) if n.startswith(".")], "temporary output left behind"


def test_prores_4444_keeps_alpha_through_a_round_trip(folder):
    import torch

    pixels = frame_pixels(0, 160, 90, alpha=True)
    with VideoWriter(folder / "a.mov", EncodeSettings("prores", alpha=True)) as writer:
        writer.write(as_tensor(pixels))
    with VideoReader(folder / "a.mov") as reader:
        back = reader.read_tensor(0)
    assert torch.allclose(back, as_tensor(pixels), atol=0.03)  # 10-bit 4:4:4 with straight alpha inside


def test_odd_size_is_padded_to_even_by_repeating_the_edge(folder):
    pixels = frame_pixels(3, 853, 481)
    with VideoWriter(folder / "odd.mp4", EncodeSettings("h264", crf=0)) as writer:
        writer.write(pixels)
    info = probe(folder / "odd.mp4")
    assert (info.width, info.height) == (854, 482)
    with VideoReader(folder / "odd.mp4") as reader:
        frame = reader.read(0).astype(int)
    assert frame_number(frame[:481, :853].astype(np.uint8)) == 3
    assert np.abs(frame[:, 853] - frame[:, 852]).mean() < 3  # the repeated column
    assert np.abs(frame[481] - frame[480]).mean() < 3  # the repeated row


def test_abort_and_exceptions_leave_nothing(folder):
    target = folder / "shot.mp4"
    writer = VideoWriter(target, EncodeSettings("h264"))
    writer.write(frame_pixels(0, 64, 36))
    assert len(names_in(folder)) == 1 and names_in(folder)[0].startswith(".shot.")
    writer.abort()
    writer.abort()
    assert names_in(folder) == []
    with pytest.raises(RuntimeError), VideoWriter(target, EncodeSettings("h264")) as writer:
        writer.write(frame_pixels(0, 64, 36))
        raise RuntimeError("render cancelled")
    assert names_in(folder) == []
    with pytest.raises(MediaError, match="already closed"):
        writer.write(frame_pixels(0, 64, 36))


def test_a_forgotten_writer_is_discarded_when_collected(folder):
    writer = VideoWriter(folder / "lost.mov", EncodeSettings("prores"))
    writer.write(frame_pixels(0, 64, 36))
    del writer
    gc.collect()
    assert names_in(folder) == []


def test_sequence_abort_leaves_nothing(folder):
    writer = VideoWriter(folder / "f.####.exr", EncodeSettings("exr"))
    writer.write(frame_pixels(0, 16, 8))
    writer.abort()
    assert names_in(folder) == []


def test_existing_file_is_untouched_until_close(folder):
    target = folder / "final.mp4"
    target.write_bytes(b"the previous render")
    writer = VideoWriter(target, EncodeSettings("h264"))
    for k in range(3):
        writer.write(frame_pixels(k, 64, 36))
    assert target.read_bytes() == b"the previous render"
    writer.abort()
    assert target.read_bytes() == b"the previous render"
    write_numbered(target, EncodeSettings("h264"), size=(64, 36))
    assert probe(target).frame_count == FRAMES and names_in(folder) == ["final.mp4"]


def test_bad_frames_are_refused_and_clean_up(folder):
    writer = VideoWriter(folder / "x.mp4", EncodeSettings("h264"))
    writer.write(frame_pixels(0, 64, 36))
    with pytest.raises(MediaError, match="same size"):
        writer.write(frame_pixels(1, 32, 36))
    assert names_in(folder) == []
    with pytest.raises(MediaError, match="nothing to save"):
        VideoWriter(folder / "y.mp4", EncodeSettings("h264")).close()
    with pytest.raises(MediaError, match="256x120"):
        write_numbered(folder / "small.mov", EncodeSettings("dnxhr"), size=(64, 36))
    assert names_in(folder) == []


@pytest.mark.parametrize(("preset", "name"), [("png", "still.png"), ("exr", "still.exr")])
def test_a_plain_image_name_holds_one_frame(folder, preset, name):
    """A png/exr name without #### or %04d is one image (Nuke writes the named file); a second frame is
    refused and leaves nothing, and saying up front that more frames are coming is refused at once."""
    target = folder / name
    with VideoWriter(target, EncodeSettings(preset), frames=1) as writer:
        writer.write(frame_pixels(5, 64, 36))
    assert names_in(folder) == [name] and frame_number(read_image(target)) == 5
    writer = VideoWriter(folder / "two.png", EncodeSettings("png"))
    writer.write(frame_pixels(0, 64, 36))
    with pytest.raises(
        MediaError, match=r"two\.png: .*holds one image, not 2: put #### or %04d.*two\.####\.png"
    ):
        writer.write(frame_pixels(1, 64, 36))
    with pytest.raises(MediaError, match="holds one image, not 10"):
        VideoWriter(folder / "ten.png", EncodeSettings("png"), frames=10)
    assert names_in(folder) == [name]


def test_a_folder_is_not_an_output_file(folder):
    (folder / "renders.mp4").mkdir()
    for target, preset in ((folder / "renders.mp4", "h264"), (folder, "png")):
        with pytest.raises(MediaError, match="this is a folder, not a file name: choose a file inside it"):
            VideoWriter(target, EncodeSettings(preset))
    assert names_in(folder) == ["renders.mp4"] and names_in(folder / "renders.mp4") == []


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    for target in (tmp_path / "no_such_folder" / "out.mp4", blocker / "out.mp4", blocker / "out.####.png"):
        preset = "png" if target.suffix == ".png" else "h264"
        with pytest.raises(MediaError) as caught:
            VideoWriter(target, EncodeSettings(preset))
        assert str(target) in str(caught.value) and "folder" in str(caught.value)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write to read-only folders")
def test_read_only_output_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(MediaError, match="permission"):
            VideoWriter(locked / "out.mp4", EncodeSettings("h264"))
    finally:
        locked.chmod(0o700)


def test_a_full_disk_is_a_media_error_and_leaves_nothing(folder):
    """The child process may write only 64 KiB per file (RLIMIT_FSIZE): writes fail like a full disk."""
    script = textwrap.dedent(f"""
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        from filmstudio.media import EncodeSettings, MediaError, VideoWriter
        from tests.media.clips import frame_pixels
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
        try:
            with VideoWriter({str(folder / "big.mov")!r}, EncodeSettings("prores", profile="4444")) as writer:
                for k in range(40):
                    writer.write(frame_pixels(k, 320, 180))
        except MediaError as error:
            print("MediaError:", error)
            sys.exit(0)
        sys.exit("no MediaError")
    """)
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=root)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "big.mov" in done.stdout and "disk is full" in done.stdout
    assert names_in(folder) == []


def test_settings_and_extensions_are_checked():
    with pytest.raises(ParameterError, match="alpha"):
        EncodeSettings("h264", alpha=True)
    with pytest.raises(ParameterError, match="4444"):
        EncodeSettings("prores", profile="hq", alpha=True)
    with pytest.raises(ParameterError, match="preset"):
        EncodeSettings("gif")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        EncodeSettings("exr", bit_depth=8)
    with pytest.raises(MediaError, match=r"\.mov"):
        VideoWriter("/tmp/out.mp4", EncodeSettings("prores"))
    with pytest.raises(MediaError, match="holds one image, not 2: put #### or %04d"):
        VideoWriter("/tmp/out.png", EncodeSettings("png"), frames=2)


def test_a_missing_encoder_is_named(monkeypatch, folder):
    from filmstudio.media import settings as settings_module

    assert all(available_presets().values()), "this FFmpeg build lacks an encoder"
    monkeypatch.setattr(settings_module, "encoder_available", lambda codec: codec != "libx265")
    with pytest.raises(MediaError, match=r"no 'libx265' encoder.*h264"):
        VideoWriter(folder / "x.mp4", EncodeSettings("h265"))
    assert available_presets()["h265"] is False


@pytest.mark.parametrize("mode", ["copy", "aac"])
def test_audio_passthrough_is_trimmed_to_the_range(folder, clips: dict[str, ClipSpec], mode):
    source = clips["h264_audio"].path
    target = folder / f"{mode}.mp4"
    write_numbered(
        target,
        EncodeSettings("h264", fps=24, audio=mode),
        size=(64, 36),
        audio_from=source,
        audio_range_s=(0.5, 2.25),
    )
    (audio,) = probe(target).audio
    assert audio.codec == "aac" and (audio.sample_rate, audio.channels) == (48000, 2)
    assert abs(audio.duration_s - 1.75) <= 1024 / 48000  # within one AAC frame
    with av.open(str(target)) as container:
        assert len(container.streams.video) == 1


def test_audio_passthrough_of_the_whole_stream(folder, clips: dict[str, ClipSpec]):
    target = folder / "whole.mov"
    write_numbered(target, EncodeSettings("prores"), size=(64, 36), audio_from=clips["h264_audio"].path)
    (audio,) = probe(target).audio
    assert abs(audio.duration_s - 3.0) <= 1024 / 48000


def test_audio_sources_without_audio_and_sequences_with_audio(folder, clips: dict[str, ClipSpec]):
    with pytest.raises(MediaError, match="no audio stream"):
        VideoWriter(folder / "x.mp4", EncodeSettings("h264"), audio_from=clips["vfr"].path)
    with pytest.raises(MediaError, match="cannot carry audio"):
        VideoWriter(folder / "x.####.png", EncodeSettings("png"), audio_from=clips["h264_audio"].path)
    with pytest.raises(MediaError, match="not valid"):
        VideoWriter(
            folder / "x.mp4",
            EncodeSettings("h264"),
            audio_from=clips["h264_audio"].path,
            audio_range_s=(2.0, 1.0),
        )
    assert names_in(folder) == []


def test_8_bit_rgb_is_written_as_its_own_yuv_codes(tmp_path):
    """Flat colours become the Rec.709 limited-range codes the formula gives (swscale's default
    path wrote chroma 0.16 code low on average); lossless H.264 keeps what the writer encoded."""
    rng = np.random.default_rng(7)
    colours = rng.integers(0, 256, (8, 16, 3))
    rgb = np.kron(colours, np.ones((8, 8, 1))).astype(np.uint8)  # 64x128, 8x8 patches
    path = tmp_path / "flat.mp4"
    with VideoWriter(path, EncodeSettings("h264", crf=0, speed="ultrafast")) as writer:
        writer.write(rgb)
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    luma = np.frombuffer(frame.planes[0], np.uint8).reshape(64, -1)[:, :128]
    blue = np.frombuffer(frame.planes[1], np.uint8).reshape(32, -1)[:, :64]
    red, green, b = (colours[..., c] / 255.0 for c in range(3))
    y = 0.2126 * red + 0.7152 * green + 0.0722 * b
    expected_y, expected_u = 16 + 219 * y, 128 + 224 * (b - y) / 1.8556
    luma_error = luma[4::8, 4::8] - expected_y
    chroma_error = blue[2::4, 2::4] - expected_u
    assert np.abs(luma_error).max() <= 0.51 and abs(luma_error.mean()) < 0.05
    assert np.abs(chroma_error).max() <= 0.51 and abs(chroma_error.mean()) < 0.05
