"""Which DataLoader worker the current process is (`get_worker_info()`, as
torch.utils.data.get_worker_info): apart from `workers.py`, so that `nn.data` can export it
without importing multiprocessing, which only a loader with workers needs."""

from __future__ import annotations

from collections.abc import Callable
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


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker: its id, the number of workers, its seed and its dataset copy;
    in the main process: None."""
    return _INFO


def seed_worker(
    worker_id: int, num_workers: int, base_seed: int, dataset: Any, init: Callable | None
) -> None:
    """In a new worker process: seed the engine, set get_worker_info(), call worker_init_fn."""
    global _INFO
    seed = base_seed + worker_id
    ae.manual_seed(seed)
    _INFO = WorkerInfo(worker_id, num_workers, seed, dataset)
    if init is not None:
        init(worker_id)
