"""The demo project mutated at random places with what hostile files hold (huge whole numbers,
numbers beyond a float, rates with huge exponents, deep nesting, wrong types, long or broken text):
loading either refuses it with a ProjectError naming the file, or gives a project that saves and
reloads to the same text. Whatever loads must save.

Derandomized with a modest example count, so CI runs the same few hundred files in seconds; set
FILMSTUDIO_FUZZ_EXAMPLES for a longer hunt.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filmstudio.core.errors import ProjectError
from filmstudio.core.project import Project

DEMO_TEXT = (Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo.fsproj").read_text(
    encoding="utf-8"
)
NAME = Path("mutated.fsproj")


class Raw(str):
    """JSON text placed as is (Python's json cannot write 1e400 or 5,000 digits)."""


def nested(depth: int, kind: str) -> Raw:
    return Raw("[" * depth + "]" * depth if kind == "list" else '{"a": ' * depth + "1" + "}" * depth)


HOSTILE = st.one_of(
    # whole numbers: around the 64-bit edges, past float's range, past json's 4,300 digits
    st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63) - 1, 10**400, 2**31, 10**9 + 1]),
    st.integers(-(10**25), 10**25),
    st.integers(18, 6000).map(lambda digits: Raw("9" * digits)),
    # numbers beyond a float (1e400 parses as inf) and below it (1e-400 is 0.0)
    st.sampled_from(["1e400", "-1e400", "1e-400", "2.5e-320", "1e308", "-0.0"]).map(Raw),
    st.floats(allow_nan=False, allow_infinity=False),
    # text: rates with huge exponents, numbers as text, long strings, a lone surrogate
    st.sampled_from(["1e999999999", "1e-9999999", "30000/1001", "23.976", "1/0", "NaN", "0", "-24", ""]),
    st.integers(1_000, 200_000).map(lambda length: "x" * length),
    st.integers(20, 6_000).map(lambda digits: "9" * digits),
    st.just(Raw('"\\ud800"')),
    st.text(max_size=12),
    # nesting around the limit and far beyond it
    st.builds(
        nested, st.sampled_from([2, 50, 96, 97, 99, 101, 330, 2000]), st.sampled_from(["list", "dict"])
    ),
    # wrong types
    st.sampled_from([None, True, False, [], {}, [1, 2], {"keys": []}, {"keys": [[1, 2, "hold"]]}]),
)


def _places(value: Any, prefix: tuple = ()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _places(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _places(child, (*prefix, index))


def mutate(data: st.DataObject) -> str:
    """The demo with one to three values replaced, or a node's state given a new entry."""
    document = json.loads(DEMO_TEXT)
    raw: list[str] = []

    def placed(value: Any) -> Any:
        if isinstance(value, Raw):
            raw.append(value)
            return f"@@raw{len(raw) - 1}@@"
        return value

    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        value = placed(data.draw(HOSTILE, label="value"))
        nodes = document.get("nodes")
        nodes = [n for n in nodes if isinstance(n, dict)] if isinstance(nodes, list) else []
        if nodes and data.draw(st.booleans(), label="into a state"):
            node = data.draw(st.sampled_from(nodes), label="node")
            if not isinstance(node.get("state"), dict):
                node["state"] = {}
            node["state"][data.draw(st.sampled_from(["entry", "takes", "tracks"]), label="key")] = value
            continue
        # below the top level (a damaged header is the old fuzz test's, and too easy a refusal)
        places = [p for p in _places(document) if len(p) > 1 and p[0] != "filmstudio"]
        place = data.draw(st.sampled_from(places), label="place")
        parent = document
        for step in place[:-1]:
            parent = parent[step]
        parent[place[-1]] = value
    text = json.dumps(document, indent=1)
    for index, value in enumerate(raw):
        text = text.replace(f'"@@raw{index}@@"', value)
    return text


@pytest.mark.timeout(120, method="thread")  # a hang (minutes, once) fails the run instead of stalling it
@settings(
    max_examples=int(os.environ.get("FILMSTUDIO_FUZZ_EXAMPLES", "150")),
    derandomize=True,
    deadline=2000,  # milliseconds per file: loads take a few; a regression took minutes
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    database=None,
)
@given(data=st.data())
def test_a_hostile_file_is_refused_or_saves_and_reloads_unchanged(registry, data):
    text = mutate(data)
    try:
        project = Project.from_json(text, registry, NAME)
    except ProjectError as error:
        assert str(error).startswith(str(NAME))
        return
    saved = project.to_json()
    saved.encode("utf-8")  # what the file gets: a lone surrogate would fail only here
    again = Project.from_json(saved, registry, NAME)
    assert again.to_json() == saved
