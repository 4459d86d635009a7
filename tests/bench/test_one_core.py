"""The single-thread sections' harness: `one_core` pins every thread of the process (JAX's jit
cannot be held to one thread otherwise) and gives the affinities back; `capture_seconds`
counts every recording call of a compiled function, not a fixed two."""

from __future__ import annotations

import os
import threading

import pytest

import autograd_engine as ae
from bench.compiled import capture_seconds
from bench.nets import one_core

needs_affinity = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity"), reason="this OS has no CPU affinity call"
)


def _affinities() -> dict[int, set[int]]:
    return {int(t): os.sched_getaffinity(int(t)) for t in os.listdir("/proc/self/task")}


@needs_affinity
def test_one_core_pins_every_thread_and_restores_them() -> None:
    stop = threading.Event()
    started = threading.Thread(target=stop.wait)
    started.start()
    try:
        before = _affinities()
        with one_core():
            inside = _affinities()
            late = threading.Thread(target=lambda: inside.update(late=os.sched_getaffinity(0)))
            late.start()
            late.join()
        after = _affinities()
    finally:
        stop.set()
        started.join()
    cores = {frozenset(mask) for mask in inside.values()}
    assert len(cores) == 1 and len(next(iter(cores))) == 1, inside
    assert after[threading.get_native_id()] == before[threading.get_native_id()]
    assert after[started.native_id] == before[started.native_id]


def test_capture_seconds_counts_every_recording_call() -> None:
    x, y, z = (ae.tensor([v], requires_grad=True) for v in (2.0, 3.0, 4.0))

    @ae.compile
    def f(x: ae.Tensor, y: ae.Tensor, z: ae.Tensor) -> None:
        (x * y + z).sum().backward()

    seconds = capture_seconds(f, x, y, z)
    # The first call creates the .grads the later ones add into: three recordings, one replay.
    assert seconds > 0 and f.recordings == 3 and f.replays == 1
