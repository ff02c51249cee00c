"""The frame cache: results by cache key, within byte budgets, evicting by recompute value.

Eviction is GreedyDual-Size-Frequency ("LRU weighted by recompute cost"): each entry has a priority
``clock + cost / bytes`` refreshed on every hit; the lowest goes first, and the clock rises to the
evicted priority so entries that are not used age out. A 2 ms colour tweak of a 30 MB frame goes
long before a 2 s upscale of the same size.

GPU tensors count against a separate VRAM budget; when that is full the coldest VRAM entries are
demoted to RAM (copied to the host) rather than dropped. All methods are thread-safe.

A node that hands on one of its inputs unchanged (a Dot, a Switch, a faded-out Title) is
:meth:`FrameCache.link`-ed to the entry that holds the value: its key is cached for as long as that
entry is, hits on it refresh that entry, and the frame's memory is counted once.
"""

from __future__ import annotations

import heapq
import itertools
import sys
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

MISSING: Any = object()
RAM, VRAM = "ram", "vram"


@dataclass(frozen=True)
class CacheStats:
    """A snapshot for the memory readout and the timeline's cache bar."""

    hits: int
    misses: int
    entries: int
    ram_bytes: int
    vram_bytes: int
    ram_budget: int
    vram_budget: int
    evictions: int
    demotions: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


class _Entry:
    __slots__ = ("cost", "nbytes", "pool", "priority", "serial", "value")

    def __init__(self, value: Any, nbytes: int, cost: float, pool: str) -> None:
        self.value = value
        self.nbytes = nbytes
        self.cost = cost
        self.pool = pool
        self.priority = 0.0
        self.serial = 0


def value_nbytes(value: Any) -> int:
    """Bytes held by a node result: tensors and arrays by their data, containers summed."""
    nbytes = getattr(value, "nbytes", None)  # torch tensors and numpy arrays
    if isinstance(nbytes, int):
        return nbytes
    if isinstance(value, dict):
        return sum(value_nbytes(v) for v in value.values()) + sys.getsizeof(value)
    if isinstance(value, list | tuple):
        return sum(value_nbytes(v) for v in value) + sys.getsizeof(value)
    return sys.getsizeof(value)


def value_pool(value: Any) -> str:
    """VRAM if the result holds a GPU tensor, else RAM."""
    if getattr(value, "is_cpu", False) is True:  # a torch tensor in host memory (the common case)
        return RAM
    device = getattr(value, "device", None)
    if device is not None and getattr(device, "type", "cpu") != "cpu":
        return VRAM
    if isinstance(value, dict):
        return VRAM if any(value_pool(v) == VRAM for v in value.values()) else RAM
    return RAM


def to_host(value: Any) -> Any:
    """Copy a result's GPU tensors to the CPU (for demotion from VRAM to RAM)."""
    if hasattr(value, "device") and hasattr(value, "cpu"):
        return value.cpu()
    if isinstance(value, dict):
        return {k: to_host(v) for k, v in value.items()}
    return value


