"""`DataLoader`: batches from a dataset, with PyTorch's arguments, resumable mid-epoch."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_engine.random import numpy_generator

from .collate import default_collate, default_convert, to_batch_tensor
from .dataset import Dataset, IterableDataset, Subset
from .sampler import BatchSampler

if TYPE_CHECKING:
    from .workers import WorkerPool

BatchFetcher = Callable[[np.ndarray | slice], tuple[np.ndarray, ...]]


def _batch_fetcher(dataset: Dataset) -> BatchFetcher | None:
    """The dataset's whole-batch fetch (`get_batch`), seen through Subsets; None if it has none."""
    if isinstance(dataset, Subset):
        inner = _batch_fetcher(dataset.dataset)
        if inner is None:
            return None
        return lambda rows: inner(dataset.indices[rows])
    return getattr(dataset, "get_batch", None)


@dataclass
class Fetcher:
    """Turns the indices of one batch into the batch (in the loader's process or a worker's).

    Datasets with `get_batch` (such as `TensorDataset`) are fetched with one NumPy indexing
    per array; others sample by sample, then `collate_fn` builds the batch. Without batching
    (`batch_size=None`) each sample is only converted to Tensors.
    """

    dataset: Any
    collate_fn: Callable[[list[Any]], Any] | None
    batched: bool

    def __call__(self, rows: Any) -> Any:
        if not self.batched:
            return (self.collate_fn or default_convert)(self.dataset[int(rows)])
        fetch = None if self.collate_fn is not None else _batch_fetcher(self.dataset)
        if fetch is not None:
            return tuple(to_batch_tensor(a) for a in fetch(_as_index(rows)))
        indices = range(len(self.dataset))[rows] if isinstance(rows, slice) else rows
        samples = [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)


@dataclass
class StreamBatches:
    """The batches of an IterableDataset (samples grouped as they come), in the loader's
    process or, picklable, in each worker's."""

    dataset: Any
    collate_fn: Callable[[list[Any]], Any] | None
    batch_size: int | None
    drop_last: bool

    def __call__(self) -> Iterator[Any]:
        if self.batch_size is None:
            yield from map(self.collate_fn or default_convert, self.dataset)
            return
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield (self.collate_fn or default_collate)(batch)
                batch = []
        if batch and not self.drop_last:
            yield (self.collate_fn or default_collate)(batch)


def _as_index(rows: Any) -> np.ndarray | slice:
    return rows if isinstance(rows, slice | np.ndarray) else np.asarray(rows, dtype=np.int64)


