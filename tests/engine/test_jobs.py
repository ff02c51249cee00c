"""Analysis passes and generative takes: results live in the node's state and its cache key."""

from __future__ import annotations

import threading

import pytest
import torch

from filmstudio.core.errors import Cancelled, FilmStudioError


def flicker_clip(project):
    constant = project.add_node("Constant", color=(0.5, 0.5, 0.5, 1.0))
    grade = project.connect(constant, project.add_node("Grade"))
    for frame in range(1, 31):
        grade.set_keyframe("gain", frame, 0.8 if frame % 2 else 1.2, "hold")
    return project.connect(grade, project.add_node("Deflicker"))


def test_analysis_reports_progress_stores_results_and_undoes(project, engine):
    deflicker = flicker_clip(project)
    progress = []
    engine.analyze(deflicker, range(1, 21), progress=lambda done, total: progress.append((done, total)))
    assert progress[0] == (1, 20) and progress[-1] == (20, 20)
    measured = deflicker.state["luminance"]
    assert list(measured) == [str(f) for f in range(1, 21)]
    assert measured["1"] == pytest.approx(0.4) and measured["2"] == pytest.approx(0.6)
    project.undo()
    assert "luminance" not in deflicker.state


def test_reanalysing_some_frames_keeps_the_others_cached(project, engine):
    deflicker = flicker_clip(project)
    engine.analyze(deflicker, range(1, 31))
    keys = {f: engine.scheduler.key(deflicker, f) for f in range(1, 31)}
    for frame in range(1, 31):
        engine.evaluate(deflicker, frame)
    project["Grade1"].set_keyframe("gain", 25, 1.0, "hold")  # the artist fixes one frame upstream
    engine.analyze(deflicker, [25])
    changed = {f for f in range(1, 31) if engine.scheduler.key(deflicker, f) != keys[f]}
    assert 25 in changed and 1 not in changed  # frames far from 25 keep their results


def test_analysis_can_be_cancelled_and_changes_nothing(project, engine):
    deflicker = flicker_clip(project)
    submitted = threading.Event()
    tokens = []

    def progress(_done: int, _total: int) -> None:
        # The pass may report its first frame before submit_analysis has returned the token.
        assert submitted.wait(5)
        tokens[0].cancel()

    future, token = engine.submit_analysis(deflicker, range(1, 31), progress=progress)
    tokens.append(token)
    submitted.set()
    with pytest.raises(Cancelled):
        future.result(timeout=5)
    assert "luminance" not in deflicker.state


def test_a_background_analysis_measures_the_graph_as_it_was_when_submitted(project, engine):
    """The artist goes on editing while a pass runs: the pass neither sees half an edit nor fails;
    it measures the graph as submitted (the edit then shows as usual on the next analysis)."""
    deflicker = flicker_clip(project)
    first_frame_done, edited = threading.Event(), threading.Event()

    def progress(done: int, _total: int) -> None:
        if done == 1:
            first_frame_done.set()
            assert edited.wait(5)

    future, _token = engine.submit_analysis(deflicker, range(1, 31), progress=progress)
    assert first_frame_done.wait(5)
    grade = project["Grade1"]
    for frame in range(1, 31):  # flatten the flicker the pass is measuring
        grade.set_keyframe("gain", frame, 2.0, "hold")
    project.graph.delete([project["Constant1"]])  # and pull its input away
    edited.set()
    job = future.result(timeout=10)
    measured = job.results
    assert sorted(measured, key=int) == [str(f) for f in range(1, 31)]
    assert measured["2"] == pytest.approx(0.6) and measured["29"] == pytest.approx(0.4)


def test_a_node_without_analysis_says_so(project, engine):
    grade = project.add_node("Grade")
    with pytest.raises(FilmStudioError, match="has no analysis pass"):
        engine.analyze(grade, [1])


def test_takes_are_part_of_the_key_and_regenerating_is_explicit(project, engine):
    seeded = project.add_node("test.Seeded")
    first_take = engine.generate_take(seeded)
    first = engine.evaluate(seeded, 1)
    second_take = engine.generate_take(seeded)
    second = engine.evaluate(seeded, 1)
    assert (first_take, second_take) == ("take1", "take2") and seeded.takes == ["take1", "take2"]
    assert not torch.equal(first, second)
    seeded.set_active_take("take1")
    assert torch.equal(engine.evaluate(seeded, 1), first)
    assert engine.evaluations(seeded) == 2  # the old take came back from the cache
    project.undo()  # back to take2 being active
    assert torch.equal(engine.evaluate(seeded, 1), second)
