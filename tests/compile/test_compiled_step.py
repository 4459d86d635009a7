"""ae.compile: a compiled training step gives eager mode's losses, gradients and parameters.

Each test builds the same model twice from one seed, runs the plain step on one and the
compiled step on the other, and compares after every step. Replays call the same kernels in
the same order as eager mode, so the comparisons are bitwise, except where a program folds a
weight gradient into a plain SGD update at a batch above 1: that update is one BLAS call
(kernels.matmul_sub_), within an ulp of the unfused one, and the steps that follow are
compared within 1e-6 of each tensor's scale.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from autograd_engine.compiler import CompileWarning

pytestmark = pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")


def mlp(widths: tuple[int, ...], activation: type = nn.ReLU) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        layers += [activation()] if i else []
        layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


def training_step(model: nn.Module, opt: optim.Optimizer, loss_fn: Callable) -> Callable:
    def step(x: ae.Tensor, y: ae.Tensor) -> ae.Tensor:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def twins(build: Callable[[], tuple], seed: int = 0) -> tuple[tuple, tuple]:
    """Two identical setups (model, optimizer, step) from one seed."""
    ae.manual_seed(seed)
    eager = build()
    ae.manual_seed(seed)
    compiled = build()
    return eager, compiled


def folded(fast: ae.compiler.CompiledFunction | None) -> set[int]:
    """ids of the weights whose gradient a program of `fast` folds into a plain SGD update."""
    if fast is None:
        return set()
    return {id(t) for programs in fast.programs.values() for p in programs for t in p.folded}


def assert_scaled_close(actual: np.ndarray, desired: np.ndarray, err_msg: str = "") -> None:
    """Equal within 1e-6 of the largest magnitude of `desired`, or of 0.01 for smaller tensors
    (gradients that cancel down to a few thousandths keep the absolute error of their terms)."""
    scale = max(float(np.abs(desired).max()) if np.size(desired) else 0.0, 0.01)
    np.testing.assert_allclose(actual, desired, rtol=0, atol=1e-6 * scale, err_msg=err_msg)


def assert_same_loss(
    got: float,
    expected: float,
    fast: ae.compiler.CompiledFunction,
    exact: bool = False,
    what: str = "",
) -> None:
    """The same loss, bit for bit unless `fast` folds SGD updates at batches above 1."""
    if exact or not folded(fast):
        assert got == expected, what
    else:
        assert got == pytest.approx(expected, rel=1e-6, abs=1e-7), what


def assert_same(
    a: nn.Module,
    b: nn.Module,
    what: str = "",
    fast: ae.compiler.CompiledFunction | None = None,
    exact: bool = False,
) -> None:
    """Same parameters bit for bit, and the same `.grad`, except that a weight whose gradient
    a replay of `fast` folds into its SGD update keeps `.grad` None (a recording call, eager,
    still makes it). With such folds and not `exact` (batches above 1), within 1e-6 of scale."""
    skip = folded(fast)
    same = np.testing.assert_array_equal if exact or not skip else assert_scaled_close
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        same(q.numpy(), p.numpy(), err_msg=f"{what} {name}")
        if p.grad is None or (id(q) in skip and q.grad is None):
            assert q.grad is None or id(q) in skip, f"{what} {name}.grad"
        else:
            same(q.grad.numpy(), p.grad.numpy(), err_msg=f"{what} {name}.grad")


def run_twins(eager: tuple, compiled: tuple, batches: list[tuple], steps: int = 5) -> Callable:
    model_e, step_e = eager
    model_c, step_c = compiled
    fast = ae.compile(step_c)
    exact = all(x.shape[0] == 1 for x, _ in batches)  # folds at batch 1 are bitwise
    for i in range(steps):
        x, y = batches[i % len(batches)]
        expected = step_e(x, y)
        got = fast(x, y)
        assert_same_loss(got.item(), expected.item(), fast, exact, f"step {i}")
        assert_same(model_e, model_c, f"step {i}", fast, exact)
    assert fast.eager_reason is None
    assert fast.replays == steps - 2  # two recorded calls, then replays
    return fast


def classification_batches(n: int, features: int, classes: int, count: int = 2) -> list[tuple]:
    rng = np.random.default_rng(1)
    return [
        (
            ae.tensor(rng.standard_normal((n, features)).astype("float32")),
            ae.tensor(rng.integers(0, classes, n)),
        )
        for _ in range(count)
    ]


OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.05),
    "momentum": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-4),
    "nesterov": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda ps: optim.Adam(ps, lr=1e-3),
    "adamw": lambda ps: optim.AdamW(ps, lr=1e-3),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=1e-3),
}


@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_mnist_mlp_matches_eager(opt_name: str) -> None:
    def build() -> tuple:
        model = mlp((784, 256, 128, 10))
        opt = OPTIMIZERS[opt_name](model.parameters())
        return model, training_step(model, opt, F.cross_entropy)

    eager, compiled = twins(build)
    run_twins(eager, compiled, classification_batches(32, 784, 10), steps=6)


@pytest.mark.parametrize("batch", [1, 128])
def test_mnist_mlp_batch_sizes(batch: int) -> None:
    def build() -> tuple:
        model = mlp((784, 256, 128, 10))
        return model, training_step(model, optim.SGD(model.parameters(), lr=0.05), F.cross_entropy)

    eager, compiled = twins(build)
    run_twins(eager, compiled, classification_batches(batch, 784, 10))


def test_small_mlp_mse() -> None:
    rng = np.random.default_rng(2)
    batches = [
        (ae.tensor(rng.standard_normal((32, 2)).astype("float32")),
         ae.tensor(rng.standard_normal((32, 1)).astype("float32")))
        for _ in range(3)
    ]  # fmt: skip

    def build() -> tuple:
        model = mlp((2, 64, 64, 1), nn.Tanh)
        return model, training_step(model, optim.SGD(model.parameters(), lr=0.1), F.mse_loss)

    eager, compiled = twins(build)
    run_twins(eager, compiled, batches, steps=7)


def test_autoencoder() -> None:
    from nn.models.autoencoder import Autoencoder

    x = ae.tensor(np.random.default_rng(3).random((16, 20)).astype("float32"))

    def build() -> tuple:
        model = Autoencoder.from_sizes([20, 8, 3])
        return model, training_step(model, optim.Adam(model.parameters(), lr=1e-2), model.loss)

    eager, compiled = twins(build)
    run_twins(eager, compiled, [(x, x)], steps=6)


def dropout_model() -> nn.Sequential:
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 3))


def test_dropout_draws_fresh_masks_from_the_eager_generator() -> None:
    (x, y), *_ = classification_batches(8, 10, 3)

    def build() -> tuple:
        model = dropout_model()
        return model, training_step(model, optim.SGD(model.parameters(), lr=0.1), F.cross_entropy)

    (model_e, step_e), (model_c, step_c) = twins(build)
    fast = ae.compile(step_c)
    ae.manual_seed(7)
    expected = [step_e(x, y).item() for _ in range(6)]
    ae.manual_seed(7)
    got = [fast(x, y).item() for _ in range(6)]
    assert got == expected
    assert fast.replays == 4
    assert_same(model_e, model_c, fast=fast)
    assert len(set(got)) == len(got)  # a new mask on every replay, not the recorded one


def test_dropout_op_gradient_is_the_mask() -> None:
    ae.manual_seed(0)
    x = ae.randn(50, 40, requires_grad=True)
    y = ae.dropout(x, 0.3)
    y.sum().backward()
    kept = y.numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), np.where(kept, 1 / 0.7, 0.0), rtol=1e-6)
    assert 0.6 < kept.mean() < 0.8
    assert ae.dropout(x, 0.3, train=False) is x
    with pytest.raises(ae.ArgumentValueError, match="dropout"):
        ae.dropout(x, 1.5)


def test_returned_structure_and_grad_after_replay() -> None:
    (x, y), *_ = classification_batches(4, 6, 3)
    ae.manual_seed(0)
    model = mlp((6, 5, 3))
    opt = optim.SGD(model.parameters(), lr=0.1)

    @ae.compile
    def step(x: ae.Tensor, y: ae.Tensor) -> dict:
        opt.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        return {"loss": loss, "parts": (logits, 3)}

    for _ in range(3):
        out = step(x, y)
    assert step.replays == 1
    assert set(out) == {"loss", "parts"} and out["parts"][1] == 3
    with ae.no_grad():
        logits = model(x)
        expected = F.cross_entropy(logits, y)
    assert out["loss"].item() == expected.item()
    np.testing.assert_array_equal(out["parts"][0].numpy(), logits.numpy())
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()  # `.grad` after a replay: as eager mode leaves it
    for g, p in zip(grads, model.parameters()):
        np.testing.assert_array_equal(g, p.grad.numpy())


def test_decorator_with_options_and_disable() -> None:
    def f(x: ae.Tensor) -> ae.Tensor:
        return (x * 2).sum()

    assert ae.compile(f, disable=True) is f
    g = ae.compile(fullgraph=True)(f)
    x = ae.ones(3)
    assert [g(x).item() for _ in range(4)] == [6.0] * 4
    assert g.replays == 2


def test_elementwise_chain_backward() -> None:
    x, y, z = (ae.randn(5, requires_grad=True) for _ in range(3))

    @ae.compile
    def f(x: ae.Tensor, y: ae.Tensor, z: ae.Tensor) -> None:
        (x * y + z).sum().backward()

    for _ in range(4):
        for t in (x, y, z):
            t.grad = None
        f(x, y, z)
    assert f.replays == 2
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())
    np.testing.assert_array_equal(y.grad.numpy(), x.numpy())
    np.testing.assert_array_equal(z.grad.numpy(), np.ones(5, "float32"))


def test_inputs_requiring_grad_accumulate_their_grad() -> None:
    w = ae.randn(4, 3)

    @ae.compile
    def f(x: ae.Tensor) -> ae.Tensor:
        loss = (x @ w).tanh().sum()
        loss.backward()
        return loss

    for _ in range(4):
        x = ae.randn(2, 4, requires_grad=True)
        f(x)
        expected = ae.grad((x @ w).tanh().sum(), x)[0]
        np.testing.assert_array_equal(x.grad.numpy(), expected.numpy())
    assert f.replays == 2


def test_cnn_lenet5_step() -> None:
    from nn.models.cnn import LeNet5

    rng = np.random.default_rng(4)
    x = ae.tensor(rng.standard_normal((4, 1, 28, 28)).astype("float32"))
    y = ae.tensor(rng.integers(0, 10, 4))

    def build() -> tuple:
        model = LeNet5()
        return model, training_step(model, optim.SGD(model.parameters(), lr=0.01), F.cross_entropy)

    eager, compiled = twins(build)
    run_twins(eager, compiled, [(x, y)], steps=4)


def test_gan_two_optimizers() -> None:
    from nn.models.gan import GAN

    rng = np.random.default_rng(5)
    real = ae.tensor(rng.random((8, 6)).astype("float32"))

    def build() -> tuple:
        gan = GAN.from_sizes(6, 3, [8])
        opt_g = optim.Adam(gan.generator.parameters(), lr=1e-3)
        opt_d = optim.Adam(gan.discriminator.parameters(), lr=1e-3)
        ones, zeros = ae.ones(8, 1), ae.zeros(8, 1)

        def step(real: ae.Tensor, z: ae.Tensor) -> ae.Tensor:
            opt_d.zero_grad()
            fake = gan.generator(z)
            d_loss = F.binary_cross_entropy_with_logits(
                gan.discriminator(real), ones
            ) + F.binary_cross_entropy_with_logits(gan.discriminator(fake.detach()), zeros)
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = F.binary_cross_entropy_with_logits(gan.discriminator(fake), ones)
            g_loss.backward()
            opt_g.step()
            return g_loss

        return gan, step

    eager, compiled = twins(build)
    noise = [(real, ae.tensor(rng.standard_normal((8, 3)).astype("float32"))) for _ in range(3)]
    run_twins(eager, compiled, noise, steps=5)


def test_lstm_classifier_step() -> None:
    rng = np.random.default_rng(6)
    x = ae.tensor(rng.standard_normal((5, 4, 3)).astype("float32"))  # (time, batch, features)
    y = ae.tensor(rng.integers(0, 2, 4))

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(3, 8)
            self.head = nn.Linear(8, 2)

        def forward(self, x: ae.Tensor) -> ae.Tensor:
            out, _ = self.lstm(x)
            return self.head(out[-1])

    def build() -> tuple:
        model = Net()
        return model, training_step(model, optim.Adam(model.parameters(), lr=1e-2), F.cross_entropy)

    eager, compiled = twins(build)
    run_twins(eager, compiled, [(x, y)], steps=4)


def test_warning_is_a_user_warning() -> None:
    assert issubclass(CompileWarning, UserWarning)
    assert issubclass(ae.CaptureError, RuntimeError)


def test_module_zero_grad_and_gradient_clipping_are_replayed() -> None:
    def build() -> tuple:
        model = mlp((784, 64, 10))
        opt = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        params = list(model.parameters())

        def step(x: ae.Tensor, y: ae.Tensor) -> ae.Tensor:
            model.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(params, 0.1)
            nn.utils.clip_grad_value_(params, 0.004)
            opt.step()
            return loss

        return model, step

    eager, compiled = twins(build)
    run_twins(eager, compiled, classification_batches(16, 784, 10), steps=6)


def test_vae_draws_its_noise_anew_on_each_replay() -> None:
    from nn.models.vae import VAE

    x = ae.tensor(np.random.default_rng(7).random((8, 12)).astype("float32"))

    def build() -> tuple:
        model = VAE.from_sizes([12, 6, 2])
        return model, training_step(model, optim.Adam(model.parameters(), lr=1e-2), model.loss)

    (model_e, step_e), (model_c, step_c) = twins(build)
    fast = ae.compile(step_c)
    for i in range(6):
        state = ae.get_rng_state()
        expected = step_e(x, x).item()
        ae.set_rng_state(state)
        assert fast(x, x).item() == expected, f"step {i}"
        assert_same(model_e, model_c, f"step {i}", fast)
    assert fast.replays == 4


def test_random_tensors_made_inside_are_drawn_on_each_replay() -> None:
    @ae.compile
    def noisy_sum(x: ae.Tensor) -> ae.Tensor:
        return (x + ae.randn(3) + ae.rand(3) * ae.randint(0, 5, (3,))).sum()

    x = ae.zeros(3)
    ae.manual_seed(3)
    got = [noisy_sum(x).item() for _ in range(5)]
    ae.manual_seed(3)
    expected = [noisy_sum.fn(x).item() for _ in range(5)]
    assert got == expected and len(set(got)) == 5
    assert noisy_sum.replays == 3


def test_a_named_tuple_comes_back_as_one() -> None:
    from nn.models.vae import VAE, VAEOutput

    ae.manual_seed(0)
    model = VAE.from_sizes([6, 4, 2])
    fast = ae.compile(lambda x: model(x))
    x = ae.rand(3, 6)
    for _ in range(3):
        out = fast(x)
    assert fast.replays == 1
    assert type(out) is VAEOutput
    assert out.mu.shape == (3, 2)


def test_a_numpy_read_in_the_function_falls_back_to_eager() -> None:
    @ae.compile
    def accuracy(logits, y):
        return float((logits.numpy().argmax(1) == y.numpy()).mean())

    y = ae.tensor([0, 1, 2])
    with pytest.warns(CompileWarning, match=r"numpy\(\)"):
        for i in range(4):
            logits = ae.eye(3) if i < 2 else ae.zeros(3, 3)
            assert accuracy(logits, y) == (1.0 if i < 2 else 1 / 3)


def test_batch_norm_running_statistics_are_updated_on_each_replay() -> None:
    batches = classification_batches(16, 10, 3, count=3)

    def build() -> tuple:
        model = nn.Sequential(nn.Linear(10, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
        return model, training_step(model, optim.Adam(model.parameters(), lr=1e-2), F.cross_entropy)

    eager, compiled = twins(build)
    run_twins(eager, compiled, batches, steps=6)
    for a, b in zip(eager[0].buffers(), compiled[0].buffers()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(compiled[0][1].running_mean.numpy(), np.zeros(16, "float32"))
