"""Hostile and damaged project files: each is refused at once with a ProjectError naming the file
and the place, or it loads into a project that saves and reloads to the same text.

The cases are those a fuzzer found with mutated demo projects (raw tracebacks, minutes-long hangs,
projects that loaded but could never be saved). The timeout marker (thread method: a hang inside
C code, like Fraction's ten-to-the-billion, is still caught) makes "at once" a test failure rather
than a stuck CI job; the loads themselves take milliseconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from filmstudio.cli import main
from filmstudio.core import project_file
from filmstudio.core.errors import ParameterError, ProjectError
from filmstudio.core.params import IntParam
from filmstudio.core.project import Project
from filmstudio.core.project_limits import MAX_DEPTH

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo.fsproj"
AT_ONCE = pytest.mark.timeout(2, method="thread")


def demo_document() -> dict[str, Any]:
    return json.loads(DEMO.read_text(encoding="utf-8"))


def with_raw(document: dict[str, Any], place: tuple[str | int, ...], raw: str) -> str:
    """The document as text with the JSON ``raw`` (1e400, 5,000 digits...: text Python's json
    cannot write) at ``place``."""
    parent = document
    for step in place[:-1]:
        parent = parent[step]
    parent[place[-1]] = "@@raw@@"
    return json.dumps(document, indent=1).replace('"@@raw@@"', raw)


def refused(tmp_path: Path, registry, text: str) -> ProjectError:
    path = tmp_path / "hostile.fsproj"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        Project.load(path, registry)
    assert str(caught.value).startswith(str(path))
    return caught.value


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@AT_ONCE
@pytest.mark.parametrize(
    ("place", "raw", "message"),
    [
        (("settings", "current_frame"), "1" + "0" * 5000, "5,001 digits is too large"),  # json: ValueError
        (("nodes", 1, "params", "gamma"), "9" * 400, "400 digits is too large"),  # float(): OverflowError
        (("settings", "format", "pixel_aspect"), "1" + "0" * 400, "401 digits is too large"),
        (("nodes", 0, "position", 0), str(2**64), "must fit 64 bits"),
        (("nodes", 0, "state", "seed"), "-" + "7" * 4400, "4,400 digits is too large"),
        (("settings", "format", "pixel_aspect"), "1e400", "1e400 is too large for a number"),
        (("nodes", 1, "params", "gamma"), "-1e400", "-1e400 is too large for a number"),
        (("nodes", 1, "params", "gain", 0), "1e309", "too large for a number"),
        (("settings", "current_frame"), "2000000000", "current frame must lie within ±1,000,000,000"),
    ],
)
def test_numbers_a_project_cannot_hold_are_refused_at_their_place(tmp_path, registry, place, raw, message):
    error = refused(tmp_path, registry, with_raw(demo_document(), place, raw))
    where = ".".join(f"[{s}]" if isinstance(s, int) else s for s in place).replace(".[", "[")
    assert message in error.problem
    assert error.location == where or (where.startswith(error.location) and error.location)


@AT_ONCE
@pytest.mark.parametrize("fps", ["1e999999999", "1e-9999999", "9" * 5000, "1/0", "-24", "1e400", "1e-5"])
def test_frame_rates_with_huge_exponents_are_refused_at_once(tmp_path, registry, fps):
    document = demo_document()
    document["settings"]["fps"] = fps
    error = refused(tmp_path, registry, json.dumps(document))
    assert error.location == "settings.fps" and "is not a frame rate" in error.problem
    assert len(str(error)) < 300  # a 5,000-digit rate is not echoed whole


@AT_ONCE
def test_filmstudio_info_refuses_a_huge_exponent_in_one_line(tmp_path, capsys):
    document = demo_document()
    document["settings"]["fps"] = "1e999999999"  # 6 KB that once kept `filmstudio info` busy for minutes
    path = tmp_path / "hostile.fsproj"
    path.write_text(json.dumps(document))
    assert main(["info", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "settings.fps" in err and "Traceback" not in err


@AT_ONCE
@pytest.mark.parametrize(("aspect", "message"), [(1e300, "between 0.01 and 100"), (1e-300, "between")])
def test_pixel_aspect_is_a_real_squeeze(tmp_path, registry, aspect, message):
    document = demo_document()
    document["settings"]["format"]["pixel_aspect"] = aspect  # 1e400 loaded, then render divided by 0
    error = refused(tmp_path, registry, json.dumps(document))
    assert error.location == "settings.format" and message in error.problem
    with pytest.raises(ValueError, match="pixel aspect"):
        Project(pixel_aspect=aspect)
    document["settings"]["format"]["pixel_aspect"] = 2.0  # anamorphic
    assert Project.from_json(json.dumps(document), registry).settings.format.pixel_aspect == 2.0


@AT_ONCE
@pytest.mark.parametrize(
    ("frame_range", "message"),
    [("1-" + "9" * 5000, "not a frame range"), ("1-2000000000", "within ±1,000,000,000")],
)
def test_frame_ranges_stay_within_a_billion(tmp_path, registry, frame_range, message):
    document = demo_document()
    document["settings"]["frame_range"] = frame_range
    error = refused(tmp_path, registry, json.dumps(document))
    assert error.location == "settings.frame_range" and message in error.problem


@AT_ONCE
def test_state_nested_deeper_than_the_limit_is_refused_at_load(tmp_path, registry):
    # ~330 levels loaded and rendered, then every save and autosave raised RecursionError
    error = refused(
        tmp_path, registry, with_raw(demo_document(), ("nodes", 2, "state", "layout"), nested(330))
    )
    assert error.location.startswith("nodes[2].state.layout[0][0]") and "levels" in error.location
    assert f"nested more than {MAX_DEPTH} levels deep" in error.problem
    # deeper than the JSON parser's own stack: still a ProjectError
    error = refused(
        tmp_path, registry, with_raw(demo_document(), ("nodes", 2, "state", "layout"), nested(5000))
    )
    assert "nested too deeply" in error.problem


@AT_ONCE
def test_state_at_the_depth_limit_loads_saves_and_reloads(tmp_path, registry):
    # document > nodes > node > state > "layout": 4 levels above the nested lists
    text = with_raw(demo_document(), ("nodes", 2, "state", "layout"), nested(MAX_DEPTH - 4))
    saved = Project.from_json(text, registry).save(tmp_path / "deep.fsproj")
    again = Project.load(saved, registry)
    assert again.to_json() == saved.read_text(encoding="utf-8")


@AT_ONCE
def test_a_state_the_file_could_not_hold_is_refused_at_save_and_the_file_kept(tmp_path, registry):
    project = Project.from_json(DEMO.read_text(encoding="utf-8"), registry)
    path = project.save(tmp_path / "shot.fsproj")
    good = path.read_bytes()
    deep: list[Any] = []
    for _ in range(400):
        deep = [deep]
    project.graph.set_state(project["Caption"].uuid, {"layout": deep})
    with pytest.raises(ProjectError) as caught:
        project.save()
    assert caught.value.location.startswith("nodes[2].state.layout") and "cannot be saved" in str(
        caught.value
    )
    project.graph.set_state(project["Caption"].uuid, {"name": "\ud800"})  # no UTF-8 for a lone surrogate
    with pytest.raises(ProjectError, match="unpaired surrogate"):
        project.save()
    assert path.read_bytes() == good


@AT_ONCE
def test_unpaired_surrogates_are_refused_at_load(tmp_path, registry):
    error = refused(tmp_path, registry, with_raw(demo_document(), ("nodes", 0, "name"), '"Plate\\ud800"'))
    assert error.location == "nodes[0].name" and "unpaired surrogate" in error.problem
    # a proper pair is an emoji, and fine
    loaded = Project.from_json(
        with_raw(demo_document(), ("nodes", 0, "name"), '"Plate\\ud83c\\udfac"'), registry
    )
    assert loaded.nodes[0].name == "Plate\U0001f3ac"


@AT_ONCE
def test_files_beyond_the_size_limit_are_refused_without_reading_them_whole(tmp_path, registry, monkeypatch):
    monkeypatch.setattr(project_file, "MAX_FILE_BYTES", 2**20)
    padded = tmp_path / "padded.fsproj"
    padded.write_text(DEMO.read_text(encoding="utf-8") + " " * 2**20)
    with pytest.raises(ProjectError, match="larger than 1 MiB"):
        Project.load(padded, registry)
    with pytest.raises(ProjectError, match="larger than 1 MiB"):
        Project.load(Path("/dev/zero"), registry)  # endless: only the limit is read


@AT_ONCE
def test_a_loop_of_links_is_refused_at_the_link_that_closes_it(registry):
    document = {
        "filmstudio": {"schema": 1},
        "settings": {"fps": 24, "frame_range": "1-10", "format": {"width": 8, "height": 8}},
        "nodes": [{"uuid": n, "type": "Grade", "name": n} for n in ("a", "b", "c", "d")],
        "links": [
            {"source": s, "source_port": "image", "target": t, "target_port": port}
            for s, t, port in (
                ("c", "a", "source"),
                ("a", "b", "source"),
                ("d", "c", "mask"),
                ("b", "c", "source"),
            )
        ],
    }
    with pytest.raises(ProjectError) as caught:
        Project.from_json(json.dumps(document), registry)
    assert caught.value.location == "links[3]" and "would make a loop" in caught.value.problem


def test_whole_number_parameters_fit_64_bits():
    seed = IntParam("seed", 0, minimum=0)
    assert seed.coerce(2**64 - 1) == 2**64 - 1  # unsigned 64-bit seeds are fine
    for huge in (2**64, 1e300, -(2**63) - 1):
        with pytest.raises(ParameterError, match="64 bits"):
            seed.coerce(huge)
