"""The floors section 10 reports beside a missed target: the MNIST step's kernels called from
plain Python are the compiled step (checked against an eager step when built), and the LSTM's
products count the floating-point operations its kernels do."""

from __future__ import annotations

import pytest

from bench import compiled
from bench.config import Config


@pytest.mark.parametrize("size", [1, 5])
def test_the_mnist_kernels_are_the_training_step(size: int) -> None:
    compiled.mnist_kernels(size)()  # raises if its first step is not the eager step's


def test_the_lstm_products_count_what_the_step_multiplies() -> None:
    run, flops = compiled.lstm_products(n=2, steps=3, hidden=4, features=5)
    run()
    gates, rows = 16, 6
    forward = rows * 5 * gates + 3 * 2 * 4 * gates  # input product, one per step
    backward = 2 * 2 * 4 * gates + rows * (5 + 4 + 1) * gates  # steps but the first, weights
    head = 3 * 2 * 4 * 10
    assert flops == 2 * (forward + backward + head)


def test_a_missed_mnist_target_reports_its_floor_and_profile() -> None:
    step = compiled.engine_steps(compiled.MNIST_SGD, 2)[0]["compiled"]
    text = compiled.mnist_floor(
        Config(quick=True, threads=1, plot_dir=None), 2, step, {"jax": 1e-4}
    )
    assert "kernels called from a plain Python function" in text and "JAX 100 us" in text
    assert "| component (self time) |" in text


def test_a_missed_lstm_target_reports_what_its_products_take() -> None:
    cfg = Config(quick=True, threads=1, plot_dir=None)
    text = compiled.lstm_floor(cfg, 2, 3, 4, {"torch": 3e-3, "compiled": 2e-3})
    assert "matrix products are" in text and "1.5x PyTorch's 3.0 ms needs 2.0 ms" in text
