"""The planner remembers what it found for each (node, frame) until the graph changes, so a
repeated request (a scrub over cached frames, a redraw) costs little; these tests hold it to
giving the keys a fresh plan would give: after edits, after files change on disk, at any scale,
and without keeping frames or growing without bound."""

from __future__ import annotations

import gc
import os
import weakref
from fractions import Fraction

import torch

import filmstudio as fs
from filmstudio.engine import plan_memory
from filmstudio.engine.engine import Engine
from filmstudio.engine.planner import Planner
from filmstudio.media.stills import write_image


def chain(project: fs.Project, source, count: int = 5) -> list:
    nodes, previous = [], source
    for index in range(count):
        grade = project.add_node("Grade", gain=(1.0 + index / 10,) * 3 + (1.0,))
        project.connect(previous, grade)
        nodes.append(grade)
        previous = grade
    return nodes


def fresh_keys(project: fs.Project, engine: Engine, nodes, frame: int, scale: float = 1.0) -> list[str]:
    """The keys a planner that remembers nothing gives."""
    planner = Planner(project, engine.executors)
    return [planner.key(node, frame, scale) for node in nodes]


def test_remembered_keys_are_the_keys_a_fresh_plan_gives_after_every_kind_of_edit():
    project = fs.Project(width=16, height=16, frame_range=(1, 10))
    source = project.add_node("Constant", color=(0.5, 0.4, 0.3, 1.0))
    grades = chain(project, source)
    with Engine(project) as engine:
        planner = engine.scheduler.planner
        first = [planner.key(node, 3) for node in grades]
        assert first == [planner.key(node, 3) for node in grades] == fresh_keys(project, engine, grades, 3)
        edits = [
            lambda: grades[2].set(gain=(2.0, 2.0, 2.0, 1.0)),  # a parameter upstream
            lambda: grades[1].set_disabled(),  # a node passed through
            lambda: project.undo(),
            lambda: grades[0].set_keyframe("gain", 1, (1.0, 1.0, 1.0, 1.0)),
            lambda: grades[0].set_keyframe("gain", 10, (2.0, 2.0, 2.0, 1.0)),  # animated
            lambda: project.update_settings(fps=Fraction(25)),  # the rate
        ]
        history = [tuple(first)]
        for edit in edits:
            edit()
            for frame, scale in ((3, 1.0), (7, 1.0), (3, 0.5)):
                remembered = [planner.key(node, frame, scale) for node in grades]
                assert remembered == fresh_keys(project, engine, grades, frame, scale)
            history.append(tuple(planner.key(node, 3) for node in grades))
        first, edited, disabled, undone, one_key, animated, rate = history
        # keys follow values, not edits: undo brings the edited keys back, and a single keyframe
        # holding the value the parameter had changes nothing
        assert undone == edited and one_key == edited
        assert len({first, edited, disabled, animated, rate}) == 5


def test_a_file_rewritten_on_disk_changes_the_keys_of_everything_below_its_read(tmp_path):
    plate = tmp_path / "plate.png"
    write_image(plate, torch.full((4, 8, 8), 0.25))
    project = fs.Project(width=8, height=8, frame_range=(1, 10))
    read = project.add_node("Read", file=str(plate), colorspace="linear")
    grades = chain(project, read, 3)
    with Engine(project) as engine:
        before = engine.evaluate(grades[-1], 1)
        keys = [engine.scheduler.key(node, 1) for node in grades]
        write_image(plate, torch.full((4, 8, 8), 0.75))  # no graph edit: only the file changed
        os.utime(plate, ns=(1, 1))  # and to another time than the first file's, whatever the clock
        after = engine.evaluate(grades[-1], 1)
        assert all(a != b for a, b in zip(keys, (engine.scheduler.key(n, 1) for n in grades), strict=True))
        assert float(after[0].mean()) > float(before[0].mean()) + 0.3


def test_the_planner_keeps_no_frames_and_a_bounded_record(monkeypatch):
    monkeypatch.setattr(plan_memory, "STEPS_AT_MOST", 50)
    project = fs.Project(width=64, height=64, frame_range=(1, 40))
    source = project.add_node("Ramp")
    grades = chain(project, source, 3)
    with Engine(project, cache_bytes=0) as engine:
        image = engine.evaluate(grades[-1], 1)
        kept = weakref.ref(image)
        del image
        gc.collect()
        assert kept() is None  # nothing the planner remembers holds the frame
        for frame in range(1, 41):
            engine.scheduler.key(grades[-1], frame)
            assert len(engine.scheduler.planner._memory) <= 50


def test_a_nodes_remembered_values_follow_every_change_of_its_stored_values():
    """Planning reads a node's constant values and their repr from the node (so an edit elsewhere
    does not make every node repr its values again); they must be what values_at gives."""
    project = fs.Project(width=16, height=16, frame_range=(1, 10))
    grade = project.add_node("Grade", gain=(1.5, 1.5, 1.5, 1.0))

    def expected(frame: int = 4) -> tuple:
        values = grade.values_at(frame)
        return values, repr(tuple(values.values()))

    first = grade.constant_values()
    assert first == expected() and grade.constant_values() is first  # remembered, not redone
    project.add_node("Grade").set(gain=(3.0, 3.0, 3.0, 1.0))  # another node's edit
    assert grade.constant_values() is first
    grade.set(gain=(2.0, 2.0, 2.0, 1.0))
    assert grade.constant_values() == expected() != first
    grade.set_keyframe("mix", 1, 0.5)
    grade.set_keyframe("mix", 9, 1.0)
    assert grade.constant_values() is None  # animated: read per frame
    project.undo()
    project.undo()
    assert grade.constant_values() == expected()
    grade.params["gamma"] = 2.0  # a value replaced without a command (a project being loaded)
    assert grade.constant_values() == expected() and "2.0" in grade.constant_values()[1]


def test_a_frame_is_recorded_the_second_time_it_is_planned_not_the_first():
    """An export plans each frame once: it must not fill the record; a frame planned again (a
    redraw, the cache bar) is recorded, and planning it a third time reuses the record."""
    project = fs.Project(width=16, height=16, frame_range=(1, 30))
    grades = chain(project, project.add_node("Ramp"), 4)
    with Engine(project) as engine:
        planner = engine.scheduler.planner
        for frame in range(1, 31):  # an export's pass: each frame once
            planner.key(grades[-1], frame)
        assert len(planner._memory) == 0
        keys = [planner.key(node, 7) for node in grades]  # frame 7 again
        assert len(planner._memory) == len(grades) + 1  # the Ramp and the grades at frame 7
        records = {id(planner._memory.step((node.uuid, 7, 1.0, False))) for node in grades}
        assert [planner.key(node, 7) for node in grades] == keys == fresh_keys(project, engine, grades, 7)
        assert {id(planner._memory.step((node.uuid, 7, 1.0, False))) for node in grades} == records
