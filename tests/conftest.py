"""Shared fixtures. Every test must leave no thread running (napari's habit): an engine that is
not closed, or a pool left working, fails the test that leaked it."""

from __future__ import annotations

import os
import threading
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("FILMSTUDIO_DEVICE", "cpu")  # tests are deterministic on CPU; gpu tests opt in

from filmstudio.core.project import Project
from filmstudio.core.registry import NodeRegistry
from filmstudio.engine.engine import Engine
from filmstudio_nodes import NODES
from tests.helpers import TEST_NODES


@pytest.fixture(autouse=True)
def no_leaked_threads():
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    while True:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        leaked = [t for t in leaked if not t.name.startswith(("QDBus", "pydevd", "asyncio"))]
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert not leaked, f"threads left running after the test: {[t.name for t in leaked]}"


@pytest.fixture
def registry() -> NodeRegistry:
    """The built-in nodes plus the test nodes (counting, slow, multi-output, takes)."""
    return NodeRegistry([*NODES, *TEST_NODES])


@pytest.fixture
def project(registry: NodeRegistry) -> Project:
    """A small 64x36 project, frames 1-100."""
    return Project(fps=24, frame_range=(1, 100), width=64, height=36, registry=registry)


@pytest.fixture
def engine(project: Project):
    with Engine(project, cpu_workers=2) as running:
        yield running
