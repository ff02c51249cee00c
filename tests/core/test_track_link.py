"""Positions declared with follows_track: what the declaration adds, and the mistakes it refuses."""

from __future__ import annotations

import pytest

from filmstudio.core.errors import NodeSpecError
from filmstudio.core.node import Input, Node, Output
from filmstudio.core.params import FloatParam, FollowTrack, IntParam, Units, VectorParam
from filmstudio.core.types import PortType


def test_a_followed_position_brings_its_track_parameters_and_input():
    class Pinned(Node):
        id = "test.Pinned"
        outputs = (Output("image", PortType.IMAGE),)
        params = (
            VectorParam("spot", (0.5, 0.5), follows_track=FollowTrack(units=Units.FRAME)),
            FloatParam("size", 1.0),
            VectorParam("anchor", follows_track=FollowTrack(relative=False)),
        )

        def evaluate(self, ctx):
            return None

    assert [p.name for p in Pinned.params] == [
        "spot", "spot_track", "spot_track_frame", "size", "anchor", "anchor_track",
    ]  # fmt: skip
    assert Pinned.inputs == (Input("track", PortType.TRACK, optional=True),)  # one, shared
    assert [link.param for link in Pinned.track_links] == ["spot", "anchor"]
    assert Pinned.param("spot_track").default == "" and Pinned.param("spot_track_frame").default == 1

    class Child(Pinned):  # inherited declarations are not added twice
        id = "test.PinnedChild"

    assert [p.name for p in Child.params] == [p.name for p in Pinned.params]


def test_declaration_mistakes_are_reported_with_the_others():
    with pytest.raises(NodeSpecError) as caught:

        class Wrong(Node):
            id = "test.Wrong"
            inputs = (Input("track", PortType.IMAGE),)
            outputs = (Output("image", PortType.IMAGE),)
            params = (
                VectorParam("colour", (1.0, 1.0, 1.0), follows_track=True),
                VectorParam("spot", follows_track=True),
                VectorParam("corner", follows_track=FollowTrack(relative=False, at_frame="size")),
                VectorParam("other", follows_track=FollowTrack(at_frame="frame")),
                FloatParam("size", 1.0),
                IntParam("frame", 1),
            )

            def evaluate(self, ctx):
                return None

    problems = "\n".join(caught.value.problems)
    assert "'colour': only 2-component vectors (positions) can follow a track" in problems
    assert "'spot' follows tracks on input 'track', which must be an optional Track input" in problems
    assert "'corner' reads its track at_frame 'size', which is not an int parameter" in problems
    assert "'other': at_frame is for absolute track links" in problems
