"""Measure where the Numba kernels start to beat the NumPy references, and their speed-ups.

Run from the repository root: python -m bench.kernels_threshold [--quick] [kernel ...]
Prints, per kernel family, the NumPy/Numba time ratio over sizes (ratio > 1: Numba faster),
serial against 2-thread times for the kernels with a parallel variant, and matmul GFLOP/s
against NumPy. The thresholds in autograd_engine/kernels/__init__.py and threads.py come from
this output. Timings are medians after warm-up (bench.timing); compare ratios from one run only.
"""

from __future__ import annotations

import sys

import numpy as np

from autograd_engine.kernels import (
    elementwise,
    linalg,
    losses,
    optim,
    reductions,
    reference,
    threads,
)

from .timing import Budget, time_case

QUICK = "--quick" in sys.argv
ONLY = [a for a in sys.argv[1:] if not a.startswith("--")]
SIZES = [1, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576]


ADAM = dict(
    step=1,
    lr=1e-3,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    decoupled_weight_decay=False,
)
SGD = dict(lr=1e-3, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, first_step=False)
BUDGET = Budget(rounds=5, round_time=0.0 if QUICK else 0.04, settle=0.0)


def median_time(f, *args) -> float:
    return time_case(lambda: f(*args), BUDGET).median


def cases(n: int, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    cols = 10 if n < 1000 else 100
    rows = max(1, n // cols)
    logits = rng.standard_normal((rows, cols)).astype(dtype)
    target = rng.integers(0, cols, rows)
    grow = rng.standard_normal(rows).astype(dtype)
    probs = reference.softmax_cross_entropy(logits, target)[1]
    y = reference.softmax(logits, 1)
    gy = rng.standard_normal(logits.shape).astype(dtype)
    return {
        "relu_backward": (reference.relu_backward, elementwise.relu_backward, (x, g)),
        "sigmoid": (reference.sigmoid, elementwise.sigmoid, (x,)),
        "tanh_backward": (reference.tanh_backward, elementwise.tanh_backward, (x, g)),
        "elu": (reference.elu, elementwise.elu, (x, 1.0)),
        "softplus_backward": (reference.softplus_backward, elementwise.softplus_backward, (x, g)),
        "softmax": (reference.softmax, reductions.softmax, (logits, 1)),
        "log_softmax": (reference.log_softmax, reductions.log_softmax, (logits, 1)),
        "logsumexp": (reference.logsumexp, reductions.logsumexp, (logits, 1)),
        "softmax_backward": (reference.softmax_backward, reductions.softmax_backward, (y, gy, 1)),
        "softmax_ce": (
            reference.softmax_cross_entropy,
            losses.softmax_cross_entropy,
            (logits, target),
        ),
        "softmax_ce_bw": (
            reference.softmax_cross_entropy_backward,
            losses.softmax_cross_entropy_backward,
            (probs, target, grow),
        ),
        "bce": (reference.bce_with_logits, losses.bce_with_logits, (x, np.abs(g) % 1)),
        "bce_backward": (
            reference.bce_with_logits_backward,
            losses.bce_with_logits_backward,
            (x, np.abs(g) % 1, g),
        ),
        "adam": (
            lambda p, gr: reference.adam_step_(p, gr, p * 0, p * 0, None, **ADAM),
            lambda p, gr: optim.adam_step_(p, gr, p * 0, p * 0, None, **ADAM),
            (x.copy(), g),
        ),
        "sgd": (
            lambda p, gr: reference.sgd_step_(p, gr, None, **SGD),
            lambda p, gr: optim.sgd_step_(p, gr, None, **SGD),
            (x.copy(), g),
        ),
    }


def numpy_vs_numba(names: list[str]) -> None:
    print("NumPy time / Numba time (>1: Numba faster), float32; columns are sizes")
    print(f"{'kernel':18s}" + "".join(f"{n:>9d}" for n in SIZES))
    for name in names or list(cases(1, np.float32)):
        row = []
        for n in SIZES:
            ref, fast, args = cases(n, np.float32)[name]
            row.append(median_time(ref, *args) / median_time(fast, *args))
        print(f"{name:18s}" + "".join(f"{r:9.2f}" for r in row))


def serial_vs_parallel() -> None:
    print("\nserial time / 2-thread time (>1: threads faster), float32")
    sizes = [65536, 262144, 1048576, 4194304]
    gate = threads.PARALLEL_MIN_SIZE
    print(f"{'kernel':18s}" + "".join(f"{n:>9d}" for n in sizes))
    for name in ["relu_backward", "sigmoid", "elu", "bce", "adam"]:
        row = []
        for n in sizes:
            _, fast, args = cases(n, np.float32)[name]
            times = []
            for gate in (1 << 62, 0):
                threads.PARALLEL_MIN_SIZE = gate
                times.append(median_time(fast, *args))
            row.append(times[0] / times[1])
        print(f"{name:18s}" + "".join(f"{r:9.2f}" for r in row))
    threads.PARALLEL_MIN_SIZE = gate


def matmul_speed() -> None:
    print("\nmatmul GFLOP/s: kernels.matmul vs np.matmul (ratio), and the batch-1 weight gradient")
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        for n in (256, 1024, 2048):
            a = rng.standard_normal((n, n)).astype(dtype)
            b = rng.standard_normal((n, n)).astype(dtype)
            flops = 2 * n**3
            ours = flops / median_time(linalg.matmul, a, b) / 1e9
            ref = flops / median_time(np.matmul, a, b) / 1e9
            name = np.dtype(dtype).name
            print(f"{name} n={n:5d}: {ours:7.1f} vs {ref:7.1f}  ratio {ours / ref:.2f}")
    x = rng.standard_normal((1, 784)).astype(np.float32)
    g = rng.standard_normal((1, 256)).astype(np.float32)
    ours, ref = median_time(linalg.matmul, x.T, g), median_time(np.matmul, x.T, g)
    print(f"(784,1)@(1,256) float32: {ours * 1e6:.0f} us vs np.matmul {ref * 1e6:.0f} us")


if __name__ == "__main__":
    numpy_vs_numba(ONLY)
    if not ONLY:
        serial_vs_parallel()
        matmul_speed()
