"""Grad-mode switches: the call and context-manager forms, restoring after errors, and the
per-thread state (PyTorch's semantics)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim
from autograd_engine.errors import AnomalyError


def records() -> bool:
    return (ae.tensor([1.0], requires_grad=True) * 2).requires_grad


def test_set_grad_enabled_as_a_call_a_block_and_a_decorator():
    try:
        ae.set_grad_enabled(False)
        assert not ae.is_grad_enabled() and not records()
    finally:
        ae.set_grad_enabled(True)
    with ae.set_grad_enabled(False):
        assert not records()
        with ae.set_grad_enabled(True):
            assert records()
        assert not records()
    assert records()

    @ae.set_grad_enabled(False)
    def infer():
        return records()

    assert ae.is_grad_enabled()  # decorating does not switch the mode
    assert infer() is False and ae.is_grad_enabled()


@pytest.mark.parametrize(
    "make",
    [
        ae.no_grad,
        ae.enable_grad,
        lambda: ae.set_grad_enabled(False),
        ae.inference_mode,
        ae.detect_anomaly,
        lambda: ae.scope("block"),
    ],
)
def test_a_block_that_raises_leaves_every_switch_as_it_was(make):
    state = ae.grad_mode.THREAD.state
    before = (state.grad_enabled, state.inference, state.anomaly, state.scope)
    with pytest.raises(KeyError), make():
        raise KeyError
    assert (state.grad_enabled, state.inference, state.anomaly, state.scope) == before
    with ae.no_grad():  # from a non-default start too
        with pytest.raises(KeyError), make():
            raise KeyError
        assert not ae.is_grad_enabled()


def test_one_instance_can_be_entered_twice():
    block = ae.no_grad()
    with block:
        with block:
            pass
        assert not ae.is_grad_enabled()
    assert ae.is_grad_enabled()


def test_inference_mode():
    with ae.inference_mode():
        assert ae.is_inference_mode_enabled() and not records()
    assert not ae.is_inference_mode_enabled() and records()
    with ae.inference_mode(False):
        assert not ae.is_inference_mode_enabled() and records()

    @ae.inference_mode
    def bare():
        return ae.is_inference_mode_enabled(), records()

    @ae.inference_mode()
    def called():
        return ae.is_inference_mode_enabled(), records()

    assert bare() == called() == (True, False)


def test_no_grad_as_a_bare_decorator():
    @ae.no_grad
    def infer():
        """Kept."""
        return records()

    assert infer() is False and infer.__doc__ == "Kept." and ae.is_grad_enabled()


# --------------------------------------------------------------------------- threads
def run_threads(*targets) -> None:
    errors: list[BaseException] = []

    def guarded(fn):
        def run():
            try:
                fn()
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_a_new_thread_starts_with_the_default_switches():
    seen = []
    with ae.no_grad(), ae.detect_anomaly(), ae.scope("main"), ae.inference_mode():
        run_threads(
            lambda: seen.append(
                (
                    ae.is_grad_enabled(),
                    ae.is_anomaly_enabled(),
                    ae.is_inference_mode_enabled(),
                    ae.grad_mode.THREAD.state.scope,
                )
            )
        )
    assert seen == [(True, False, False, ())]


def test_no_grad_in_one_thread_does_not_stop_backward_in_another():
    inside = threading.Event()
    done = threading.Event()
    failures = []

    def idle_without_grad():
        with ae.no_grad():
            inside.set()
            while not done.is_set():
                if ae.is_grad_enabled():
                    failures.append("grad mode leaked into the no_grad thread")
                (ae.tensor([1.0], requires_grad=True) * 2).sum()

    def train():
        inside.wait()
        try:
            for _ in range(1000):
                x = ae.tensor([1.0, 2.0], requires_grad=True)
                y = (x * x).sum()
                if y.grad_fn is None:
                    failures.append("not recorded")
                    continue
                y.backward()
                if x.grad.tolist() != [2.0, 4.0]:
                    failures.append(x.grad.tolist())
        finally:
            done.set()

    run_threads(idle_without_grad, train)
    assert failures == []


def test_anomaly_mode_stays_in_its_thread():
    entered, checked = threading.Event(), threading.Event()
    results = {}

    def with_anomaly():
        with ae.detect_anomaly():
            entered.set()
            checked.wait()
            with pytest.raises(AnomalyError):
                ae.log(ae.tensor([-1.0]))
            results["own"] = True

    def without():
        entered.wait()
        try:
            results["other"] = ae.is_anomaly_enabled()
            results["nan"] = bool(np.isnan(ae.log(ae.tensor([-1.0])).item()))
        finally:
            checked.set()

    with np.errstate(invalid="ignore"):
        run_threads(with_anomaly, without)
    assert results == {"own": True, "other": False, "nan": True}


def train_mlp(seed: int) -> list[np.ndarray]:
    """A few SGD steps of a small MLP on data of its own, all from `seed`."""
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 1))
    for p in model.parameters():  # weights from this thread's own generator
        p.numpy()[...] = rng.standard_normal(p.shape).astype(np.float32) * 0.3
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = ae.tensor(rng.standard_normal((32, 3)).astype(np.float32))
    y = ae.tensor(rng.standard_normal((32, 1)).astype(np.float32))
    for _ in range(20):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    return [p.numpy().copy() for p in model.parameters()]


def test_eight_threads_train_exactly_as_one():
    seeds = range(8)
    alone = [train_mlp(s) for s in seeds]
    threaded: dict[int, list[np.ndarray]] = {}

    def job(seed):
        return lambda: threaded.__setitem__(seed, train_mlp(seed))

    run_threads(*[job(s) for s in seeds])
    for s in seeds:
        for a, b in zip(alone[s], threaded[s], strict=True):
            np.testing.assert_array_equal(a, b)
