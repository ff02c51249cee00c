"""Big graphs: names, type resolution and loading stay linear in the number of nodes.

A 170,000-node file (43 MB) never finished loading: every node's name was checked against every
other (8k nodes 2.6 s, 16k nodes 10 s), every link's loop check walked what was already linked,
and every link out of a chain of Dots walked the chain to find the type it carries.
"""

from __future__ import annotations

import cProfile
import itertools
import json
import pstats
import random
import time
import uuid

import pytest

from filmstudio.core import errors
from filmstudio.core.project import Project
from filmstudio.core.types import PortType


def test_unique_names_reuse_the_first_free_number(project):
    graph = project.graph
    grades = [project.add_node("Grade") for _ in range(5)]
    assert [g.name for g in grades] == ["Grade1", "Grade2", "Grade3", "Grade4", "Grade5"]
    graph.delete([grades[1]])
    grades[3].rename("Hero")
    assert graph.unique_name("Grade") == "Grade2"
    assert project.add_node("Grade").name == "Grade2"
    assert project.add_node("Grade").name == "Grade4"
    assert project.add_node("Grade").name == "Grade6"
    project.add_node("Grade", name="Grade0")  # numbers start at 1 whatever is taken
    assert graph.unique_name("Grade") == "Grade7" and graph.node("Hero") is grades[3]
    with pytest.raises(errors.FilmStudioError, match="already used"):
        graph.rename(grades[0].uuid, "Hero")
    project.undo()  # Grade0
    assert not graph.has_name("Grade0") and graph.has_name("Grade6")


def test_the_type_a_chain_of_dots_carries_follows_every_link_change(project):
    graph = project.graph
    ramp, track, grade = (
        project.add_node("Ramp"),
        project.add_node("test.TrackReader"),
        project.add_node("Grade"),
    )
    dots = [project.add_node("Dot") for _ in range(3)]
    for source, target in itertools.pairwise(dots):
        project.connect(source, target)
    project.connect(ramp, dots[0])
    assert graph.output_type(dots[2].uuid, "output") is PortType.IMAGE
    graph.disconnect(dots[0], "input")
    assert graph.output_type(dots[2].uuid, "output") is PortType.ANY
    project.connect(track, dots[0], "value")
    assert graph.output_type(dots[2].uuid, "output") is PortType.NUMBER
    with pytest.raises(errors.TypeMismatchError, match="Dot3.output carries Number"):
        project.connect(dots[2], grade, target_port="source")
    project.undo()  # the Number link
    project.undo()  # the disconnection
    assert graph.output_type(dots[2].uuid, "output") is PortType.IMAGE


def big_project(nodes: int) -> str:
    """Two chains of ``nodes / 2``: Grades (each link's loop check) and Dots (each link's type),
    links listed last-first, the order that made both checks walk their whole chain."""
    ids = [str(uuid.UUID(int=random.Random(n).getrandbits(128))) for n in range(nodes)]
    half = nodes // 2
    documents, links = [], []
    for index, node_id in enumerate(ids):
        kind = "Ramp" if index in (0, half) else ("Grade" if index < half else "Dot")
        documents.append({"uuid": node_id, "type": kind, "name": f"{kind}{index}", "position": [index, 0]})
        if index not in (0, half):
            source_port = "output" if kind == "Dot" and index > half + 1 else "image"
            target_port = "input" if kind == "Dot" else "source"
            links.append(
                {
                    "source": ids[index - 1],
                    "source_port": source_port,
                    "target": node_id,
                    "target_port": target_port,
                }
            )
    settings = {"fps": "24", "frame_range": "1-100", "format": {"width": 64, "height": 36}}
    return json.dumps(
        {"filmstudio": {"schema": 1}, "settings": settings, "nodes": documents, "links": links[::-1]}
    )


def calls_to_load(text: str, registry) -> int:
    """Function calls (Python and built-in) a load makes: a measure of work that, unlike time,
    is the same on every run and machine."""
    profiler = cProfile.Profile()
    profiler.runcall(Project.from_json, text, registry)
    return pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]


@pytest.mark.slow  # about 5 s, most of it profiling
@pytest.mark.timeout(120, method="thread")  # quadratic loading took minutes at this size
def test_loading_20000_nodes_is_linear(registry, record_property):
    texts = {n: big_project(n) for n in (5_000, 10_000, 20_000)}
    seconds = {}
    for n, text in texts.items():
        start = time.perf_counter()
        project = Project.from_json(text, registry)
        seconds[n] = time.perf_counter() - start
        assert len(project.nodes) == n and len(project.graph.links) == n - 2
    record_property("load seconds", {n: round(s, 2) for n, s in seconds.items()})  # reported, not asserted
    print(
        "load seconds:",
        {f"{n} nodes ({len(texts[n]) / 1e6:.1f} MB)": round(s, 2) for n, s in seconds.items()},
    )
    last_dot = project.nodes[-1]
    assert project.graph.output_type(last_dot.uuid, "output") is PortType.IMAGE

    work = {n: calls_to_load(texts[n], registry) for n in (5_000, 20_000)}
    print("function calls to load:", work)
    assert work[20_000] < 4.5 * work[5_000]  # linear: 4x; the quadratic loader made 16x
