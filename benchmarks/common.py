"""What several benchmarks share (run as scripts, they import this from their own folder)."""

from __future__ import annotations

import time
from pathlib import Path


def timed_render(project, output: Path, frames: int | None = None) -> float:
    """Seconds :func:`filmstudio.render.export.render` takes to write ``project``'s Write to
    ``output``; checks that it wrote ``frames`` frames (default: up to the range's last frame)."""
    from filmstudio.render.export import render

    started = time.perf_counter()
    result = render(project, output=output)
    elapsed = time.perf_counter() - started
    expected = frames if frames is not None else project.settings.frame_range.last
    assert result.frames == expected, result
    return elapsed
