"""The scheduler's promises, measured by counting real evaluations."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from filmstudio.core.context import CancelToken
from filmstudio.core.errors import Cancelled, EvaluationError
from filmstudio.engine.engine import Engine
from tests.helpers import Slow


def test_editing_one_keyframe_reevaluates_only_frames_whose_value_changed(project, engine):
    source = project.add_node("test.CountingSource")
    grade = project.connect(source, project.add_node("Grade"))
    grade.set_keyframe("gamma", 1, 1.0)
    grade.set_keyframe("gamma", 50, 2.0)
    grade.set_keyframe("gamma", 100, 2.0)
    for frame in range(1, 101):
        engine.evaluate(grade, frame)
    assert engine.evaluations(source) == 1  # time-invariant: once for 100 frames
    assert engine.evaluations(grade) == 50  # frames 1-50 ramp up; 51-100 repeat frame 50's value

    grade.set_keyframe("gamma", 100, 3.0)  # frames 51-100 change; 1-50 do not
    for frame in range(1, 101):
        engine.evaluate(grade, frame)
    assert engine.evaluations(grade) == 50 + 50
    assert engine.evaluations(source) == 1


def test_undo_of_a_parameter_change_is_served_from_cache(project, engine):
    ramp = project.add_node("Ramp")
    blur = project.connect(ramp, project.add_node("Blur", size=4))
    original = engine.evaluate(blur, 1)
    blur.set(size=9)
    changed = engine.evaluate(blur, 1)
    assert not torch.equal(original, changed)
    project.undo()
    hits = engine.cache.stats().hits
    again = engine.evaluate(blur, 1)
    assert torch.equal(again, original)
    assert engine.evaluations(blur) == 2 and engine.cache.stats().hits == hits + 1
    project.redo()
    assert torch.equal(engine.evaluate(blur, 1), changed) and engine.evaluations(blur) == 2


def test_time_dependent_nodes_key_on_the_frame_and_proxies_on_scale(project, engine):
    frames = project.add_node("test.FrameNumber")
    grade = project.connect(frames, project.add_node("Grade"))
    assert engine.evaluate(grade, 7)[0, 0, 0] == 7.0
    assert engine.evaluate(grade, 8)[0, 0, 0] == 8.0
    assert engine.evaluate(grade, 8, scale=0.5).shape == (4, 18, 32)
    assert engine.evaluations(frames) == 3
    assert engine.scheduler.key(grade, 7) != engine.scheduler.key(grade, 8)


def test_temporal_requests_and_switch_pulls_only_what_it_needs(project, engine):
    frames = project.add_node("test.FrameNumber")
    offset = project.connect(frames, project.add_node("TimeOffset", offset=5))
    other = project.add_node("Constant")
    switch = project.add_node("Switch")
    project.connect(offset, switch, target_port="input0")
    project.connect(other, switch, target_port="input1")
    assert engine.evaluate(switch, 20)[0, 0, 0] == 15.0
    assert engine.evaluations(other) == 0
    switch.set_keyframe("which", 30, 0)
    switch.set_keyframe("which", 31, 1)
    assert engine.evaluate(switch, 31)[0, 0, 0] == 0.0 and engine.evaluations(other) == 1


def test_disabled_nodes_pass_their_main_input_through(project, engine):
    ramp = project.add_node("Ramp")
    grade = project.connect(ramp, project.add_node("Grade", gain=(3, 3, 3, 1)))
    grade.set_disabled(True)
    assert torch.equal(engine.evaluate(grade, 1), engine.evaluate(ramp, 1))
    assert engine.evaluations(grade) == 0
    assert engine.scheduler.key(grade, 1) == engine.scheduler.key(ramp, 1)
    generator = project.add_node("Constant")
    generator.set_disabled(True)
    assert engine.evaluate(generator, 1) is None


def test_several_outputs_and_node_errors(project, engine):
    ramp = project.add_node("Ramp", start_color=(0, 0, 0, 0), end_color=(1, 1, 1, 1))
    split = project.connect(ramp, project.add_node("test.Split"))
    alpha = engine.evaluate(split, 1, output="alpha")
    assert alpha.shape == (1, 36, 64) and alpha[0, 0, 0] < alpha[0, 0, -1]
    failing = project.connect(ramp, project.add_node("test.Failing"))
    grade = project.connect(failing, project.add_node("Grade"))
    with pytest.raises(
        EvaluationError, match=r"Failing1 at frame 3: ZeroDivisionError: the test node always fails"
    ):
        engine.evaluate(grade, 3)


def test_cancelling_stops_a_slow_node_within_100ms(project, engine):
    slow = project.add_node("test.Slow", seconds=10.0)
    Slow.started.clear()
    request = engine.submit(slow, 1)
    assert Slow.started.wait(5.0)
    started = time.perf_counter()
    request.cancel()
    with pytest.raises(Cancelled):
        request.result(timeout=1.0)
    assert time.perf_counter() - started < 0.1


def test_a_cancelled_token_stops_a_synchronous_request(project, engine):
    slow = project.add_node("test.Slow", seconds=10.0)
    token = CancelToken()
    Slow.started.clear()
    threading.Thread(target=lambda: Slow.started.wait(5) and token.cancel(), daemon=True).start()
    started = time.perf_counter()
    with pytest.raises(Cancelled):
        engine.evaluate(slow, 1, cancel=token)
    assert time.perf_counter() - started < 5.0


def test_identical_concurrent_requests_compute_once(project):
    slow = project.add_node("test.Slow", seconds=0.2)
    project.connect(project.add_node("Constant"), slow)
    with Engine(project) as engine:
        requests = [engine.submit(slow, 1) for _ in range(2)]
        results = [r.result(timeout=5) for r in requests]
        assert results[0] is results[1]
        assert engine.evaluations(slow) == 1


def test_independent_branches_run_in_parallel(project):
    slow_a = project.add_node("test.Slow", seconds=0.3)
    slow_b = project.add_node("test.Slow", seconds=0.31)  # a different key
    switch = project.add_node("Switch")
    project.connect(project.add_node("Constant"), slow_a)
    project.connect(project.add_node("Constant", color=(1, 0, 0, 1)), slow_b)
    grade_a = project.connect(slow_a, project.add_node("Grade"))
    grade_b = project.connect(slow_b, project.add_node("Grade"))
    merge = project.add_node("test.Split")  # any node that waits for one input
    del merge
    project.connect(grade_a, switch, target_port="input0")
    project.connect(grade_b, switch, target_port="input1")
    with Engine(project, cpu_workers=2) as engine:
        started = time.perf_counter()
        futures = [engine.submit(grade_a, 1), engine.submit(grade_b, 1)]
        for future in futures:
            future.result(timeout=5)
        assert time.perf_counter() - started < 0.55  # 0.3 s + 0.31 s one after the other


def test_a_deep_graph_does_not_hit_the_recursion_limit(registry):
    from filmstudio.core.project import Project

    project = Project(width=4, height=4, registry=registry)
    previous = project.add_node("Constant", color=(0.5, 0.5, 0.5, 1))
    for _ in range(1500):
        previous = project.connect(previous, project.add_node("Grade"))
    with Engine(project) as engine:
        assert engine.evaluate(previous, 1)[0, 0, 0] == 0.5


def test_pass_through_results_are_not_stored_twice(project, engine):
    ramp = project.add_node("Ramp")
    dot = project.connect(ramp, project.add_node("Dot"))
    engine.evaluate(dot, 1)
    assert engine.cache.stats().entries == 1


def test_diamonds_and_repeated_reads_get_every_input(project, engine):
    frames = project.add_node("test.FrameNumber")
    hold = project.connect(frames, project.add_node("FrameHold", first_frame=3))
    left = project.connect(frames, project.add_node("Grade", gain=(2, 2, 2, 1)))
    right = project.connect(hold, project.add_node("Grade", offset=(1, 1, 1, 0)))
    switch = project.add_node("Switch")
    project.connect(left, switch, target_port="input0")
    project.connect(right, switch, target_port="input1")
    mask_user = project.connect(left, project.add_node("Grade"))
    project.connect(right, mask_user, target_port="mask")
    image = engine.evaluate(mask_user, 10)
    assert image[0, 0, 0] == 20.0
    switch.set(which=1)
    assert engine.evaluate(switch, 10)[0, 0, 0] == 4.0


def test_exports_cache_only_what_is_the_same_on_every_frame(project, engine):
    still = project.connect(project.add_node("Ramp"), project.add_node("Blur", size=3))
    moving = project.add_node("test.FrameNumber")
    switch = project.add_node("Switch")
    project.connect(still, switch, target_port="input0")
    project.connect(moving, switch, target_port="input1")
    grade = project.connect(moving, project.add_node("Grade"))
    for frame in range(1, 6):
        engine.evaluate(still, frame, cache_frames=False)
        engine.evaluate(grade, frame, cache_frames=False)
    assert engine.evaluations(still) == 1  # static: cached once, reused
    assert engine.evaluations(grade) == 5 and not engine.is_cached(grade, 5)


def test_keys_do_not_depend_on_the_order_links_were_made(project, registry):
    from filmstudio.core.project import Project

    def build(mask_first: bool) -> Project:
        built = Project(width=64, height=36, registry=registry)
        ramp, noise = built.add_node("Ramp", "R"), built.add_node("Noise", "N")
        grade = built.add_node("Grade", "G")
        links = [(ramp, "source"), (noise, "mask")]
        for source, port in reversed(links) if mask_first else links:
            built.connect(source, grade, target_port=port)
        return built

    with Engine(build(False)) as a, Engine(build(True)) as b:
        assert a.scheduler.key("G", 1) == b.scheduler.key("G", 1)


def test_asking_about_many_nodes_at_once_agrees_with_asking_each(project, engine, tmp_path):
    """The graph's cached badges ask about every visible node in one call."""
    ramp = project.add_node("Ramp")
    blur = project.connect(ramp, project.add_node("Blur", size=3))
    grade = project.connect(blur, project.add_node("Grade", gain=(2, 2, 2, 1)))
    side = project.connect(ramp, project.add_node("Grade"))
    off = project.connect(grade, project.add_node("Grade"))
    off.disabled = True
    missing = project.add_node("Read", file=str(tmp_path / "gone.mp4"))
    nodes = [ramp, blur, grade, side, off, missing]
    assert engine.scheduler.cached(nodes, 1) == dict.fromkeys((n.uuid for n in nodes), False)
    engine.evaluate(grade, 1)
    answers = engine.cached(nodes, 1)
    each = {n.uuid: engine.is_cached(n, 1) for n in nodes[:-1]}  # (is_cached raises on the Read)
    assert answers == each | {missing.uuid: False}
    assert [answers[n.uuid] for n in nodes] == [True, True, True, False, True, False]  # off shows grade's
    engine.evaluate(side, 2)
    assert engine.cached([side], 1) == {side.uuid: True}  # a still branch: one result for every frame