class FrameCache:
    """Node results by cache key with separate RAM and VRAM byte budgets."""

    def __init__(
        self,
        ram_budget: int = 2 << 30,
        vram_budget: int = 1 << 30,
        *,
        pool_of: Callable[[Any], str] = value_pool,
        demote: Callable[[Any], Any] = to_host,
    ) -> None:
        self._budgets = {RAM: int(ram_budget), VRAM: int(vram_budget)}
        self._pool_of = pool_of
        self._demote = demote
        self._entries: dict[Hashable, _Entry] = {}
        # Keys of pass-through results -> (the entry's key, the output port of a dict value or
        # None), and each entry's key -> the keys linked to it (so that they go when it goes).
        self._links: dict[Hashable, tuple[Hashable, str | None]] = {}
        self._linked: dict[Hashable, set[Hashable]] = {}
        self._heaps: dict[str, list[tuple[float, int, Hashable]]] = {RAM: [], VRAM: []}
        self._bytes = {RAM: 0, VRAM: 0}
        self._clock = 0.0
        self._serial = itertools.count()
        self._lock = threading.Lock()
        self.hits = self.misses = self.evictions = self.demotions = 0

    def get(self, key: Hashable) -> Any:
        """The cached value, or :data:`MISSING`; a hit refreshes the entry's priority."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self.hits += 1
                self._touch(key, entry)
                return entry.value
            link = self._links.get(key)
            entry = self._entries.get(link[0]) if link is not None else None
            if entry is None:
                self.misses += 1
                return MISSING
            self.hits += 1
            self._touch(link[0], entry)
            return entry.value if link[1] is None else entry.value[link[1]]

    def __contains__(self, key: Hashable) -> bool:
        """Whether ``key`` is cached, without counting a hit or miss (for the cache bar)."""
        if key in self._entries:
            return True
        link = self._links.get(key)
        return link is not None and link[0] in self._entries

    def put(self, key: Hashable, value: Any, cost: float = 0.0) -> None:
        """Store ``value`` that took ``cost`` seconds to compute. Values larger than their whole
        budget are not stored."""
        nbytes, pool = max(1, value_nbytes(value)), self._pool_of(value)
        with self._lock:
            self._put(key, value, cost, nbytes, pool)

    def link(self, key: Hashable, source: Hashable, port: str | None, value: Any, cost: float = 0.0) -> None:
        """Hold under ``key`` the value held under ``source`` (its ``port`` when that value is a
        dict of outputs), which is ``value``: a node's result that is its input unchanged. It costs
        no memory and stays cached exactly as long as the value under ``source``. When ``source``
        is not held (evicted meanwhile), ``value`` is stored under ``key`` like :meth:`put`."""
        nbytes, pool = max(1, value_nbytes(value)), self._pool_of(value)
        with self._lock:
            target = self._links.get(source)
            if target is None:
                target = (source, port)
            elif port is not None:  # a port of a linked value: one hop must name at most one port
                target = (target[0], port) if target[1] is None else None
            if target is None or target[0] not in self._entries or target[0] == key:
                self._put(key, value, cost, nbytes, pool)
                return
            self._remove(key)
            self._links[key] = target
            self._linked.setdefault(target[0], set()).add(key)

    def _put(self, key: Hashable, value: Any, cost: float, nbytes: int, pool: str) -> None:
        if self._links:
            self._unlink(key)
        old = self._entries.pop(key, None)
        if old is not None:  # the same result again: keys linked to it stay
            self._bytes[old.pool] -= old.nbytes
        if nbytes <= self._budgets[pool]:
            self._insert(key, value, nbytes, cost, pool)
        elif pool == VRAM:
            self._insert(key, self._demote(value), nbytes, cost, RAM)
        if self._linked and key not in self._entries:
            self._forget_links_to(key)

    def _remove(self, key: Hashable) -> None:
        """Drop whatever ``key`` holds: its entry (and the keys linked to it) or its link."""
        self._unlink(key)
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes[entry.pool] -= entry.nbytes
            self._forget_links_to(key)

    def _unlink(self, key: Hashable) -> None:
        target = self._links.pop(key, None)
        if target is not None:
            linked = self._linked.get(target[0])
            if linked is not None:
                linked.discard(key)
                if not linked:
                    del self._linked[target[0]]

    def _forget_links_to(self, key: Hashable) -> None:
        for linked in self._linked.pop(key, ()):
            self._links.pop(linked, None)

    def _insert(self, key: Hashable, value: Any, nbytes: int, cost: float, pool: str) -> None:
        if nbytes > self._budgets[pool]:
            return
        entry = _Entry(value, nbytes, max(cost, 1e-9), pool)
        self._entries[key] = entry
        self._bytes[pool] += nbytes
        self._touch(key, entry)
        if self._bytes[pool] > self._budgets[pool]:
            self._shrink(pool)

    def _touch(self, key: Hashable, entry: _Entry) -> None:
        entry.priority = self._clock + entry.cost / entry.nbytes
        entry.serial = next(self._serial)
        heap = self._heaps[entry.pool]
        heapq.heappush(heap, (entry.priority, entry.serial, key))
        if len(heap) > 4 * len(self._entries) + 64:  # drop stale heap items now and then
            self._heaps[entry.pool] = heap = [
                (e.priority, e.serial, k) for k, e in self._entries.items() if e.pool == entry.pool
            ]
            heapq.heapify(heap)

    def _shrink(self, pool: str) -> None:
        heap = self._heaps[pool]
        while self._bytes[pool] > self._budgets[pool] and heap:
            priority, serial, key = heapq.heappop(heap)
            entry = self._entries.get(key)
            if entry is None or entry.serial != serial or entry.pool != pool:
                continue  # stale heap item
            del self._entries[key]
            self._bytes[pool] -= entry.nbytes
            self._clock = max(self._clock, priority)
            if pool == VRAM:
                self.demotions += 1
                self._insert(key, self._demote(entry.value), entry.nbytes, entry.cost, RAM)
            else:
                self.evictions += 1
            if key not in self._entries:
                self._forget_links_to(key)

    def set_budgets(self, ram: int | None = None, vram: int | None = None) -> None:
        """Change the budgets (a user setting); shrinks at once if needed."""
        with self._lock:
            if ram is not None:
                self._budgets[RAM] = int(ram)
            if vram is not None:
                self._budgets[VRAM] = int(vram)
            self._shrink(VRAM)
            self._shrink(RAM)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._links.clear()
            self._linked.clear()
            self._heaps = {RAM: [], VRAM: []}
            self._bytes = {RAM: 0, VRAM: 0}

    def __len__(self) -> int:
        return len(self._entries)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                hits=self.hits,
                misses=self.misses,
                entries=len(self._entries),
                ram_bytes=self._bytes[RAM],
                vram_bytes=self._bytes[VRAM],
                ram_budget=self._budgets[RAM],
                vram_budget=self._budgets[VRAM],
                evictions=self.evictions,
                demotions=self.demotions,
            )
