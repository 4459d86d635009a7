"""Worker processes for `DataLoader(num_workers=N)`.

Each worker is a fresh Python process (started with spawn, so it shares no state with the
parent by accident) that receives the dataset once and then fetches whole batches by their
indices; the loader hands out the batches of an epoch in order and yields the results in the
same order, so the batches equal those of `num_workers=0`. Every worker seeds the engine's
generator with `base_seed + worker_id`, and `get_worker_info()` tells dataset code which
worker it runs in (as torch.utils.data.get_worker_info).

An `IterableDataset` is streamed differently, as in PyTorch: each worker iterates its own copy
of the dataset and batches what it yields (`stream`); the loader takes one batch from each
worker in turn, skipping workers whose stream has ended. Without sharding by
`get_worker_info()` every worker yields the whole stream.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .worker_info import seed_worker

_FETCH: Callable[[Any], Any] | None = None


def _start(
    fetch: Any,
    num_workers: int,
    base_seed: int,
    worker_init_fn: Callable[[int], None] | None,
    ids: Any,
) -> None:
    global _FETCH
    seed_worker(ids.get(), num_workers, base_seed, fetch.dataset, worker_init_fn)
    _FETCH = fetch


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


_END = "end of stream"  # what a stream worker sends after its last batch


def _stream_worker(
    batches: Callable[[], Iterator[Any]],
    worker_id: int,
    num_workers: int,
    base_seed: int,
    init: Callable[[int], None] | None,
    out: Any,
) -> None:
    """A stream worker's process: put each batch of its own copy of the dataset on `out`,
    then `_END` (or the error that stopped it, as text)."""
    try:
        seed_worker(worker_id, num_workers, base_seed, batches.dataset, init)
        for batch in batches():
            out.put(("batch", batch))
        out.put((_END, None))
    except Exception:
        out.put(("error", traceback.format_exc()))


def stream(
    batches: Callable[[], Iterator[Any]],
    num_workers: int,
    base_seed: int,
    init: Callable[[int], None] | None,
    context: Any,
    prefetch: int,
    timeout: float | None,
) -> Iterator[Any]:
    """The batches of `num_workers` processes that each run `batches()` (a picklable callable
    with a `dataset` attribute), taken one from each worker in turn (as PyTorch orders them)."""
    ctx = context if context is not None else multiprocessing.get_context("spawn")
    if isinstance(ctx, str):
        ctx = multiprocessing.get_context(ctx)
    queues = [ctx.Queue(maxsize=prefetch) for _ in range(num_workers)]
    workers = [
        ctx.Process(
            target=_stream_worker,
            args=(batches, i, num_workers, base_seed, init, queues[i]),
            daemon=True,
        )
        for i in range(num_workers)
    ]
    for w in workers:
        w.start()
    try:
        active = list(range(num_workers))
        while active:
            for i in list(active):
                try:
                    kind, value = queues[i].get(timeout=timeout)
                except queue.Empty:
                    raise RuntimeError(
                        f"DataLoader timed out after {timeout} seconds waiting for worker {i}"
                    ) from None
                if kind == "batch":
                    yield value
                elif kind == _END:
                    active.remove(i)
                else:
                    raise RuntimeError(f"DataLoader worker {i} failed:\n{value}")
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
            w.join()
