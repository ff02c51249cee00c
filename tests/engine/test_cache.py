"""The frame cache: byte budgets, cost-weighted eviction, VRAM demotion, statistics."""

from __future__ import annotations

import numpy as np

from filmstudio.engine.cache import MISSING, RAM, VRAM, FrameCache


def frame(megabytes: float) -> np.ndarray:
    return np.zeros(int(megabytes * 1e6), dtype=np.uint8)


def test_budget_is_respected_and_statistics_count():
    cache = FrameCache(ram_budget=int(3.5e6))
    for index in range(5):
        cache.put(index, frame(1), cost=0.01)
    stats = cache.stats()
    assert stats.ram_bytes <= 3.5e6 and stats.entries == 3 and stats.evictions == 2
    assert cache.get(0) is MISSING and cache.get(4) is not MISSING
    assert (cache.stats().hits, cache.stats().misses) == (1, 1) and cache.stats().hit_rate == 0.5
    cache.put("huge", frame(10))
    assert "huge" not in cache  # larger than the whole budget: not stored, nothing evicted for it
    assert cache.stats().entries == 3


def test_expensive_frames_outlive_cheap_ones_of_the_same_size():
    cache = FrameCache(ram_budget=int(4.5e6))
    cache.put("upscale", frame(1), cost=2.0)
    for index in range(10):
        cache.put(("grade", index), frame(1), cost=0.002)
    assert "upscale" in cache  # four cheap frames came and went around it


def test_unused_entries_age_out_even_if_they_were_expensive():
    cache = FrameCache(ram_budget=int(2.5e6))
    cache.put("old", frame(1), cost=0.05)
    for index in range(200):  # the clock rises past the old entry's priority
        cache.put(index, frame(1), cost=0.01)
        cache.get(index)
    assert "old" not in cache


def test_vram_entries_are_demoted_to_ram_before_being_dropped():
    def pool_of(value):
        return VRAM if isinstance(value, tuple) and value[0] == "gpu" else RAM

    def demote(value):
        return ("host", value[1])

    cache = FrameCache(ram_budget=int(10e6), vram_budget=int(2.5e6), pool_of=pool_of, demote=demote)
    for index in range(4):
        cache.put(index, ("gpu", frame(1)), cost=0.1)
    stats = cache.stats()
    assert stats.vram_bytes <= 2.5e6 and stats.demotions == 2 and stats.evictions == 0
    assert cache.get(0)[0] == "host" and cache.get(3)[0] == "gpu"


def test_budgets_can_shrink_live():
    cache = FrameCache(ram_budget=int(10e6))
    for index in range(8):
        cache.put(index, frame(1))
    cache.set_budgets(ram=int(2e6))
    assert cache.stats().ram_bytes <= 2e6 and len(cache) == 2
    cache.clear()
    assert len(cache) == 0 and cache.stats().ram_bytes == 0


def test_a_link_is_cached_as_long_as_its_entry_and_costs_no_memory():
    """A pass-through result (a Dot, a faded-out Title) is linked to the entry that holds it."""
    cache = FrameCache(ram_budget=int(2.5e6))
    grade = frame(1)
    cache.put("grade", grade, cost=0.01)
    cache.link("dot", "grade", None, grade)
    cache.link("title", "dot", None, grade)  # a pass-through of a pass-through
    assert "dot" in cache and cache.get("title") is grade
    assert (cache.stats().entries, cache.stats().ram_bytes) == (1, grade.nbytes)
    cache.put("grade", grade, cost=0.01)  # the same result again: still linked
    assert "title" in cache
    for index in range(3):  # the clock rises past the grade: it goes, and its links with it
        cache.put(index, frame(1), cost=0.01)
        cache.get(index)
    assert "grade" not in cache and "dot" not in cache and cache.get("title") is MISSING
    cache.link("dot", "grade", None, grade, cost=1.0)  # its source is gone: kept under its own key
    assert cache.get("dot") is grade and cache.stats().ram_bytes <= 2.5e6


def test_a_link_to_one_output_of_a_node_of_several():
    cache = FrameCache()
    outputs = {"mask": frame(0.5), "image": frame(1)}
    cache.put("segmenter", outputs)
    cache.link("dot", "segmenter", "mask", outputs["mask"])
    cache.link("switch", "dot", None, outputs["mask"])
    assert cache.get("switch") is outputs["mask"] and cache.stats().entries == 1
    cache.clear()
    assert "switch" not in cache and "dot" not in cache


def test_a_link_follows_its_entry_from_vram_to_ram():
    cache = FrameCache(
        vram_budget=int(1.5e6),
        pool_of=lambda v: VRAM if v[0] == "gpu" else RAM,
        demote=lambda v: ("host", v[1]),
    )
    upscaled = ("gpu", frame(1))
    cache.put("upscale", upscaled, cost=1.0)
    cache.link("caption", "upscale", None, upscaled)
    cache.put("other", ("gpu", frame(1)), cost=2.0)  # VRAM is full: the upscale moves to RAM
    assert cache.stats().demotions == 1 and cache.get("caption")[0] == "host"
