"""Project files: byte-stable round trips, atomic saves, clear errors for damaged files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filmstudio.core import project_file
from filmstudio.core.errors import ProjectError
from filmstudio.core.node import Input, Node, Output
from filmstudio.core.params import FloatParam
from filmstudio.core.project import Project
from filmstudio.core.registry import NodeRegistry
from filmstudio.core.types import PortType
from filmstudio.engine.engine import Engine


def sample_project(registry) -> Project:
    project = Project(fps="30000/1001", frame_range="1-48x2", width=64, height=36, registry=registry)
    ramp = project.add_node("Ramp", start_color=(0.1, 0.2, 0.3, 1.0), shape="radial")
    noise = project.add_node("Noise", seed=7, size=12.5)
    grade = project.connect(ramp, project.add_node("Grade"))
    project.connect(noise, grade, target_port="mask")
    grade.set_keyframe("gain", 1, (0.5, 0.5, 0.5, 1.0))
    grade.set_keyframe("gain", 24.5, (1.5, 1.25, 1.0, 1.0), "smooth")
    grade.set_keyframe("gamma", 30, 1.3, "hold")
    switch = project.connect(grade, project.add_node("Switch"))
    project.connect(project.add_node("TimeOffset", offset=-3), switch, target_port="input1")
    switch.set_disabled(True)
    project.graph.move(noise.uuid, (120.5, -40.0))
    project.graph.set_state(
        noise.uuid, {"takes": [{"id": "take1", "data": {"seed": 3}}], "active_take": "take1"}
    )
    return project


def test_save_load_save_is_byte_identical_and_keys_survive(tmp_path, registry):
    project = sample_project(registry)
    first = project.save(tmp_path / "shot.fsproj").read_bytes()
    loaded = Project.load(tmp_path / "shot.fsproj", registry)
    loaded.save(tmp_path / "again.fsproj")
    assert (tmp_path / "again.fsproj").read_bytes() == first
    assert not loaded.modified and loaded.path == tmp_path / "again.fsproj"
    with Engine(project) as a, Engine(loaded) as b:
        for node in project.nodes:
            for frame in (1, 13, 30):
                assert a.scheduler.key(node.name, frame) == b.scheduler.key(node.name, frame)
        assert (a.evaluate("Grade1", 13) == b.evaluate("Grade1", 13)).all()


def test_the_file_is_readable_json_with_stable_order(tmp_path, registry):
    text = sample_project(registry).to_json()
    document = json.loads(text)
    assert document["filmstudio"]["schema"] == project_file.SCHEMA
    assert document["settings"]["fps"] == "30000/1001" and document["settings"]["frame_range"] == "1-48x2"
    assert [n["name"] for n in document["nodes"]][:3] == ["Ramp1", "Noise1", "Grade1"]
    assert '"start_color": [0.1, 0.2, 0.3, 1.0]' in text  # short lists stay on one line
    assert "pickle" not in text and text.endswith("}\n")


def test_save_is_atomic(tmp_path, registry, monkeypatch):
    project = sample_project(registry)
    path = project.save(tmp_path / "shot.fsproj")
    good = path.read_bytes()
    project["Grade1"].set(gamma=2.0)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(ProjectError, match="No space left on device.*previous file is unchanged"):
        project.save()
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["shot.fsproj"]  # no temp file left behind
    assert project.modified


@pytest.mark.parametrize(
    ("mutate", "location", "message"),
    [
        (lambda d: d["nodes"][2]["params"].update(gamma="bright"), "nodes[2].params.gamma", "not a number"),
        (lambda d: d["nodes"][0].update(type="Rampage"), "nodes[0].type", "unknown node type 'Rampage'"),
        (lambda d: d["nodes"][1].pop("uuid"), "nodes[1]", "'uuid' is missing"),
        (lambda d: d["links"][0].update(target_port="nope"), "links[0]", "has no input 'nope'"),
        (lambda d: d["settings"].update(frame_range="ten"), "settings.frame_range", "not a frame range"),
        (lambda d: d["filmstudio"].update(schema=99), "", "newer FilmStudio"),
        (lambda d: d["nodes"][2]["params"]["gain"]["keys"][0].__setitem__(2, "bouncy"), "keys[0]", "bouncy"),
    ],
)
def test_damaged_files_name_the_place_and_the_problem(tmp_path, registry, mutate, location, message):
    document = json.loads(sample_project(registry).to_json())
    mutate(document)
    path = tmp_path / "damaged.fsproj"
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError) as caught:
        Project.load(path, registry)
    text = str(caught.value)
    assert str(path) in text and location in caught.value.location and message in text


def test_not_a_project(tmp_path, registry):
    for content, message in [
        (b"", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b'{"a": 1, "a": 2}', "appears twice"),
        (b"[1, 2, 3]", "no 'filmstudio' header"),
        (b'{"filmstudio": {"schema": 1}, "settings": {"fps": NaN}}', "NaN is not a valid number"),
    ]:
        path = tmp_path / "bad.fsproj"
        path.write_bytes(content)
        with pytest.raises(ProjectError, match=message):
            Project.load(path, registry)
    with pytest.raises(ProjectError, match="does not exist"):
        Project.load(tmp_path / "missing.fsproj", registry)


def test_migrations_legacy_ids_and_node_upgrades(tmp_path, monkeypatch):
    class Exposure(Node):
        id = "test.Exposure"
        version = 2
        legacy_ids = ("test.Brightness",)
        inputs = (Input("source", PortType.IMAGE),)
        outputs = (Output("image", PortType.IMAGE),)
        params = (FloatParam("stops", 0.0),)

        @classmethod
        def upgrade(cls, from_version, params):
            import math

            return {"stops": math.log2(params.pop("multiplier", 1.0))}  # v1 stored a multiplier

        def evaluate(self, ctx):
            return ctx.input("source") * 2**ctx.params.stops

    old = {
        "filmstudio": {"schema": 0},
        "scene": {"fps": 24, "frame_range": "1-10", "format": {"width": 8, "height": 8}},
        "nodes": [
            {
                "uuid": "n1",
                "type": "test.Brightness",
                "version": 1,
                "name": "B",
                "params": {"multiplier": 4.0},
            }
        ],
        "links": [],
    }

    def schema_0_to_1(document):
        document["settings"] = document.pop("scene")
        return document

    monkeypatch.setitem(project_file.MIGRATIONS, 0, schema_0_to_1)
    path = tmp_path / "old.fsproj"
    path.write_text(json.dumps(old))
    project = Project.load(path, NodeRegistry([Exposure]))
    node = project["B"]
    assert node.type is Exposure and node["stops"] == pytest.approx(2.0)
    assert json.loads(project.to_json())["nodes"][0]["type"] == "test.Exposure"


def test_unknown_parameters_are_reported_not_fatal(tmp_path, registry):
    document = json.loads(sample_project(registry).to_json())
    document["nodes"][0]["params"]["sparkle"] = 1
    project = Project.from_json(json.dumps(document), registry)
    assert any("sparkle" in warning for warning in project.load_warnings)


# --- property-based: whatever the damage, only ProjectError ------------------------------------

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


_TEMPLATE: list[str] = []


def _template(registry) -> str:
    if not _TEMPLATE:
        _TEMPLATE.append(sample_project(registry).to_json())
    return _TEMPLATE[0]


@settings(
    max_examples=int(os.environ.get("FILMSTUDIO_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_project_files_only_raise_project_error(registry, data):
    text = _template(registry)
    document = json.loads(text)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_paths(document))
        path = data.draw(st.sampled_from(paths[1:]))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            parent[path[-1]] = data.draw(_JSON)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(parent[path[-1]])
        else:
            parent[str(path[-1]) + "_"] = parent[path[-1]]
    mutated = json.dumps(document)
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(mutated)))
        mutated = mutated[:cut] + data.draw(st.text(max_size=4)) + mutated[cut:]
    try:
        Project.from_json(mutated, registry, Path("mutated.fsproj"))
    except ProjectError as error:
        assert "mutated.fsproj" in str(error)
