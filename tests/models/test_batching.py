"""Exports hand model nodes batches of frames: same results as frame by frame, no deadlocks."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.core.node import Device, Input, Node, Output
from filmstudio.core.project import Project
from filmstudio.core.registry import NodeRegistry
from filmstudio.core.types import PortType
from filmstudio.engine.batching import batch_size_of
from filmstudio.engine.engine import Engine
from filmstudio.media.stills import read_image_tensor
from filmstudio.render.export import batch_size_upstream, render
from filmstudio_nodes import NODES
from tests.helpers import TEST_NODES


class BatchProbe(Node):
    """Halves its input, recording which frames each call got."""

    id = "test.BatchProbe"
    category = "Test"
    device = Device.GPU
    batch_size = 3
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    calls: ClassVar[list[list[int]]] = []
    fail = False

    def evaluate(self, ctx: Any) -> Any:
        return self.evaluate_batch([ctx])[0]

    def evaluate_batch(self, contexts: list[Any]) -> list[Any]:
        type(self).calls.append([ctx.frame for ctx in contexts])
        if type(self).fail:
            raise RuntimeError("the model broke")
        return [ctx.input("source") * 0.5 for ctx in contexts]


class OtherProbe(BatchProbe):
    id = "test.OtherProbe"
    batch_size = 2


@pytest.fixture
def project():
    BatchProbe.calls, BatchProbe.fail = [], False
    registry = NodeRegistry([*NODES, *TEST_NODES, BatchProbe, OtherProbe])
    return Project(fps=24, frame_range=(1, 7), width=32, height=18, registry=registry)


def test_only_model_worker_nodes_with_evaluate_batch_batch(project):
    assert batch_size_of(BatchProbe) == 3
    assert batch_size_of(project.graph.registry.get("Grade")) == 1


def test_frames_of_one_request_are_batched_and_equal_frame_by_frame(project):
    source = project.add_node("test.FrameNumber")
    probe = project.connect(source, project.add_node("test.BatchProbe"))
    with Engine(project, cpu_workers=2) as engine:
        batched = engine.evaluate_frames(probe, range(1, 8), cache_frames=False)
        # Batches form as frames become ready: every frame once, at most 3 per call.
        assert sorted(f for call in BatchProbe.calls for f in call) == list(range(1, 8))
        assert sorted(len(call) for call in BatchProbe.calls) == [1, 3, 3]
        BatchProbe.calls.clear()
        single = [engine.evaluate(probe, frame) for frame in range(1, 8)]
    assert all(c == [f] for c, f in zip(BatchProbe.calls, range(1, 8), strict=True))
    for one, other, frame in zip(batched, single, range(1, 8), strict=True):
        assert torch.equal(one, other) and one[0, 0, 0].item() == frame * 0.5


def test_chained_and_temporal_batchable_nodes_do_not_deadlock(project):
    source = project.add_node("test.FrameNumber")
    first = project.connect(source, project.add_node("test.BatchProbe"))
    shifted = project.connect(first, project.add_node("TimeOffset", offset=1))
    second = project.connect(shifted, project.add_node("test.OtherProbe"))
    with Engine(project, cpu_workers=2) as engine:
        results = engine.evaluate_frames(second, range(2, 8))
    assert [r[0, 0, 0].item() for r in results] == [(f - 1) * 0.25 for f in range(2, 8)]


def test_a_failing_batch_names_the_node(project):
    source = project.add_node("test.FrameNumber")
    probe = project.connect(source, project.add_node("test.BatchProbe", name="Model"))
    BatchProbe.fail = True
    with Engine(project, cpu_workers=2) as engine, pytest.raises(EvaluationError, match="Model at frame 1"):
        engine.evaluate_frames(probe, [1, 2, 3])


def test_exports_feed_model_nodes_batches_and_write_the_same_frames(project, tmp_path):
    source = project.add_node("test.FrameNumber")
    probe = project.connect(source, project.add_node("test.BatchProbe"))
    write = project.connect(probe, project.add_node("Write", preset="exr"))
    assert batch_size_upstream(project, write, "cuda:0") == 3
    assert batch_size_upstream(project, write, "cpu") == 1  # no gain on the CPU: frame by frame
    for folder in ("batched", "single"):
        (tmp_path / folder).mkdir()
    # An accelerator's model worker (the probe never touches the device itself).
    with Engine(project, cpu_workers=2, device="cuda:0") as engine:
        assert render(project, output=tmp_path / "batched" / "f.####.exr", engine=engine).frames == 7
    assert any(len(call) == 3 for call in BatchProbe.calls)
    BatchProbe.calls.clear()
    original = BatchProbe.batch_size
    BatchProbe.batch_size = 1
    try:
        render(project, output=tmp_path / "single" / "f.####.exr")
    finally:
        BatchProbe.batch_size = original
    assert all(len(call) == 1 for call in BatchProbe.calls)
    for frame in range(1, 8):
        one = read_image_tensor(tmp_path / "batched" / f"f.{frame:04d}.exr")
        other = read_image_tensor(tmp_path / "single" / f"f.{frame:04d}.exr")
        assert torch.equal(one, other)
