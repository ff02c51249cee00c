"""Node types that exist only for tests: they count, sleep, fail and make takes on purpose."""

from __future__ import annotations

import random
import threading
from typing import Any

from filmstudio.core.node import Device, Input, Node, Output
from filmstudio.core.params import FloatParam, IntParam
from filmstudio.core.types import PortType

_lock = threading.Lock()


class CountingSource(Node):
    """A time-invariant scalar image whose ``value`` is animatable (counts its evaluations on the
    engine's own counter; here only the output matters)."""

    id = "test.CountingSource"
    category = "Test"
    outputs = (Output("image", PortType.IMAGE),)
    params = (FloatParam("value", 1.0),)

    def evaluate(self, ctx: Any) -> Any:
        import torch

        width, height = ctx.size
        return torch.full((4, height, width), ctx.params.value)


class FrameNumber(Node):
    """A time-dependent source: every pixel holds the frame number."""

    id = "test.FrameNumber"
    category = "Test"
    outputs = (Output("image", PortType.IMAGE),)
    time_dependent = True

    def evaluate(self, ctx: Any) -> Any:
        import torch

        width, height = ctx.size
        return torch.full((4, height, width), float(ctx.frame))


class Slow(Node):
    """Works for ``seconds`` in 5 ms slices, checking its cancel token between slices."""

    id = "test.Slow"
    category = "Test"
    inputs = (Input("source", PortType.IMAGE, optional=True),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (FloatParam("seconds", 1.0, animatable=False),)
    device = Device.CPU
    started = threading.Event()

    def evaluate(self, ctx: Any) -> Any:
        type(self).started.set()
        slices = int(ctx.params.seconds / 0.005)
        for _ in range(slices):
            ctx.check_cancelled()
            ctx.cancel.wait(0.005)
        return ctx.input("source")


class Failing(Node):
    id = "test.Failing"
    category = "Test"
    inputs = (Input("source", PortType.IMAGE, optional=True),)
    outputs = (Output("image", PortType.IMAGE),)

    def evaluate(self, ctx: Any) -> Any:
        raise ZeroDivisionError("the test node always fails")


class Split(Node):
    """Two outputs: the image and its alpha as a mask."""

    id = "test.Split"
    category = "Test"
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("rgb", PortType.IMAGE), Output("alpha", PortType.MASK))

    def evaluate(self, ctx: Any) -> Any:
        source = ctx.input("source")
        return {"rgb": source, "alpha": source[3:4]}


class TrackReader(Node):
    """Takes a Track (to exercise type mismatches)."""

    id = "test.TrackReader"
    category = "Test"
    inputs = (Input("track", PortType.TRACK),)
    outputs = (Output("value", PortType.NUMBER),)

    def evaluate(self, ctx: Any) -> Any:
        return 0.0


class Seeded(Node):
    """A generative node like a GAN: each take is a new random seed; rendering uses the active take."""

    id = "test.Seeded"
    category = "Test"
    outputs = (Output("image", PortType.IMAGE),)
    params = (IntParam("size", 4, animatable=False),)

    def generate_take(self, ctx: Any) -> dict[str, Any]:
        return {"seed": random.randrange(2**31)}

    def evaluate(self, ctx: Any) -> Any:
        import torch

        seed = ctx.take["seed"] if ctx.take else 0
        generator = torch.Generator().manual_seed(seed)
        width, height = ctx.size
        return torch.rand((4, height, width), generator=generator)


TEST_NODES = (CountingSource, FrameNumber, Slow, Failing, Split, TrackReader, Seeded)
