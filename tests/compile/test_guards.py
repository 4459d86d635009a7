"""ae.compile's guards and fallbacks: a changed shape, mode, learning rate or requires_grad
records a new program, what a replay cannot repeat runs eagerly with a warning, and in every
case the results are eager mode's."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_compiled_step import (
    assert_same,
    assert_same_loss,
    classification_batches,
    dropout_model,
    mlp,
    training_step,
    twins,
)

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from autograd_engine.compiler import CompileWarning


def sgd_mlp(lr: float = 0.05) -> tuple:
    model = mlp((6, 16, 3))
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.5)
    return model, opt, training_step(model, opt, F.cross_entropy)


@pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")
def test_new_batch_size_records_a_new_program() -> None:
    (m1, _, s1), (m2, _, s2) = twins(sgd_mlp)
    fast = ae.compile(s2)
    small, large = classification_batches(4, 6, 3)[0], classification_batches(9, 6, 3)[0]
    for x, y in [small] * 3 + [large] * 3 + [small] * 2:
        assert fast(x, y).item() == s1(x, y).item()
        assert_same(m1, m2, fast=fast)
    assert len(fast.programs) == 2  # one cache key for each batch size
    assert fast.replays == 4


@pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")
def test_eval_mode_is_guarded() -> None:
    (x, y), *_ = classification_batches(8, 10, 3)

    def build() -> tuple:
        model = dropout_model()
        opt = optim.SGD(model.parameters(), lr=0.1)
        return model, training_step(model, opt, F.cross_entropy)

    (m1, s1), (m2, s2) = twins(build)
    fast = ae.compile(s2)
    for mode in [True] * 3 + [False] * 3 + [True] * 2:
        m1.train(mode)
        m2.train(mode)
        state = ae.get_rng_state()
        expected = s1(x, y).item()
        ae.set_rng_state(state)
        assert fast(x, y).item() == expected
        assert_same(m1, m2, fast=fast)
    assert fast.replays == 4  # one program per mode: 2 recordings each, then replays


@pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")
def test_learning_rate_from_a_scheduler_is_read_on_each_replay() -> None:
    (m1, o1, s1), (m2, o2, s2) = twins(sgd_mlp)
    sched1 = optim.lr_scheduler.StepLR(o1, step_size=2, gamma=0.5)
    sched2 = optim.lr_scheduler.StepLR(o2, step_size=2, gamma=0.5)
    fast = ae.compile(s2)
    (x, y), *_ = classification_batches(4, 6, 3)
    for _ in range(8):
        assert fast(x, y).item() == s1(x, y).item()
        assert_same(m1, m2, fast=fast)
        sched1.step()
        sched2.step()
    assert o2.param_groups[0]["lr"] == 0.05 * 0.5**4
    assert fast.replays == 6 and len(fast.programs) == 1
    o1.param_groups[0]["lr"] = o2.param_groups[0]["lr"] = 1.0  # set by hand: read as well
    assert fast(x, y).item() == s1(x, y).item()
    assert_same(m1, m2, fast=fast)


@pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")
def test_requires_grad_toggled_records_a_new_program() -> None:
    (m1, _, s1), (m2, _, s2) = twins(sgd_mlp)
    fast = ae.compile(s2)
    (x, y), *_ = classification_batches(4, 6, 3)
    for frozen in [False] * 3 + [True] * 3 + [False] * 2:
        for m in (m1, m2):
            m[0].weight.requires_grad_(not frozen)
        assert fast(x, y).item() == s1(x, y).item()
        assert_same(m1, m2, fast=fast)
    assert len(fast.programs) == 1  # one key, with a program for each requires_grad pattern
    assert len(next(iter(fast.programs.values()))) == 2


@pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")
def test_the_same_argument_tensors_changed_in_place_are_keyed_anew() -> None:
    """A call with the very tensors of the last one reuses its key unless one of them has new
    data (`x.data = ...`) or another requires_grad since."""

    @ae.compile
    def f(x: ae.Tensor) -> ae.Tensor:
        loss = (x * x).sum()
        if x.requires_grad:
            loss.backward()
        return loss

    x = ae.ones(3)
    for _ in range(3):
        assert f(x).item() == 3.0
    x.data = ae.ones(5)  # another shape behind the same tensor
    assert [f(x).item() for _ in range(3)] == [5.0] * 3
    x.requires_grad_(True)
    for n in range(4):  # the first call makes .grad: the third agrees with the second
        assert f(x).item() == 5.0
        assert x.grad.tolist() == [2.0 * (n + 1)] * 5
    assert f.replays == 3 and len(f.programs) == 3


@pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")
def test_parameter_replaced_with_new_data_is_read_anew() -> None:
    (m1, _, s1), (m2, _, s2) = twins(sgd_mlp)
    fast = ae.compile(s2)
    (x, y), *_ = classification_batches(4, 6, 3)
    for i in range(6):
        if i == 4:
            for m in (m1, m2):
                m[0].weight.data = ae.zeros(16, 6)
        assert fast(x, y).item() == s1(x, y).item()
        assert_same(m1, m2, fast=fast)


def test_parameter_data_of_another_layout_records_a_new_program() -> None:
    # the guard's fast path is the parameter's array object; a new one is checked in full
    (m1, _, s1), (m2, _, s2) = twins(sgd_mlp)
    fast = ae.compile(s2)
    (x, y), *_ = classification_batches(4, 6, 3)
    for i in range(8):
        if i == 4:
            for m in (m1, m2):  # the same values, transposed in memory: other strides
                m[0].weight.data = m[0].weight.detach().T.contiguous().T
            assert not m2[0].weight.data.is_contiguous()
        assert fast(x, y).item() == s1(x, y).item()
        assert_same(m1, m2, fast=fast)
    assert fast.recordings == 4 and fast.replays == 4  # two programs, each replayed twice


def eager_twin_check(make_step, steps: int = 5) -> ae.compiler.CompiledFunction:
    """Compile a step that cannot be replayed: a warning, then eager results throughout."""
    (m1, _, s1), (m2, _, s2) = twins(make_step)
    fast = ae.compile(s2)
    (x, y), *_ = classification_batches(4, 6, 3)
    with pytest.warns(CompileWarning, match="runs eagerly"):
        for _ in range(steps):
            state = ae.get_rng_state()
            expected = s1(x, y)
            ae.set_rng_state(state)
            got = fast(x, y)
            assert got == expected
            assert_same(m1, m2, fast=fast)
    assert fast.eager_reason is not None and fast.replays == 0
    return fast


def test_item_read_falls_back_to_eager() -> None:
    def make() -> tuple:
        model = mlp((6, 16, 3))
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            if loss.item() > 0.5:  # data-dependent control flow
                loss.backward()
                opt.step()
            return loss.item()

        return model, opt, step

    fast = eager_twin_check(make)
    assert "item()" in fast.eager_reason


def test_manual_inplace_update_falls_back_to_eager() -> None:
    def make() -> tuple:
        model = mlp((6, 16, 3))

        def step(x, y):
            for p in model.parameters():
                p.grad = None
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            with ae.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            return loss.item() * 0 + 1.0

        return model, None, step

    fast = eager_twin_check(make)
    assert "grad =" in fast.eager_reason


def test_random_tensor_made_inside_falls_back_to_eager() -> None:
    def make() -> tuple:
        model = mlp((6, 16, 3))
        opt = optim.SGD(model.parameters(), lr=0.1)
        calls: list[int] = []

        def step(x, y):
            opt.zero_grad()
            calls.append(1)  # each twin draws the same noise, another one in each call
            noise = np.random.default_rng(len(calls)).standard_normal(x.shape).astype("float32")
            noisy = x + 0.1 * ae.tensor(noise)  # not from the engine's generator: not replayable
            loss = F.cross_entropy(model(noisy), y)
            loss.backward()
            opt.step()
            return 1.0

        return model, opt, step

    fast = eager_twin_check(make, steps=6)
    assert "other values" in fast.eager_reason


def test_module_hooks_fall_back_to_eager() -> None:
    seen = []

    def make() -> tuple:
        model, opt, step = sgd_mlp()
        model[0].register_forward_hook(lambda module, args, out: seen.append(out.shape))
        return model, opt, lambda x, y: step(x, y).shape

    eager_twin_check(make)
    assert len(seen) == 10  # the hook ran on every call of both twins


def test_fullgraph_raises_capture_error() -> None:
    @ae.compile(fullgraph=True)
    def f(x):
        return (x * 2).sum().item()

    with pytest.raises(ae.CaptureError, match=r"item\(\)"):
        f(ae.ones(3))


@pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")
def test_grad_mode_is_part_of_the_key() -> None:
    model = mlp((6, 8, 3))
    fast = ae.compile(lambda x: model(x))
    x = ae.randn(2, 6)
    for grad_mode in [True, True, False, False, True, False]:
        with ae.set_grad_enabled(grad_mode):
            out = fast(x)
            np.testing.assert_array_equal(out.numpy(), model(x).numpy())
    assert len(fast.programs) == 2 and fast.replays == 2


def test_cache_size_limit_falls_back_to_eager() -> None:
    fast = ae.compile(lambda x: (x * x).sum(), cache_size=2)
    with pytest.warns(CompileWarning, match="cache_size=2"):
        for n in range(1, 9):
            for _ in range(2):
                assert fast(ae.ones(n)).item() == n
    assert len(fast.programs) == 0  # dropped when it gave up: every call is eager now


@pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")
def test_anomaly_mode_runs_eagerly() -> None:
    fast = ae.compile(lambda x: (x * x).sum())
    x = ae.ones(3)
    for _ in range(3):
        fast(x)
    with ae.detect_anomaly():
        assert fast(x).item() == 3.0
    assert fast.replays == 1  # not replayed inside detect_anomaly


@pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")
def test_a_capture_does_not_record_another_threads_ops() -> None:
    started, done = threading.Event(), threading.Event()
    found: dict = {}

    def other() -> None:
        started.wait(5)
        a = ae.ones(3, requires_grad=True)
        (a * 3).sum().backward()  # eager, while the main thread records
        found["grad"] = a.grad.numpy().tolist()
        found["capture"] = ae.grad_mode.THREAD.state.capture
        done.set()

    worker = threading.Thread(target=other)
    worker.start()

    @ae.compile
    def f(x):
        started.set()
        done.wait(5)
        return (x * 2).sum()

    assert f(ae.ones(2)).item() == 4.0
    worker.join()
    assert found == {"grad": [3.0, 3.0, 3.0], "capture": None}
    f(ae.ones(2))
    assert f(ae.ones(2)).item() == 4.0 and f.replays == 1
    program = next(iter(f.programs.values()))[0]
    assert [g.ops for g in program.groups] == [["mul", "sum"]]  # nothing from the other thread
    assert "_new(" not in program.source  # one kernel, no op of its own


ACTIVATIONS = [nn.ReLU, nn.Tanh, nn.Sigmoid]
ACTIONS = st.sampled_from(["step", "batch", "eval", "train", "lr", "freeze", "unfreeze"])


@settings(max_examples=20, deadline=None)
@given(
    widths=st.lists(st.integers(1, 12), min_size=2, max_size=5),
    activation=st.sampled_from(ACTIVATIONS),
    dropout=st.booleans(),
    optimizer=st.sampled_from(["sgd", "momentum", "adam"]),
    batch=st.integers(1, 6),
    actions=st.lists(ACTIONS, min_size=4, max_size=14),
    seed=st.integers(0, 2**16),
)
def test_random_networks_and_guard_changes_match_eager(
    widths, activation, dropout, optimizer, batch, actions, seed
) -> None:
    classes = widths[-1] + 1

    def build() -> tuple:
        layers: list[nn.Module] = []
        sizes = [3, *widths, classes]
        for i in range(len(sizes) - 1):
            if i:
                layers += [activation()] + ([nn.Dropout(0.3)] if dropout else [])
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        model = nn.Sequential(*layers)
        make = {
            "sgd": lambda ps: optim.SGD(ps, lr=0.1),
            "momentum": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
            "adam": lambda ps: optim.Adam(ps, lr=0.01),
        }[optimizer]
        opt = make(model.parameters())
        return model, opt, training_step(model, opt, F.cross_entropy)

    (m1, o1, s1), (m2, o2, s2) = twins(build, seed)
    fast = ae.compile(s2)
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for action in ["step", "step", "step", *actions]:
            if action == "batch":
                batch = int(rng.integers(1, 7))
            elif action in ("eval", "train"):
                m1.train(action == "train")
                m2.train(action == "train")
            elif action == "lr":
                lr = float(rng.uniform(0.001, 0.2))
                o1.param_groups[0]["lr"] = o2.param_groups[0]["lr"] = lr
            elif action in ("freeze", "unfreeze"):
                i = int(rng.integers(0, len(list(m1.parameters()))))
                for m in (m1, m2):
                    list(m.parameters())[i].requires_grad_(action == "unfreeze")
            x = ae.tensor(rng.standard_normal((batch, 3)).astype("float32"))
            y = ae.tensor(rng.integers(0, classes, batch))
            state = ae.get_rng_state()
            expected = s1(x, y).item()
            ae.set_rng_state(state)
            assert_same_loss(fast(x, y).item(), expected, fast, what=action)
            assert_same(m1, m2, action, fast)


def test_an_unhashable_argument_runs_eagerly_with_a_warning() -> None:
    """A list argument cannot key a program: each such call runs eagerly (and says so once),
    with eager mode's results, and a drawing says there is no program."""
    from autograd_engine import viz

    def scaled_sum(x: ae.Tensor, weights: list) -> ae.Tensor:
        return (x * weights[0]).sum()

    fast = ae.compile(scaled_sum)
    x = ae.tensor([1.0, 2.0])
    with pytest.warns(CompileWarning, match="neither a tensor nor hashable"):
        for _ in range(3):
            assert fast(x, [3.0]).item() == 9.0
    assert fast.programs == {} and fast.recordings == 0
    with pytest.raises(viz.DrawingError, match="runs eagerly for these arguments"):
        viz.draw_graph(fast, x, [3.0])


