"""FilmStudio's pytest plugin (entry point ``pytest11``): fixtures for testing node types.

Installed with FilmStudio, so a plugin package's tests get them with no conftest::

    def test_brighten(node_harness):
        harness = node_harness(Brighten, params={"gain": 2.0}, inputs={"source": image})
        assert torch.equal(harness.evaluate(frame=1), image * 2)
        harness.node.set(gain=3.0)            # edit like a script; the cache follows
        assert torch.equal(harness.evaluate(frame=1), image * 3)

Importing this module stays cheap (pytest loads it in every run): the engine and torch load when
a test first makes a harness.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from filmstudio.testing import NodeHarness


@pytest.fixture
def node_harness() -> Iterator[Callable[..., NodeHarness]]:
    """A factory of :class:`filmstudio.testing.NodeHarness` (same arguments); every harness it
    made is closed (its engine's threads stopped) when the test ends."""
    from filmstudio.testing import NodeHarness

    made: list[NodeHarness] = []

    def make(*args: Any, **kwargs: Any) -> NodeHarness:
        harness = NodeHarness(*args, **kwargs)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()
