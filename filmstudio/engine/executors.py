"""Where work runs: a CPU thread pool, one model worker thread per device, request drivers.

* CPU pool: decode/encode/numpy work (``Device.CPU`` nodes), sized to the machine.
* Model worker: one thread per compute device that owns that device's CUDA context and loaded
  models (``Device.GPU`` nodes). On a machine without CUDA the "cpu" model worker plays that part,
  so model code always runs on one thread and never contends with itself.
* Request drivers: threads that walk a request's plan and wait on the two above (so a driver
  never occupies a CPU-pool thread that node work needs).

Threads start on first use and stop in :meth:`Executors.shutdown`. torch is imported only when the
compute device is first asked for.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor


def detect_compute_device() -> str:
    """ "cuda:0" when torch sees a CUDA device, else "cpu"; ``FILMSTUDIO_DEVICE`` overrides."""
    forced = os.environ.get("FILMSTUDIO_DEVICE")
    if forced:
        return forced
    import torch

    return "cuda:0" if torch.cuda.is_available() else "cpu"


class Executors:
    """The engine's thread pools, created lazily; thread-safe."""

    def __init__(
        self,
        cpu_workers: int | None = None,
        request_workers: int = 2,
        device: str | None = None,
        finish_off_worker: bool | None = None,
    ) -> None:
        self.cpu_workers = cpu_workers or max(2, os.cpu_count() or 2)
        self.request_workers = request_workers
        self._device = device
        self.finish_off_worker = finish_off_worker  # None: when the models run on a GPU
        self._cpu: ThreadPoolExecutor | None = None
        self._requests: ThreadPoolExecutor | None = None
        self._models: dict[str, ThreadPoolExecutor] = {}
        self._lock = threading.Lock()
        self._closed = False

    @property
    def compute_device(self) -> str:
        if self._device is None:
            self._device = detect_compute_device()
        return self._device

    @property
    def finishes_off_worker(self) -> bool:
        """Whether a model batch's host-side finishing (a :class:`~filmstudio.core.node.FinishLater`)
        runs on the CPU pool while the model worker starts the next batch: by default when the
        models run on a GPU. On the CPU it would take cores from the model's own threads (the
        model's next batch slowed more than the finishing gained: gan_throughput 0.79 against
        0.84 finishing on the worker), so there it finishes on the worker."""
        if self.finish_off_worker is None:
            return self.compute_device != "cpu"
        return self.finish_off_worker

    @property
    def cpu(self) -> ThreadPoolExecutor:
        with self._lock:
            self._check_open()
            if self._cpu is None:
                self._cpu = ThreadPoolExecutor(self.cpu_workers, thread_name_prefix="filmstudio-cpu")
            return self._cpu

    @property
    def requests(self) -> ThreadPoolExecutor:
        with self._lock:
            self._check_open()
            if self._requests is None:
                self._requests = ThreadPoolExecutor(
                    self.request_workers, thread_name_prefix="filmstudio-request"
                )
            return self._requests

    def model_worker(self, device: str | None = None) -> ThreadPoolExecutor:
        """The single thread that runs model work for ``device`` (default: the compute device)."""
        device = device or self.compute_device
        with self._lock:
            self._check_open()
            worker = self._models.get(device)
            if worker is None:
                worker = ThreadPoolExecutor(1, thread_name_prefix=f"filmstudio-model-{device}")
                self._models[device] = worker
            return worker

    @property
    def closed(self) -> bool:
        """True once :meth:`shutdown` has begun: no new work is accepted."""
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the engine is closed")

    def shutdown(self, wait: bool = True) -> None:
        """Stop every thread; queued work is cancelled, running work finishes (nodes check their
        cancel tokens, so callers cancel first)."""
        with self._lock:
            self._closed = True
            pools = [p for p in (self._requests, self._cpu, *self._models.values()) if p is not None]
            self._requests = self._cpu = None
            self._models = {}
        for pool in pools:
            pool.shutdown(wait=wait, cancel_futures=True)
