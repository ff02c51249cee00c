"""A real Dask LocalCluster for the farm tests: two single-threaded worker processes on 127.0.0.1,
started once per module (worker processes take seconds to start and import torch)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from distributed.diagnostics.plugin import WorkerPlugin


class TestNodes(WorkerPlugin):
    """A Dask worker plugin: the test node types (tests/helpers.py) in each worker's registry, as
    a node plugin installed on every farm machine would be. Runs again on restarted workers."""

    name = "filmstudio-test-nodes"

    def setup(self, worker: Any) -> None:
        from filmstudio.core.registry import default_registry
        from tests.helpers import TEST_NODES

        registry = default_registry()
        for node_type in TEST_NODES:
            registry.register(node_type)


def warm_dask_threads() -> None:
    """Start Dask's process-wide offload thread now: it lives as long as the process, and the
    thread-leak check would count it against the first test that makes Dask use it."""
    from distributed.utils import _offload_executor

    _offload_executor.submit(lambda: None).result()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """(address, client) of a LocalCluster with 2 worker processes; the client lets tests see
    and kill workers."""
    from distributed import Client, LocalCluster

    warm_dask_threads()
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
        ) as local,
        Client(local) as client,
    ):
        client.register_plugin(TestNodes())
        yield local.scheduler_address, client


def worker_pids(client: Any) -> dict[str, int]:
    """Each worker's process id, by address."""
    return client.run(os.getpid)


# Threads the module's cluster starts when a nanny restarts a worker the test killed: they watch
# the new worker process and end with the cluster, after the module.
_CLUSTER_THREADS = ("QueueFeederThread", "AsyncProcess Dask Worker process")


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """tests/conftest.py's check, allowing the module cluster's own worker-watching threads."""
    import threading
    import time

    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 2.0
    while True:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        leaked = [
            t for t in leaked if not t.name.startswith(("QDBus", "pydevd", "asyncio", *_CLUSTER_THREADS))
        ]
        if not leaked or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert not leaked, f"threads left running after the test: {[t.name for t in leaked]}"
