"""Grouping a batch of evaluation contexts into runs a model can take in one call.

The scheduler hands a model node several frames at once (:mod:`filmstudio.engine.batching`); they
can run as one tensor batch only where their parameter values and input sizes agree (an animated
parameter or a format change splits the batch). Runs on the model worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def evaluate_in_groups(
    contexts: Sequence[Any], input_name: str, run: Callable[[Any, Any], list[Any]]
) -> list[Any]:
    """Results for ``contexts`` in order: frames whose parameters and ``input_name`` shapes agree
    are stacked into ``[N, C, H, W]`` and passed with the first context to ``run(ctx, batch)``,
    which returns one result per frame. Contexts without that input give None."""
    import torch

    results: list[Any] = [None] * len(contexts)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, ctx in enumerate(contexts):
        source = ctx.input(input_name)
        if source is None:
            continue
        key = (tuple(ctx.params.items()), tuple(source.shape), str(source.device), ctx.scale, ctx.project_dir)
        groups.setdefault(key, []).append(index)
    for indices in groups.values():
        batch = torch.stack([contexts[i].input(input_name) for i in indices])
        for index, result in zip(indices, run(contexts[indices[0]], batch), strict=True):
            results[index] = result
    return results
