"""Worker processes for `DataLoader(num_workers=N)`.

Each worker is a fresh Python process (started with spawn, so it shares no state with the
parent by accident) that receives the dataset once and then fetches whole batches by their
indices; the loader hands out the batches of an epoch in order and yields the results in the
same order, so the batches equal those of `num_workers=0`. Every worker seeds the engine's
generator with `base_seed + worker_id`, and `get_worker_info()` tells dataset code which
worker it runs in (as torch.utils.data.get_worker_info).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import autograd_engine as ae


@dataclass(frozen=True)
class WorkerInfo:
    id: int
    num_workers: int
    seed: int
    dataset: Any


_INFO: WorkerInfo | None = None  # set in worker processes only
_FETCH: Callable[[Any], Any] | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker: its id, the number of workers, its seed and its dataset copy;
    in the main process: None."""
    return _INFO


def _start(
    fetch: Any,
    num_workers: int,
    base_seed: int,
    worker_init_fn: Callable[[int], None] | None,
    ids: Any,
) -> None:
    global _INFO, _FETCH
    worker_id = ids.get()
    seed = base_seed + worker_id
    ae.manual_seed(seed)
    _INFO = WorkerInfo(worker_id, num_workers, seed, fetch.dataset)
    _FETCH = fetch
    if worker_init_fn is not None:
        worker_init_fn(worker_id)


def _fetch(rows: Any) -> Any:
    assert _FETCH is not None  # set by _start in this worker
    return _FETCH(rows)


class WorkerPool:
    """`num_workers` processes that fetch batches with `fetch(rows)`; `fetch` (picklable, with
    a `dataset` attribute) is sent to each worker once."""

    def __init__(
        self,
        fetch: Any,
        num_workers: int,
        base_seed: int,
        worker_init_fn: Callable[[int], None] | None,
        context: Any = None,
    ) -> None:
        ctx = context if context is not None else multiprocessing.get_context("spawn")
        if isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        ids = ctx.Queue()
        for i in range(num_workers):
            ids.put(i)
        self._executor = ProcessPoolExecutor(
            max_workers=num_workers,
            mp_context=ctx,
            initializer=_start,
            initargs=(fetch, num_workers, base_seed, worker_init_fn, ids),
        )

    def submit(self, rows: Any) -> Future:
        return self._executor.submit(_fetch, rows)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
