"""Hardware codecs: which encoder a Write gets (software, NVENC, or NVENC where it runs), NVENC's
settings, refusals before any frame where it cannot run; real NVENC/NVDEC exports on a GPU."""

from __future__ import annotations

import numpy as np
import pytest

from filmstudio.core.errors import ParameterError
from filmstudio.core.project import Project
from filmstudio.media import probe
from filmstudio.media.hardware import choose_encoder, nvdec_usable, nvenc_usable
from filmstudio.media.settings import EncodeSettings, plan_encode
from filmstudio.render.export import render
from tests.media.clips import write_clip


def always(_codec: str) -> bool:
    return True


def never(_codec: str) -> bool:
    return False


def test_the_encoder_choice():
    assert choose_encoder("h264", "software", 8, always) == "libx264"
    assert choose_encoder("h265", "software", 10, always) == "libx265"
    assert choose_encoder("h264", "nvenc", 8, always) == "h264_nvenc"
    assert choose_encoder("h265", "nvenc", 10, always) == "hevc_nvenc"
    assert choose_encoder("h264", "auto", 8, always) == "h264_nvenc"
    assert choose_encoder("h264", "auto", 8, never) == "libx264"
    assert choose_encoder("h264", "auto", 10, always) == "libx264"  # NVENC's H.264 is 8-bit only
    assert choose_encoder("h265", "auto", 10, always) == "hevc_nvenc"
    with pytest.raises(ParameterError, match="h264_nvenc encoder cannot run here .* software or auto"):
        choose_encoder("h264", "nvenc", 8, never)
    with pytest.raises(ParameterError, match="NVENC writes H.264 at 8 bits only, not 10: use h265"):
        choose_encoder("h264", "nvenc", 10, always)
    with pytest.raises(ParameterError, match="encoder must be one of software, auto, nvenc"):
        choose_encoder("h264", "gpu", 8, always)


def test_nvenc_plans_take_constant_quality_and_nvenc_presets(monkeypatch):
    monkeypatch.setattr("filmstudio.media.hardware.nvenc_usable", always)
    plan = plan_encode(EncodeSettings("h265", crf=21, speed="ultrafast", bit_depth=10, encoder="nvenc"))
    assert (plan.codec, plan.pix_fmt, plan.codec_tag) == ("hevc_nvenc", "p010le", "hvc1")
    assert dict(plan.options) == {"preset": "p1", "tune": "hq", "rc": "vbr", "cq": "21", "b": "0"}
    software = plan_encode(EncodeSettings("h264", crf=21, speed="ultrafast", encoder="software"))
    assert software.codec == "libx264" and dict(software.options) == {"crf": "21", "preset": "ultrafast"}


def graded(registry, folder, **write) -> Project:
    clip = write_clip(folder / "in.mp4", codec="libx264", frames=6, width=128, height=72, pix_fmt="yuv420p")
    project = Project(fps=24, frame_range=(1, 6), width=128, height=72, registry=registry)
    read = project.add_node("Read", file=str(clip))
    grade = project.connect(read, project.add_node("Grade", gain=(1.2, 1.0, 0.9, 1.0)))
    project.connect(
        grade, project.add_node("Write", file=str(folder / "out.mp4"), speed="ultrafast", **write)
    )
    return project


@pytest.mark.skipif(nvenc_usable("h264_nvenc"), reason="this machine runs NVENC")
def test_nvenc_where_it_cannot_run_is_refused_before_the_first_frame_and_auto_uses_x264(registry, tmp_path):
    rendered: list[int] = []
    with pytest.raises(ParameterError, match="h264_nvenc encoder cannot run here"):
        render(graded(registry, tmp_path, encoder="nvenc"), progress=lambda done, _: rendered.append(done))
    assert rendered == [] and not (tmp_path / "out.mp4").exists()
    result = render(graded(registry, tmp_path, encoder="auto"))
    assert probe(result.path).codec == "h264" and result.frames == 6


@pytest.mark.gpu
@pytest.mark.skipif(not nvenc_usable("h264_nvenc"), reason="needs an NVIDIA GPU with NVENC")
def test_an_nvenc_export_decodes_to_the_pictures_x264_writes(registry, tmp_path):
    from filmstudio.media import VideoReader

    nvenc = render(graded(registry, tmp_path, encoder="nvenc", crf=16), output=tmp_path / "nvenc.mp4")
    x264 = render(graded(registry, tmp_path, crf=16), output=tmp_path / "x264.mp4")
    assert nvenc.fusion.startswith("fused") and probe(nvenc.path).frame_count == 6
    with VideoReader(nvenc.path) as ours, VideoReader(x264.path) as reference:
        for index in range(6):
            difference = np.abs(ours.read(index).astype(int) - reference.read(index).astype(int))
            assert difference.mean() < 2.0  # two encoders at high quality: the same pictures


@pytest.mark.gpu
@pytest.mark.skipif(not nvdec_usable(), reason="needs CUDA hardware decoding")
def test_nvdec_decodes_bit_exactly(tmp_path):
    from filmstudio.media import VideoReader
    from filmstudio.media.hardware import hardware_decoding

    clip = write_clip(tmp_path / "in.mp4", codec="libx264", frames=4, width=128, height=72, pix_fmt="yuv420p")
    with VideoReader(clip) as software, VideoReader(clip, hwaccel=hardware_decoding()) as hardware:
        for index in range(4):
            assert np.array_equal(software.read(index), hardware.read(index))
