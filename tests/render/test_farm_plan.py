"""What the farm decides before any chunk leaves the coordinator: which graphs it refuses (naming
the node), where chunks begin (cuts when the graph knows them, else equal ranges), path maps.
No cluster: these run in milliseconds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange
from filmstudio.engine.engine import Engine
from filmstudio.render.farm import render_on_farm
from filmstudio.render.farm_plan import (
    FarmError,
    FarmRefused,
    FarmSettings,
    chunk_costs,
    cut_frames,
    map_path,
    parse_path_map,
    refuse_unshippable,
    split_range,
)
from filmstudio_nodes import Write
from tests.media.clips import write_clip


def _ranges(chunks: list[FrameRange]) -> list[str]:
    return [str(c) for c in chunks]


def test_without_cuts_the_range_splits_into_equal_chunks():
    assert _ranges(split_range(FrameRange(1, 100), 30)) == ["1-25", "26-50", "51-75", "76-100"]
    assert _ranges(split_range(FrameRange(1, 10), 30)) == ["1-10"]
    # a step range splits on the frames it renders
    assert _ranges(split_range(FrameRange(1, 47, 2), 6)) == ["1-11x2", "13-23x2", "25-35x2", "37-47x2"]


def test_chunk_boundaries_move_to_a_nearby_cut_only():
    assert _ranges(split_range(FrameRange(1, 48), 24, {21})) == ["1-20", "21-48"]  # 4 frames off: moved
    assert _ranges(split_range(FrameRange(1, 48), 24, {10})) == ["1-24", "25-48"]  # too far: equal
    assert _ranges(split_range(FrameRange(1, 47, 2), 12, {24})) == ["1-23x2", "25-47x2"]  # between frames


def test_cuts_come_from_held_keys_and_clip_edges(tmp_path, project: Project, engine: Engine):
    write_clip(tmp_path / "b.mp4", codec="libx264", frames=20, width=64, height=36, pix_fmt="yuv420p")
    a = project.add_node("test.FrameNumber", "a")
    b = project.add_node("Read", "b", file=str(tmp_path / "b.mp4"), start_frame=40, outside="black")
    switch = project.add_node("Switch", "edit")
    project.connect(a, switch, "image", "input1")
    project.connect(b, switch, "image", "input2")
    switch.set_keyframe("which", 1, 0, "hold")
    switch.set_keyframe("which", 31, 1, "hold")
    write = project.connect(switch, project.add_node("Write", "out"))
    # the Switch's edit at 31; the clip appears at 40 and ends after its 20 frames, at 60
    assert sorted(cut_frames(project, write, FrameRange(1, 100), engine)) == [31, 40, 60]
    assert sorted(cut_frames(project, write, FrameRange(35, 50), engine)) == [40]


def test_a_generative_node_without_a_take_is_refused_by_name(project: Project):
    write = project.connect(project.add_node("test.Seeded", "hero"), project.add_node("Write", "out"))
    with pytest.raises(FarmRefused, match="hero has no active take"):
        refuse_unshippable(project, write, FrameRange(1, 48))
    project["hero"].replace_state({"takes": [{"id": "t1", "data": {"seed": 4}}], "active_take": "t1"})
    refuse_unshippable(project, write, FrameRange(1, 48))  # a take ships with the project


def test_analysis_results_only_outside_the_range_are_refused(project: Project):
    source = project.add_node("test.FrameNumber")
    deflicker = project.connect(source, project.add_node("Deflicker", "steady"))
    write = project.connect(deflicker, project.add_node("Write", "out"))
    refuse_unshippable(project, write, FrameRange(1, 48))  # never analysed: renders as on one machine
    deflicker.replace_state({"luminance": {str(f): 0.5 for f in range(60, 71)}})
    with pytest.raises(FarmRefused, match=r"steady has luminance analysis results, but none for frames 1-48"):
        refuse_unshippable(project, write, FrameRange(1, 48))
    refuse_unshippable(project, write, FrameRange(50, 70))


class KeyedWrite(Write):
    """A plugin's writer whose quality can be keyed (the built-in Write's settings cannot)."""

    id = "test.KeyedWrite"
    params = tuple(replace(p, animatable=True) if p.name == "crf" else p for p in Write.params)


def test_an_animated_writer_setting_is_refused_before_anything_starts(tmp_path, project: Project):
    project.graph.registry.register(KeyedWrite)
    write = project.connect(project.add_node("test.FrameNumber"), project.add_node("test.KeyedWrite", "out"))
    write.set(file=str(tmp_path / "out.mp4"))
    write.set_keyframe("crf", 1, 18)
    write.set_keyframe("crf", 48, 30)
    with pytest.raises(FarmRefused, match="out's crf change within frames 1-48"):
        render_on_farm(project, FarmSettings(workers=2), frames=FrameRange(1, 48))
    assert list(tmp_path.iterdir()) == []


def test_path_maps_replace_whole_folder_prefixes():
    pairs = parse_path_map(["/studio=/mnt/studio", "/studio/media=/mnt/media/"])
    assert pairs == (("/studio/media", "/mnt/media"), ("/studio", "/mnt/studio"))  # longest first
    assert map_path("/studio/media/plate.mp4", pairs) == "/mnt/media/plate.mp4"
    assert map_path("/studio/shots/a.exr", pairs) == "/mnt/studio/shots/a.exr"
    assert map_path("/studio2/a.exr", pairs) == "/studio2/a.exr"
    assert map_path("plates/a.exr", pairs) == "plates/a.exr"
    with pytest.raises(FarmError, match="write SRC=DST"):
        parse_path_map(["/studio"])


def test_farm_settings_say_what_is_missing():
    with pytest.raises(FarmError, match="--cluster"):
        FarmSettings()
    with pytest.raises(FarmError, match="--workers must be 1 or more"):
        FarmSettings(workers=0)
    with pytest.raises(FarmError, match="--chunk"):
        FarmSettings(workers=2, chunk=0)


def test_chunks_that_run_a_model_are_estimated_heaviest(project: Project, engine: Engine):
    """The farm hands the cluster its heaviest chunks first: here the shot after the Switch's edit,
    where every frame goes through a model node (an Upscaler on its model)."""
    plain = project.add_node("test.FrameNumber", "plain")
    upscaled = project.connect(
        project.add_node("test.FrameNumber", "source"),
        project.add_node("Upscaler", "up", method="model", model="absent.pth"),
    )
    switch = project.add_node("Switch", "edit")
    project.connect(plain, switch, "image", "input1")
    project.connect(upscaled, switch, "image", "input2")
    switch.set_keyframe("which", 1, 1, "hold")  # input1
    switch.set_keyframe("which", 61, 2, "hold")  # input2 from frame 61
    write = project.connect(switch, project.add_node("Write", "out"))
    ranges = split_range(FrameRange(1, 90), 30)
    costs = chunk_costs(write, ranges, engine)
    assert costs[2] > 2 * costs[0] and costs[0] == costs[1]
    shorter = chunk_costs(write, [FrameRange(1, 15)], engine)
    assert shorter[0] == costs[0] / 2  # by frame count too
