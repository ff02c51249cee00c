"""Fused exports: Read -> per-pixel nodes -> Write rendered as one colour operation give the pictures
the nodes give one by one; fusion steps aside whenever an intermediate image is needed."""

from __future__ import annotations

import av
import numpy as np
import pytest

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.engine.fusion import FusedRun, Unfused, plan_fusion
from filmstudio.render.export import render
from filmstudio.render.stages import ThreadPlan

W, H, FRAMES = 160, 96, 12


@pytest.fixture(scope="module")
def noisy_clip(tmp_path_factory):
    """Colourful noise over gradients (every colour region the cube has), H.264 4:2:0, Rec.709."""
    path = tmp_path_factory.mktemp("fused") / "noisy.mp4"
    rng = np.random.default_rng(19)
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    base = np.stack([x / W, y / H, 0.5 + 0.5 * np.sin(x / 9.0)], axis=-1) * 255
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24, options={"crf": "12"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        context = stream.codec_context
        context.color_primaries, context.color_trc, context.colorspace, context.color_range = 1, 1, 1, 1
        for index in range(FRAMES):
            pixels = np.clip(np.roll(base, 3 * index, axis=1) + rng.normal(0, 40, base.shape), 0, 255)
            frame = av.VideoFrame.from_ndarray(pixels.astype(np.uint8), format="rgb24")
            frame = frame.reformat(format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def graded(registry, clip, folder, **write) -> Project:
    project = Project(fps=24, frame_range=(1, FRAMES), width=W, height=H, registry=registry)
    read = project.add_node("Read", file=str(clip))
    grade = project.add_node("Grade", gain=(1.15, 1.0, 0.85, 1.0), offset=(0.01, 0.0, 0.0, 0.0))
    corrector = project.add_node("ColorCorrector", "Correct", saturation=1.2, exposure=0.3)
    corrected = project.connect(project.connect(read, grade), corrector)
    settings = {"file": "out.mp4", "speed": "ultrafast", "crf": 0, **write}  # crf 0: lossless
    project.connect(corrected, project.add_node("Write", **settings))
    project.save(folder / "graded.fsproj")
    return project


def decoded(path) -> np.ndarray:
    """Every frame's Y, U and V samples (lossless H.264 keeps what the encoder was given)."""
    with av.open(str(path)) as container:
        planes = []
        for frame in container.decode(video=0):
            for plane in frame.planes:
                rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
                planes.append(rows[:, : plane.width].ravel())
    return np.concatenate(planes).astype(np.int16)


def test_a_fused_render_writes_what_the_nodes_give_one_by_one(registry, noisy_clip, tmp_path):
    project = graded(registry, noisy_clip, tmp_path)
    fused = render(project, output=tmp_path / "fused.mp4")
    assert fused.fusion.startswith("fused Read1 -> Grade1 -> Correct -> Write1 (affine")
    assert dict(fused.stages).keys() == {"decode+colour", "encode"}
    nodes = render(project, output=tmp_path / "nodes.mp4", viewed=["Correct"])
    assert nodes.fusion == "not fused: Correct is viewed: its own image is needed"
    difference = np.abs(decoded(tmp_path / "fused.mp4") - decoded(tmp_path / "nodes.mp4"))
    assert difference.max() <= 1 and difference.mean() < 0.01  # RGB codes within one, rarely
    assert fused.frames == nodes.frames == FRAMES


def test_fusion_steps_aside_when_an_intermediate_image_is_needed(registry, noisy_clip, tmp_path):
    project = graded(registry, noisy_clip, tmp_path)
    write, frames = project["Write1"], project.settings.frame_range

    def reason(**options) -> str:
        found = plan_fusion(project, write, frames, **options)
        assert isinstance(found, Unfused)
        return found.reason

    run = plan_fusion(project, write, frames)
    assert isinstance(run, FusedRun) and [n.name for n in run.nodes] == ["Grade1", "Correct"]
    assert reason(viewed=["Grade1"]) == "Grade1 is viewed: its own image is needed"
    assert reason(cache_frames=True) == "the render keeps every node's frames in the cache"
    assert reason(scale=0.5).startswith("the render is at scale 0.5")
    project["Grade1"].set_keyframe("gain", 1, (1.0, 1.0, 1.0, 1.0))
    project["Grade1"].set_keyframe("gain", FRAMES, (1.5, 1.0, 1.0, 1.0))
    assert reason() == "Grade1's gain changes over the range: evaluated frame by frame"
    project.undo()
    project.undo()
    project.connect("Grade1", project.add_node("Write", "Second", file="second.mp4"))
    assert reason() == "Grade1's image has 2 consumers: it is needed on its own"
    project.undo()
    project.undo()
    mask = project.add_node("Constant", color=(0.5, 0.5, 0.5, 1.0))
    project.connect(mask, "Grade1", target_port="mask")
    assert reason() == "Grade1 is not per-pixel with its settings (a mask is connected)"
    project.graph.disconnect("Grade1", "mask")
    blur = project.add_node("Blur", size=2.0)
    project.connect("Grade1", blur)
    project.connect(blur, "Correct", target_port="source", replace=True)
    assert reason() == "Blur1 (Blur) does not map pixels one by one"


def test_disabled_nodes_pass_through_and_the_rest_is_fused(registry, noisy_clip, tmp_path):
    project = graded(registry, noisy_clip, tmp_path)
    project["Correct"].set_disabled(True)
    run = plan_fusion(project, project["Write1"], project.settings.frame_range)
    assert isinstance(run, FusedRun) and [n.name for n in run.nodes] == ["Grade1"]


def test_frames_outside_the_clip_are_evaluated_and_the_rest_fused(registry, noisy_clip, tmp_path):
    project = graded(registry, noisy_clip, tmp_path)
    project["Read1"].set(start_frame=5, outside="black")
    result = render(project, frames=FrameRange(1, FRAMES))
    assert result.fusion.startswith("fused") and result.frames == FRAMES
    assert {"decode+colour", "evaluate", "output transform", "encode"} <= dict(result.stages).keys()
    nodes = render(project, output=tmp_path / "nodes.mp4", viewed=["Grade1"])
    difference = np.abs(decoded(result.path) - decoded(nodes.path))
    assert difference.max() <= 1


def test_a_cancelled_fused_render_leaves_nothing(registry, noisy_clip, tmp_path):
    project = graded(registry, noisy_clip, tmp_path)
    (tmp_path / "out.mp4").write_bytes(b"the previous render")
    token = CancelToken()

    def progress(done, total):
        if done == total // 2:
            token.cancel()

    with pytest.raises(Cancelled):
        render(project, progress=progress, cancel=token)
    assert (tmp_path / "out.mp4").read_bytes() == b"the previous render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graded.fsproj", "out.mp4"]


def test_writers_the_fused_path_cannot_feed_are_rendered_node_by_node(registry, noisy_clip, tmp_path):
    project = graded(registry, noisy_clip, tmp_path, file="out.mov", preset="prores")
    result = render(project, frames=FrameRange(1, 3))
    assert result.fusion == "not fused: Write1 writes prores_aw yuv422p10le: not an 8-bit movie"


def test_evaluated_exports_give_torch_every_core_fused_ones_one():
    assert ThreadPlan.for_export(2, fused=True) == ThreadPlan(encoder=2, decoder=2, torch=1)
    assert ThreadPlan.for_export(2, fused=False) == ThreadPlan(encoder=2, decoder=2, torch=2)
    assert ThreadPlan.for_export(16, fused=False) == ThreadPlan(encoder=16, decoder=4, torch=16)
