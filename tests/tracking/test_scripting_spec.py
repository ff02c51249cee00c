"""Node.scripting: the methods a node type offers scripts are checked when the class is defined."""

from __future__ import annotations

import pytest

from filmstudio.api import Node, Output, PortType
from filmstudio.core.errors import NodeSpecError


def test_scripting_must_name_methods_of_the_class():
    with pytest.raises(
        NodeSpecError,
        match=r"(?s)scripting names 'missing', which is not a method.*'evaluate', a method the engine calls",
    ):

        class Broken(Node):
            id = "tests.BrokenScripting"
            outputs = (Output("image", PortType.IMAGE),)
            scripting = ("missing", "evaluate")  # evaluate is the engine's, not a script's

            def evaluate(self, ctx):
                return None