class DataLoader:
    """Iterate over `dataset` in batches, like `torch.utils.data.DataLoader`.

    `shuffle=True` draws a new permutation every epoch from `generator` (an `ae.Generator`,
    a NumPy Generator), from `seed` (this library's shortcut), or else from a generator seeded
    once from the engine's global one, so `ae.manual_seed` makes the order reproducible.
    `sampler` / `batch_sampler` give the order instead. `num_workers > 0` fetches batches in
    that many worker processes (started with spawn) and yields them in order, equal to the
    batches of `num_workers=0`; over an IterableDataset each worker streams its own copy, as
    in PyTorch (shard it with `get_worker_info()`). `state_dict()` / `load_state_dict()` save
    and restore the shuffling generator and the position within the epoch, so a resumed run
    sees exactly the batches an uninterrupted run would. `pin_memory` is accepted and does
    nothing (no GPU).
    """

    _pool: WorkerPool | None = None  # the worker processes, while they run

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Any = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        seed: int | None = None,
    ) -> None:
        _check_arguments(
            dataset, batch_size, shuffle, sampler, batch_sampler, drop_last, num_workers,
            timeout, prefetch_factor, persistent_workers, seed, generator,
        )  # fmt: skip
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = 2 if prefetch_factor is None else prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._seed_source = generator if generator is not None else seed
        self._rng: np.random.Generator | None = None
        batched = batch_size is not None or batch_sampler is not None
        self._fetch = Fetcher(dataset, collate_fn, batched)
        self._epoch_state: dict[str, Any] | None = None
        self._batches_done = 0
        self._skip = 0

    @property
    def generator(self) -> np.random.Generator:
        """The NumPy Generator that shuffles (made on first use when none was given)."""
        if self._rng is None:
            if self._seed_source is None:  # seeded from the global generator, once
                self._rng = np.random.default_rng(numpy_generator(None).integers(2**63))
            else:
                self._rng = numpy_generator(self._seed_source)
        return self._rng

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            raise TypeError("DataLoader over an IterableDataset has no len()")
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _plan(self) -> list[Any]:
        """The rows of every batch of this epoch, in order."""
        if self.batch_sampler is not None:
            return list(self.batch_sampler)
        if self.sampler is not None:
            if self.batch_size is None:
                return list(self.sampler)
            return list(BatchSampler(self.sampler, self.batch_size, self.drop_last))
        n = len(self.dataset)
        if self.batch_size is None:
            return list(self.generator.permutation(n) if self.shuffle else range(n))
        order = self.generator.permutation(n) if self.shuffle else None
        plan = []
        for b in range(len(self)):
            lo, hi = b * self.batch_size, min((b + 1) * self.batch_size, n)
            plan.append(order[lo:hi] if order is not None else slice(lo, hi))
        return plan

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self.dataset, IterableDataset):
            yield from self._iterate_stream()
            return
        if self.shuffle:
            self._epoch_state = self.generator.bit_generator.state
        plan = self._plan()
        start, self._skip = self._skip, 0
        self._batches_done = start
        plan = plan[start:]
        batches = self._in_workers(plan) if self.num_workers else map(self._fetch, plan)
        for batch in batches:
            self._batches_done += 1
            yield batch
        self._epoch_state = None

    def _in_workers(self, plan: list[Any]) -> Iterator[Any]:
        """The batches of `plan` fetched by the worker processes, at most prefetch_factor per
        worker in flight, yielded in plan order (or as they finish with `in_order=False`)."""
        if self._pool is None:
            from .workers import WorkerPool  # multiprocessing: imported only for workers

            base_seed = int(numpy_generator(None).integers(2**62))
            self._pool = WorkerPool(
                self._fetch, self.num_workers, base_seed, self.worker_init_fn,
                self.multiprocessing_context,
            )  # fmt: skip
        pending: deque = deque()
        todo = iter(plan)
        window = self.num_workers * self.prefetch_factor
        try:
            for rows in todo:
                pending.append(self._pool.submit(rows))
                if len(pending) >= window:
                    break
            while pending:
                future = pending.popleft() if self.in_order else _first_done(pending)
                batch = future.result(timeout=self.timeout or None)
                for rows in todo:
                    pending.append(self._pool.submit(rows))
                    break
                yield batch
        finally:
            if not self.persistent_workers:
                self.close()

    def _iterate_stream(self) -> Iterator[Any]:
        """Batches of an IterableDataset, in the order it yields samples; with workers, each
        worker streams its own copy and the loader takes a batch from each in turn."""
        batches = StreamBatches(self.dataset, self.collate_fn, self.batch_size, self.drop_last)
        if not self.num_workers:
            yield from batches()
            return
        from .workers import stream  # multiprocessing: imported only for workers

        base_seed = int(numpy_generator(None).integers(2**62))
        yield from stream(
            batches, self.num_workers, base_seed, self.worker_init_fn,
            self.multiprocessing_context, self.prefetch_factor, self.timeout or None,
        )  # fmt: skip

    def close(self) -> None:
        """Stop the worker processes (they also stop when the loader is garbage collected)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __del__(self) -> None:
        self.close()

    def state_dict(self) -> dict[str, Any]:
        """The shuffling generator's state and the number of batches already taken from the
        current epoch (with a custom sampler only the position is restored)."""
        if self._epoch_state is not None and self._batches_done < len(self):
            return {"generator": self._epoch_state, "batches_done": self._batches_done}
        return {"generator": self.generator.bit_generator.state, "batches_done": self._skip}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a `state_dict()`: the next epoch resumes where the saved one stopped."""
        self.generator.bit_generator.state = state["generator"]
        self._skip = int(state["batches_done"])
        self._epoch_state = None
        self._batches_done = 0


def _first_done(pending: deque) -> Any:
    """Remove and return the first finished future (waiting for one if none is)."""
    done, _ = wait(pending, return_when=FIRST_COMPLETED)
    future = next(f for f in pending if f in done)
    pending.remove(future)
    return future


def _check_arguments(
    dataset: Any,
    batch_size: Any,
    shuffle: Any,
    sampler: Any,
    batch_sampler: Any,
    drop_last: bool,
    num_workers: Any,
    timeout: float,
    prefetch_factor: Any,
    persistent_workers: bool,
    seed: Any,
    generator: Any,
) -> None:
    """PyTorch's checks of DataLoader's arguments, with its messages (ValueError)."""
    if batch_size is not None and (
        not isinstance(batch_size, int | np.integer)
        or isinstance(batch_size, bool)
        or batch_size < 1
    ):
        raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(
            "num_workers option should be non-negative; use num_workers=0 to disable "
            "multiprocessing."
        )
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing. let "
            "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
        )
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    custom_order = shuffle or sampler is not None or batch_sampler is not None
    if isinstance(dataset, IterableDataset) and custom_order:
        raise ValueError(
            "DataLoader with IterableDataset: expected unspecified shuffle, sampler and "
            "batch_sampler options"
        )
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None and (
        batch_size != 1 or shuffle or sampler is not None or drop_last
    ):
        raise ValueError(
            "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
            "and drop_last"
        )
    if seed is not None and generator is not None:
        raise ValueError("DataLoader: give either seed or generator, not both")
