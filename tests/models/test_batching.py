"""Exports hand model nodes batches of frames: same results as frame by frame, no deadlocks."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.core.node import Device, FinishLater, Input, Node, Output
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

    def evaluate_batch(self, contexts: list[Any]) -> list[Any]:  # a single frame too, via Node.evaluate
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


class FinishingProbe(BatchProbe):
    """Halves its input like BatchProbe, but hands its finishing back as a FinishLater; the
    finishing of the first batch waits (a little) for the second batch's model part to start."""

    id = "test.FinishingProbe"
    batch_size = 2
    model_calls: ClassVar[list[tuple[list[int], str]]] = []
    finish_calls: ClassVar[list[tuple[list[int], str, bool]]] = []
    second_started: ClassVar[threading.Event] = threading.Event()
    fail = False

    patience = 2.0  # seconds the first batch's finishing waits for the second batch to start

    def evaluate_batch(self, contexts: list[Any]) -> FinishLater:
        frames = [ctx.frame for ctx in contexts]
        calls = type(self).model_calls
        calls.append((frames, threading.current_thread().name))
        first = len(calls) == 1
        if len(calls) == 2:
            type(self).second_started.set()
        halves = [ctx.input("source") * 0.5 for ctx in contexts]  # the "model's" part

        def finish() -> list[Any]:
            overlapped = not first or type(self).second_started.wait(type(self).patience)
            type(self).finish_calls.append((frames, threading.current_thread().name, overlapped))
            if type(self).fail:
                raise RuntimeError("the finishing broke")
            return [half + 1.0 for half in halves]

        return FinishLater(finish)


@pytest.fixture
def finishing_project():
    probe = FinishingProbe
    probe.model_calls, probe.finish_calls, probe.fail = [], [], False
    probe.second_started = threading.Event()
    registry = NodeRegistry([*NODES, *TEST_NODES, FinishingProbe])
    project = Project(fps=24, frame_range=(1, 4), width=8, height=8, registry=registry)
    source = project.add_node("test.FrameNumber")
    return project, project.connect(source, project.add_node("test.FinishingProbe", name="Model"))


@pytest.mark.parametrize("off_worker", [True, False])
def test_a_batchs_host_finishing_overlaps_the_next_batch_where_the_models_have_a_device_of_their_own(
    finishing_project, off_worker
):
    project, probe = finishing_project
    FinishingProbe.patience = 2.0 if off_worker else 0.3  # on the worker, the wait cannot end early
    with Engine(project, cpu_workers=2) as engine:
        engine.executors.finish_off_worker = off_worker
        values = engine.evaluate_frames(probe, [1, 2, 3, 4], cache_frames=False)
        assert engine.evaluations(probe) == 4
        single = engine.evaluate(probe, 3)  # one frame: evaluate, finished on the spot
    assert [v[0, 0, 0].item() for v in values] == [f * 0.5 + 1.0 for f in (1, 2, 3, 4)]
    assert single[0, 0, 0].item() == 2.5
    model_threads = {name for _frames, name in FinishingProbe.model_calls}
    assert all(name.startswith("filmstudio-model") for name in model_threads)
    # batches form as frames become ready: the request's four frames went in two or more calls
    calls = FinishingProbe.finish_calls[: len(FinishingProbe.model_calls) - 1]
    assert sorted(f for frames, _name, _overlap in calls for f in frames) == [1, 2, 3, 4]
    batched = [call for call in calls if len(call[0]) > 1]  # (a batch of one is plain evaluate)
    assert batched and len(calls) >= 2
    if off_worker:  # a GPU's case: the first batch finished on the CPU pool once the second began
        assert all(name.startswith("filmstudio-cpu") for _f, name, _o in batched)
        assert all(overlapped for _f, _n, overlapped in calls)
    else:  # the CPU's case: finished on the model worker, after which the second batch began
        assert all(name.startswith("filmstudio-model") for _f, name, _o in batched)
        assert not calls[0][2]


@pytest.mark.parametrize("off_worker", [True, False])
def test_a_failing_finish_names_the_node_and_nothing_is_cached(finishing_project, off_worker):
    project, probe = finishing_project
    FinishingProbe.fail = True
    FinishingProbe.second_started.set()  # nothing to wait for
    with Engine(project, cpu_workers=2) as engine:
        engine.executors.finish_off_worker = off_worker
        with pytest.raises(EvaluationError, match="Model at frame .*the finishing broke"):
            engine.evaluate_frames(probe, [1, 2, 3, 4])
        assert not any(engine.is_cached(probe, frame) for frame in (1, 2, 3, 4))
