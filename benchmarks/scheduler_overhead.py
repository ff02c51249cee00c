"""Scheduler overhead on a 200-node chain of Grade nodes (256x256 RGBA float32, CPU).

Measures, in one run:
  * cold: evaluating the end of the chain with an empty cache, against calling the same node
    functions directly in a loop. ``cold_ratio`` is against a loop that drops each result (it
    mostly measures the memory traffic of keeping 200 frames, see issue 2's note);
    ``keep_ratio`` is against a loop that keeps every result, as any cache of every node must:
    the scheduler's own cost on top of the same work and memory;
  * warm: evaluating it again (every node a cache hit; time per node of planning + lookup);
  * rerun: after changing node 100's gain, how many nodes run again (must be exactly 100);
  * pure per-node overhead: the same chain on 8x8 frames, where the work is nothing:
    ``overhead_us_cold`` = (cold - the keeping loop) per node, ``overhead_us_warm`` = warm per node;
  * a diagnostic line (not in RESULT): the scheduler's own Python per node, planning and running,
    with every Grade returning a ready tensor — what is left of ``overhead_us_cold`` is what that
    Python between torch ops does to them (cache pollution: see issue 19's notes).

Targets: keep_ratio <= 1.3, warm_us_per_node <= 20, rerun_nodes == 100, overhead_us_cold <= 10,
overhead_us_warm <= 5 (cold_ratio, the old target, <= 1.5).
Last line: RESULT cold_ratio=<x> keep_ratio=<x> warm_us_per_node=<x> rerun_nodes=<n>
overhead_us_cold=<x> overhead_us_warm=<x> (one line)
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as `import filmstudio` does, before torch loads
import torch

from filmstudio.core.context import EvalContext
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine
from filmstudio.engine.memory import tune_allocator
from filmstudio.engine.request import FrameRequest

CHAIN = 200
SIZE = 256
REPEATS = 9
WARMUP = 3


def build(size: int = SIZE) -> tuple[Project, list]:
    project = Project(width=size, height=size, frame_range=(1, 10))
    previous = project.add_node("Constant", color=(0.5, 0.4, 0.3, 1.0))
    grades = []
    for index in range(CHAIN):
        # gains near 1 keep values finite; each node distinct so no two share a cache key
        grade = project.add_node(
            "Grade", gain=(1.0 + index * 1e-4,) * 3 + (1.0,), offset=(0.001, 0.0, 0.0, 0.0)
        )
        project.connect(previous, grade)
        grades.append(grade)
        previous = grade
    return project, grades


def direct_loop(project: Project, grades: list, source: torch.Tensor, keep: bool = False) -> float:
    """The same Grade.evaluate calls, in a loop, with hand-made contexts (no scheduler). With
    ``keep`` the loop holds every result, as any cache of every node must."""
    settings = project.settings
    contexts = []
    for node in grades:
        contexts.append(
            EvalContext(
                node.name, 1, node.values_at(1), format=settings.format, connected=frozenset({"source"})
            )
        )
    implementation = grades[0].type.shared()
    started = time.perf_counter()
    image = source
    kept = []
    for ctx in contexts:
        ctx.inputs = {("source", 1): image}
        image = implementation.evaluate(ctx)
        ctx.inputs = {}  # a bare loop keeps only the current frame
        if keep:
            kept.append(image)
    return time.perf_counter() - started


def measure(size: int) -> tuple[float, float, float, float]:
    """Medians of (cold scheduler, direct loop, direct loop keeping every result, warm scheduler)
    seconds for the chain on ``size`` x ``size`` frames."""
    project, grades = build(size)
    last = grades[-1]
    source = torch.full((4, size, size), 0.5)
    cold, direct, kept, warm = [], [], [], []
    for repeat in range(-WARMUP, REPEATS):
        # Interleaved, so both sides see the same machine state; the first rounds warm up torch
        # and the allocator and are not counted. Medians over the counted rounds.
        direct_s = direct_loop(project, grades, source)
        kept_s = direct_loop(project, grades, source, keep=True)
        with Engine(project) as engine:
            started = time.perf_counter()
            engine.evaluate(last, 1)
            cold_s = time.perf_counter() - started
            for _ in range(5):
                started = time.perf_counter()
                engine.evaluate(last, 1)
                warm.append(time.perf_counter() - started)
        del engine  # free its cache before the next round, so both sides start from the same memory
        if repeat >= 0:
            direct.append(direct_s)
            kept.append(kept_s)
            cold.append(cold_s)
    median = statistics.median
    return median(cold), median(direct), median(kept), median(warm)


def scheduler_python(rounds: int = 40) -> tuple[float, float]:
    """Medians of (planning, running) seconds per node of a cold 8x8 chain whose Grades return a
    ready tensor: the scheduler's own Python, without the torch work it runs between (a
    diagnostic for issue 19's cold target: the rest of ``overhead_us_cold`` is what that Python
    does to the torch ops around it)."""
    project, grades = build(8)
    ready = [torch.zeros(4, 8, 8) for _ in range(CHAIN)]  # distinct results: nothing is handed on
    grade_type = grades[0].type
    counter = iter(range(1 << 62))
    plans, runs = [], []
    original = grade_type.evaluate
    grade_type.evaluate = lambda _self, _ctx: ready[next(counter) % CHAIN]  # type: ignore[method-assign]
    try:
        for _ in range(rounds):
            with Engine(project) as engine:
                started = time.perf_counter()
                planned = engine.plan(FrameRequest.at(grades[-1], 1))
                between = time.perf_counter()
                engine.execute_frames(planned)
                plans.append(between - started)
                runs.append(time.perf_counter() - between)
    finally:
        grade_type.evaluate = original  # type: ignore[method-assign]
    per_node = CHAIN + 1
    return statistics.median(plans) / per_node, statistics.median(runs) / per_node


def main() -> int:
    torch.set_num_threads(max(1, torch.get_num_threads()))
    tune_allocator()  # what Engine does; applied here so both sides run with it
    cold_s, direct_s, kept_s, warm_s = measure(SIZE)
    tiny_cold, _tiny_direct, tiny_kept, tiny_warm = measure(8)
    project, grades = build()
    last = grades[-1]

    with Engine(project) as engine:
        engine.evaluate(last, 1)
        before = sum(engine.scheduler.evaluations.values())
        grades[100].set(gain=(1.5, 1.5, 1.5, 1.0))
        engine.evaluate(last, 1)
        rerun_nodes = sum(engine.scheduler.evaluations.values()) - before
        project.undo()

    cold_ratio = cold_s / direct_s
    warm_us = warm_s / (CHAIN + 1) * 1e6
    print(
        f"chain of {CHAIN} Grade nodes on {SIZE}x{SIZE} RGBA float32, {torch.get_num_threads()} torch threads"
    )
    overhead_us = (cold_s - direct_s) / CHAIN * 1e6
    print(f"cold scheduler  {cold_s * 1e3:8.2f} ms  ({overhead_us:.1f} us overhead per node)")
    print(f"direct loop     {direct_s * 1e3:8.2f} ms")
    print(
        f"direct loop that keeps every result {kept_s * 1e3:.2f} ms: caching every node costs "
        f"{kept_s / direct_s:.2f}x by itself; the scheduler over that loop is {cold_s / kept_s:.2f}x"
    )
    print(f"warm (all hits) {warm_s * 1e3:8.2f} ms  ({warm_us:.1f} us per node)")
    print(f"after editing node 100: {rerun_nodes} nodes re-ran")
    plan_s, run_s = scheduler_python()
    print(
        f"the scheduler's own Python (8x8, evaluate returning a ready tensor): planning "
        f"{plan_s * 1e6:.1f} us + running {run_s * 1e6:.1f} us per node"
    )
    overhead_cold = (tiny_cold - tiny_kept) / CHAIN * 1e6
    overhead_warm = tiny_warm / (CHAIN + 1) * 1e6
    print(
        f"8x8 frames (no work to speak of): cold {tiny_cold * 1e3:.2f} ms, keeping loop "
        f"{tiny_kept * 1e3:.2f} ms, warm {tiny_warm * 1e3:.2f} ms"
    )
    print(
        f"RESULT cold_ratio={cold_ratio:.3f} keep_ratio={cold_s / kept_s:.3f} "
        f"warm_us_per_node={warm_us:.1f} rerun_nodes={rerun_nodes} "
        f"overhead_us_cold={overhead_cold:.1f} overhead_us_warm={overhead_warm:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
