"""Devices, precision and resident models.

Models are loaded once and stay resident on their device across frames, within a memory budget;
when a new model does not fit, the least recently used ones are dropped (and CUDA's cached blocks
released). All model work — loading, moving, running — happens on the device's model worker thread
(one per device per engine, :meth:`filmstudio.engine.executors.Executors.model_worker`); the lock
here only guards the bookkeeping when several engines share a device.

Budgets: ``$FILMSTUDIO_MODEL_MEMORY_MB`` if set, else half of a CUDA device's memory, or 4 GiB of
RAM for CPU-resident models.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

_CPU_BUDGET = 4 << 30
SMALL_CPU_WORK = 1 << 20  # elements: below this, one thread beats waking torch's other threads


def is_cuda(device: str) -> bool:
    return device.startswith("cuda")


def choose_dtype(device: str, supports_half: bool, supports_bfloat16: bool, precision: str = "auto") -> Any:
    """float16 (else bfloat16) on CUDA when the model supports it and ``precision`` is "auto";
    float32 on the CPU and for "full"."""
    import torch

    if precision != "auto" or not is_cuda(device):
        return torch.float32
    if supports_half:
        return torch.float16
    if supports_bfloat16 and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return torch.float32


def is_convolutional(module: Any) -> bool:
    """True for a network of convolutions only: channels_last helps those and can break the
    reshapes of attention models."""
    import torch

    attention = (torch.nn.Linear, torch.nn.MultiheadAttention, torch.nn.LayerNorm)
    return not any(isinstance(m, attention) for m in module.modules())


def place(module: Any, device: str, dtype: Any) -> Any:
    """Move a ``torch.nn.Module`` to ``device`` and ``dtype``, channels_last for conv nets on CUDA."""
    import torch

    module = module.to(device=device, dtype=dtype)
    if is_cuda(device) and is_convolutional(module):
        module = module.to(memory_format=torch.channels_last)
    return module.eval()


@contextmanager
def serial_when_small(tensor: Any) -> Iterator[None]:
    """torch's CPU ops on the calling thread alone while ``tensor`` (what they work on) is small.

    Around a model, finishing its output (scaling, colour conversion, placing) is a string of
    element-wise ops. torch splits any of them over 2,048 elements (transcendentals) or 32,768
    (arithmetic) across its threads, and waking them (``OMP_WAIT_POLICY=PASSIVE``) costs ~60 µs
    an op: more than a 64x64 batch's arithmetic. The count is this thread's own (OpenMP's is
    per thread) and is put back on exit; on other devices and for large tensors nothing changes."""
    import torch

    small = tensor.device.type == "cpu" and tensor.numel() < SMALL_CPU_WORK
    before = torch.get_num_threads() if small else 1
    if before == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def module_nbytes(value: Any) -> int:
    """Bytes held by the parameters and buffers of the modules in ``value`` (a module, a spandrel
    descriptor, or a tuple of them), or what a value declares as ``resident_nbytes`` (an ONNX
    session)."""
    import torch

    if isinstance(value, tuple | list):
        return sum(module_nbytes(v) for v in value)
    declared = getattr(value, "resident_nbytes", None)  # not a torch module: an ONNX session
    if isinstance(declared, int):
        return declared
    module = getattr(value, "model", value)
    if not isinstance(module, torch.nn.Module):
        return 0
    tensors = [*module.parameters(), *module.buffers()]
    return sum(t.numel() * t.element_size() for t in tensors)


def is_out_of_memory(error: BaseException) -> bool:
    """CUDA's OutOfMemoryError, or an allocator failure reported as a RuntimeError."""
    import torch

    if isinstance(error, torch.OutOfMemoryError):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def release_cached_memory(device: str) -> None:
    """Give CUDA's cached, unused blocks back (after an out-of-memory, after evicting)."""
    if is_cuda(device):
        import torch

        torch.cuda.empty_cache()


def default_budget(device: str) -> int:
    forced = os.environ.get("FILMSTUDIO_MODEL_MEMORY_MB")
    if forced:
        return int(float(forced) * (1 << 20))
    if is_cuda(device):
        import torch

        return int(torch.cuda.get_device_properties(torch.device(device)).total_memory * 0.5)
    return _CPU_BUDGET


class ResidentModels:
    """Loaded models of one device by key, least recently used evicted beyond ``budget`` bytes.

    A model larger than the whole budget is still loaded (the node needs it) but evicts everything
    else. Keys should include the file identity, dtype and device, so a replaced file reloads.
    """

    def __init__(self, device: str, budget: int) -> None:
        self.device = device
        self.budget = budget
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.RLock()
        self.loads = self.hits = self.evictions = 0

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The resident model for ``key``, loading it with ``load()`` on a miss."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[0]
            value = load()
            nbytes = module_nbytes(value)
            self._make_room(nbytes)
            self._entries[key] = (value, nbytes)
            self.loads += 1
            return value

    def _make_room(self, nbytes: int) -> None:
        evicted = False
        while self._entries and self.used_bytes + nbytes > self.budget:
            self._entries.popitem(last=False)
            self.evictions += 1
            evicted = True
        if evicted:
            release_cached_memory(self.device)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            if self._entries.pop(key, None) is not None:
                release_cached_memory(self.device)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            release_cached_memory(self.device)

    @property
    def used_bytes(self) -> int:
        return sum(nbytes for _value, nbytes in self._entries.values())

    def loaded(self) -> list[Hashable]:
        """Keys of the resident models, least recently used first."""
        with self._lock:
            return list(self._entries)


_resident: dict[str, ResidentModels] = {}
_resident_lock = threading.Lock()


def resident_models(device: str) -> ResidentModels:
    """The process-wide resident models of ``device`` ("cpu", "cuda:0", ...)."""
    with _resident_lock:
        models = _resident.get(device)
        if models is None:
            models = _resident[device] = ResidentModels(device, default_budget(device))
        return models