def test_an_iterator_given_to_replayed_code_falls_back_to_eager() -> None:
    def make() -> tuple:
        model, opt, _ = sgd_mlp()

        def step(x, y):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.01)  # a generator: used up once
            opt.step()
            return 1.0

        return model, opt, step

    fast = eager_twin_check(make)
    assert "iterator" in fast.eager_reason


def test_a_tensor_read_from_outside_is_never_frozen() -> None:
    scale = {"t": ae.ones(3)}

    @ae.compile
    def f(x):
        return (x * scale["t"]).sum()

    x = ae.ones(3)
    with pytest.warns(CompileWarning, match="another object"):
        for value in (1.0, 1.0, 2.0, 3.0):
            scale["t"] = ae.full((3,), value)  # a new object, the same values twice
            assert f(x).item() == 3 * value


def test_a_comparison_inside_is_not_frozen_for_the_same_batch() -> None:
    @ae.compile
    def correct(logits, y):
        return (logits.argmax(dim=1) == y).sum()

    y = ae.tensor([0, 1, 2])
    with pytest.warns(CompileWarning, match="another object"):
        for i in range(4):
            logits = ae.eye(3) if i < 2 else ae.zeros(3, 3)
            assert correct(logits, y).item() == (3 if i < 2 else 1)


@pytest.mark.filterwarnings("error::autograd_engine.compiler.CompileWarning")
def test_an_optimizer_replaced_in_the_closure_records_a_new_program() -> None:
    model = mlp((6, 8, 3))
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    fast = ae.compile(step)
    (x, y), *_ = classification_batches(4, 6, 3)
    for _ in range(3):
        fast(x, y)
    opt = optim.SGD(model.parameters(), lr=0.0)  # the old one would go on changing weights
    before = [p.numpy().copy() for p in model.parameters()]
    for _ in range(3):
        fast(x, y)
    for a, p in zip(before, model.parameters()):
        np.testing.assert_array_equal(a, p.numpy())
    assert sum(map(len, fast.programs.values())) == 2
