"""Stand-ins in the engine: a stand-in request runs a slow node's cheap preview on real inputs under
keys of its own; the real result is never replaced by it, exports never ask for it, and long
nodes report their progress while they run."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from filmstudio.core.errors import NodeSpecError
from filmstudio.core.node import Device, Input, Node, Output
from filmstudio.core.params import FloatParam
from filmstudio.core.project import Project
from filmstudio.core.registry import NodeRegistry
from filmstudio.core.types import PortType
from filmstudio.engine.engine import Engine
from filmstudio.engine.request import FrameRequest
from filmstudio_nodes import NODES
from tests.helpers import TEST_NODES


class SlowModel(Node):
    """A model node that takes ``seconds`` a frame in 20 reported slices: the real result is the
    source doubled; its stand-in (at once, off the model worker) is the source halved."""

    id = "test.SlowModel"
    category = "Test"
    device = Device.GPU
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (FloatParam("seconds", 2.0, animatable=False),)
    running = threading.Event()
    standin_threads: list[str] = []

    def evaluate(self, ctx: Any) -> Any:
        type(self).running.set()
        for done in range(20):
            ctx.report_progress(done, 20)
            if ctx.cancel.wait(ctx.params.seconds / 20):
                ctx.check_cancelled()
        return ctx.input("source") * 2.0

    def standin(self, ctx: Any) -> Any:
        type(self).standin_threads.append(threading.current_thread().name)
        return ctx.input("source") * 0.5


STANDIN_NODES = (*NODES, *TEST_NODES, SlowModel)


@pytest.fixture
def slow_project() -> Project:
    project = Project(fps=24, frame_range=(1, 10), width=16, height=8, registry=NodeRegistry(STANDIN_NODES))
    source = project.add_node("test.FrameNumber")
    slow = project.add_node("test.SlowModel", seconds=0.2)
    grade = project.add_node("Grade")
    project.connect(source, slow)
    project.connect(slow, grade)
    return project


def run(engine: Engine, node: str, frame: int, standin: bool) -> tuple[Any, Any]:
    plan = engine.plan(FrameRequest.at(node, frame, standin=standin))[0]
    return plan, engine.execute(plan)


def test_a_standin_previews_on_real_inputs_under_its_own_key(slow_project):
    with Engine(slow_project, cpu_workers=2) as engine:
        preview_plan, preview = run(engine, "SlowModel1", 3, standin=True)
        assert preview_plan.uses_standin and preview_plan.quick_preview
        assert float(preview[0, 0, 0]) == 1.5  # frame 3 halved: the stand-in, on the real input
        assert engine.standins("SlowModel1") == 1 and engine.evaluations("SlowModel1") == 0
        assert not engine.is_cached("SlowModel1", 3)  # never cached as the real result
        assert preview_plan.key != engine.key("SlowModel1", 3)
        real = engine.evaluate("SlowModel1", 3)
        assert float(real[0, 0, 0]) == 6.0 and engine.evaluations("SlowModel1") == 1
        # downstream of a stand-in, keys differ too: the Grade's real result is computed for real
        grade_plan, _graded = run(engine, "Grade1", 4, standin=True)
        assert grade_plan.uses_standin and grade_plan.key != engine.key("Grade1", 4)
        assert not engine.is_cached("Grade1", 4)
        # once the real result is cached, a stand-in request uses it and runs no stand-in
        cached_plan, value = run(engine, "SlowModel1", 3, standin=True)
        assert not cached_plan.uses_standin and float(value[0, 0, 0]) == 6.0
        assert engine.standins("SlowModel1") == 2  # only the Grade's request ran one more


def test_standins_run_off_the_model_worker(slow_project):
    SlowModel.standin_threads.clear()
    with Engine(slow_project, cpu_workers=2) as engine:
        SlowModel.running.clear()
        busy = engine.submit("SlowModel1", 7)  # the model worker is busy with a real frame
        assert SlowModel.running.wait(5)
        _plan, preview = run(engine, "SlowModel1", 8, standin=True)  # not queued behind it
        assert not busy.future.done()
        busy.cancel()
        assert float(preview[0, 0, 0]) == 4.0
    assert SlowModel.standin_threads and not any("model" in name for name in SlowModel.standin_threads)


def test_long_nodes_report_progress_while_they_run(slow_project):
    with Engine(slow_project, cpu_workers=2) as engine:
        plan = engine.plan(FrameRequest.at("Grade1", 2))[0]
        SlowModel.running.clear()
        future = engine.run_in_background(engine.execute, plan)
        assert SlowModel.running.wait(5)
        seen = []
        while not future.done():
            reported = engine.progress(plan)
            if reported is not None:
                seen.append(reported)
            time.sleep(0.01)
        future.result()
        assert seen and {name for name, _done, _total in seen} == {"SlowModel1"}
        assert all(total == 20 and 0 <= done < 20 for _name, done, total in seen)
        assert engine.progress(plan) is None  # finished: nothing running


def test_exports_never_ask_for_standins(slow_project):
    with Engine(slow_project, cpu_workers=2) as engine:
        values = engine.evaluate_frames("Grade1", [1, 2], cache_frames=False)
        assert [float(v[0, 0, 0]) for v in values] == [2.0, 4.0]
        assert engine.standins("SlowModel1") == 0


def test_a_standin_declaration_is_checked_at_class_definition():
    with pytest.raises(NodeSpecError, match="offers_standin is overridden but standin"):

        class _Half(Node):
            id = "test.Half"
            outputs = (Output("image", PortType.IMAGE),)

            def evaluate(self, ctx: Any) -> Any:
                return None

            def offers_standin(self, ctx: Any) -> bool:
                return True
