"""Project settings are an edit like any other: one undo step, listeners told, frames recomputed."""

from __future__ import annotations

from fractions import Fraction

import pytest

from filmstudio.core.graph import GraphEventKind
from filmstudio.core.project import Project
from filmstudio.core.timebase import Format, FrameRange
from filmstudio.engine.engine import Engine


def test_a_settings_change_is_one_undo_step_and_listeners_hear_which_fields(registry):
    project = Project(fps=24, frame_range=(1, 100), width=64, height=36, registry=registry)
    heard = []
    project.graph.subscribe(heard.append)

    project.update_settings(format=Format(640, 360), fps=Fraction(25), frame_range=FrameRange(1, 120))

    assert (project.settings.format, project.settings.fps) == (Format(640, 360), 25)
    assert [(e.kind, e.detail) for e in heard] == [
        (GraphEventKind.SETTINGS_CHANGED, frozenset({"format", "fps", "frame_range"}))
    ]
    assert project.undo()
    assert (project.settings.format, project.settings.fps, project.settings.frame_range) == (
        Format(64, 36),
        24,
        FrameRange(1, 100),
    )
    assert not project.undo()  # it was one step
    assert project.redo()
    assert project.settings.frame_range == FrameRange(1, 120)


def test_moving_the_playhead_records_nothing_and_undo_does_not_move_it(registry):
    project = Project(frame_range=(1, 100), registry=registry)
    project.update_settings(current_frame=40)
    assert not project.graph.history.can_undo
    project.update_settings(frame_range=FrameRange(1, 120))
    project.update_settings(current_frame=110)
    project.undo()  # back to 1-100: the playhead stays, pulled into the range
    assert project.settings.current_frame == 100
    project.redo()
    assert project.settings.current_frame == 100


def test_a_refused_value_changes_nothing_and_records_nothing(registry):
    project = Project(registry=registry)
    with pytest.raises(ValueError, match="frame rate"):
        project.update_settings(fps=Fraction(0))
    assert project.settings.fps == 24 and not project.graph.history.can_undo


def test_frames_made_before_a_format_change_are_not_served_after_it(registry):
    project = Project(width=64, height=36, registry=registry)
    card = project.add_node("Constant")
    with Engine(project, cpu_workers=1) as engine:
        assert tuple(engine.evaluate(card, 1).shape) == (4, 36, 64)
        project.update_settings(format=Format(32, 18))
        assert tuple(engine.evaluate(card, 1).shape) == (4, 18, 32)
        project.undo()  # the old frame comes straight back from the cache
        before = engine.evaluations(card)
        assert tuple(engine.evaluate(card, 1).shape) == (4, 36, 64)
        assert engine.evaluations(card) == before
