"""Section 10, compiled training step: `ae.compile` against the eager step, PyTorch, JAX's jit
and tinygrad's TinyJit (MLPs, the expression and section 9's LSTM classifier).

One thread for everything (Numba, BLAS, PyTorch). A compiled step is recorded on its first two
calls (eager calls that also record); that capture time is reported apart, never part of a
median. Before timing, each configuration asserts that three compiled steps give the eager
steps' weights (bit for bit, or within 1e-6 of their scale where plain SGD's update is folded
into one BLAS call at a batch above 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

import autograd_engine as ae
import autograd_engine.kernels as K
import nn.functional as F
import optim
from autograd_engine.compiler import CompiledFunction

from . import nets, plots
from .config import Config
from .nets import one_thread
from .peers import (
    MICROGRAD_NOTE,
    TINYGRAD_NOTE,
    has_micrograd,
    jax_or_none,
    tinygrad_or_none,
    torch_or_none,
)
from .profiling import profile
from .report import Section, Target, ms, times, us
from .timing import measure, timed
from .trainers import (
    Spec,
    batch,
    engine_model,
    engine_training,
    make_step,
    torch_model,
    torch_training,
)

MNIST_SGD = Spec((784, 256, 128, 10), "cross_entropy", "sgd")
PEERS = (("eager", "eager"), ("torch", "PyTorch"), ("jax", "JAX"), ("tinygrad", "tinygrad"))
SMALL_SGD = Spec((2, 64, 64, 1), "mse", "sgd")
VS_TORCH_BATCH_1 = 2.0  # issue 17: compiled MNIST_SGD at batch 1 at least 2x PyTorch
SMALL_VS_TORCH = 3.0  # compiled 2-64-64-1 MLP at least 3x PyTorch
VS_JAX = 1.0  # compiled MNIST_SGD at least JAX's jit at every batch size
LSTM_VS_TORCH = 1.5  # the compiled LSTM step (section 9's model) at least 1.5x PyTorch


def capture_seconds(compiled: CompiledFunction, *args: object) -> float:
    """Seconds of a fresh compiled function's calls before its first replay: the eager calls
    that record (two, or three when the first one creates the `.grad`s the next ones add
    into) and the program's generation. The replaying call is not counted."""
    spent = 0.0
    for _ in range(6):
        before = compiled.replays
        seconds = timed(lambda: compiled(*args))[1]
        if compiled.replays > before:
            return spent
        spent += seconds
    raise AssertionError(f"no replay after six calls: {compiled.eager_reason}")


def same_weights(a: np.ndarray, b: np.ndarray, exact: bool) -> bool:
    """Whether b holds a's weights: bit for bit, or (not `exact`) within 1e-6 of their scale,
    as one folded SGD update per step (kernels.matmul_sub_) leaves them."""
    return np.array_equal(a, b) if exact else np.allclose(b, a, 0, 1e-6 * np.abs(a).max())


def compiled_twins(
    models: list, steps: list, tx: ae.Tensor, ty: ae.Tensor, label: str
) -> tuple[dict[str, Callable[[], object]], float]:
    """Time cases for the eager step (steps[0] on models[0]) and the compiled one (steps[1]
    on its twin models[1]), and the capture seconds, after checking that three compiled
    steps leave the eager steps' weights: bit for bit, or within 1e-6 of their scale where a
    program folds plain SGD updates at a batch above 1 (kernels.matmul_sub_)."""
    eager, compiled = steps[0], ae.compile(steps[1])
    eager(tx, ty)  # the kernels' first calls (Numba cache loading) are not capture time
    eager(tx, ty)
    capture = capture_seconds(compiled, tx, ty)
    for _ in range(compiled.recordings + compiled.replays - 2):  # as many calls as compiled
        eager(tx, ty)
    for _ in range(3):
        eager(tx, ty)
        compiled(tx, ty)
    assert compiled.replays == 4, compiled.eager_reason
    exact = tx.shape[0] == 1 or not any(p.folded for ps in compiled.programs.values() for p in ps)
    for p, q in zip(models[0].parameters(), models[1].parameters()):
        assert same_weights(p.numpy(), q.numpy(), exact), f"{label}: compiled weights differ"
    return {"eager": lambda: eager(tx, ty), "compiled": lambda: compiled(tx, ty)}, capture


def engine_steps(spec: Spec, size: int) -> tuple[dict[str, Callable[[], object]], float]:
    """The eager and compiled steps on twin models and one batch, and the capture seconds."""
    x, y = batch(spec, size, np.random.default_rng(0))
    tx, ty = ae.tensor(x, dtype=x.dtype), ae.tensor(y, dtype=y.dtype)
    models, steps = [], []
    for _ in range(2):
        ae.manual_seed(0)
        model = engine_model(spec.widths, spec.dtype)
        models.append(model)
        steps.append(make_step(model, *engine_training(spec, model)))
    return compiled_twins(models, steps, tx, ty, str(spec))


def initial_weights(spec: Spec) -> list[np.ndarray]:
    """The engine model's initial weights (seed 0), which every peer starts from."""
    ae.manual_seed(0)
    return [p.numpy().copy() for p in engine_model(spec.widths, spec.dtype).parameters()]


def torch_step(spec: Spec, size: int) -> Callable[[], object] | None:
    torch = torch_or_none()
    if torch is None:
        return None
    model = torch_model(torch, spec.widths, initial_weights(spec), spec.dtype)
    step = make_step(model, *torch_training(torch, spec, model))
    x, y = batch(spec, size, np.random.default_rng(0))
    px, py = torch.from_numpy(x), torch.from_numpy(y)
    return lambda: step(px, py)


def jax_step(spec: Spec, size: int) -> tuple[Callable[[], object], float] | None:
    """The whole SGD step under `jax.jit` (forward, loss, grad, update), and its compile
    seconds; None when JAX is not installed."""
    jax = jax_or_none()
    if jax is None:
        return None
    jnp = jax.numpy
    params = [jnp.asarray(w) for w in initial_weights(spec)]

    def loss_fn(params: list, x: object, y: object) -> object:
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i].T + params[i + 1]
            if i + 2 < len(params):
                h = jax.nn.relu(h)
        if spec.loss == "mse":
            return jnp.mean((h - y) ** 2)
        logp = jax.nn.log_softmax(h)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    @jax.jit
    def step(params: list, x: object, y: object) -> list:
        grads = jax.grad(loss_fn)(params, x, y)
        return [p - spec.lr * g for p, g in zip(params, grads)]

    x, y = batch(spec, size, np.random.default_rng(0))
    jx, jy = jnp.asarray(x), jnp.asarray(y)
    state = {"params": params}

    def run() -> None:
        state["params"] = step(state["params"], jx, jy)
        state["params"][0].block_until_ready()

    return run, timed(run)[1]


def tinygrad_step(spec: Spec, size: int) -> Callable[[], object] | None:
    """The whole SGD step under tinygrad's `TinyJit` on its CPU device (forward, loss,
    backward, update), from the engine's initial weights; None without tinygrad or clang."""
    tinygrad = tinygrad_or_none()
    if tinygrad is None:
        return None
    from tinygrad import Device, Tensor, TinyJit
    from tinygrad.helpers import Context
    from tinygrad.nn.optim import SGD

    params = [Tensor(w) for w in initial_weights(spec)]
    opt = SGD(params, lr=spec.lr)
    x, y = batch(spec, size, np.random.default_rng(0))
    tx, ty = Tensor(x), Tensor(y.astype(np.int32) if spec.loss != "mse" else y)

    @TinyJit
    def step(x: object, y: object) -> object:
        with Context(TRAINING=1):
            opt.zero_grad()
            h = x
            for i in range(0, len(params), 2):
                h = h.linear(params[i].T, params[i + 1])
                if i + 2 < len(params):
                    h = h.relu()
            loss = (
                ((h - y) ** 2).mean()
                if spec.loss == "mse"
                else h.sparse_categorical_crossentropy(y)
            )
            loss.backward()
            opt.step()
            return loss.realize()

    device = Device[Device.DEFAULT]

    def run() -> None:
        step(tx, ty)
        device.synchronize()

    for _ in range(3):  # TinyJit captures on its second call and replays from the third
        run()
    return run


def lstm_cases(n: int, steps: int, hidden: int) -> tuple[dict[str, Callable[[], object]], float]:
    """Section 9's LSTM classifier step (input 28, SGD): eager and compiled on twin models,
    PyTorch's twin, and the capture seconds."""
    x, y = nets.batch((n, steps, 28))
    models = [nets.recurrent("lstm", 28, hidden) for _ in range(2)]
    twins = [make_step(m, optim.SGD(m.parameters(), lr=nets.LR), F.cross_entropy) for m in models]
    cases, capture = compiled_twins(models, twins, ae.tensor(x), ae.tensor(y), "LSTM")
    theirs = nets.steps(nets.recurrent("lstm", 28, hidden), x, y).get("torch")
    if theirs is not None:
        cases["torch"] = theirs
    return cases, capture


def mnist_kernels(size: int) -> Callable[[], object]:
    """The kernel calls of the compiled MNIST_SGD step (kernels.linear, ReLU, cross-entropy,
    the products for d h, the folded SGD updates of the weights and biases), from a plain
    Python function with no program, context or op method around them: what a replay costs
    without its own bookkeeping, the floor of a miss."""
    x, y = batch(MNIST_SGD, size, np.random.default_rng(0))
    ae.manual_seed(0)
    model = engine_model(MNIST_SGD.widths)
    params = [p.numpy().copy() for p in model.parameters()]
    w1, b1, w2, b2, w3, b3 = params
    lr, g = MNIST_SGD.lr, np.full(size, 1 / size, np.float32)

    def step() -> None:
        o1 = K.linear(x, w1, b1)
        h1 = K.relu(o1)
        o2 = K.linear(h1, w2, b2)
        h2 = K.relu(o2)
        _, probs = K.softmax_cross_entropy(K.linear(h2, w3, b3), y)
        d3 = K.softmax_cross_entropy_backward(probs, y, g)
        d2 = K.relu_backward(o2, K.matmul(d3, w3))
        K.matmul_sub_(w3, d3.T, h2, lr=lr)
        K.sum_sub_(b3, d3, lr=lr)
        d1 = K.relu_backward(o1, K.matmul(d2, w2))
        K.matmul_sub_(w2, d2.T, h1, lr=lr)
        K.sum_sub_(b2, d2, lr=lr)
        K.matmul_sub_(w1, d1.T, x, lr=lr)
        K.sum_sub_(b1, d1, lr=lr)

    step()  # checked against an eager step from the same weights
    make_step(model, *engine_training(MNIST_SGD, model))(ae.tensor(x), ae.tensor(y))
    for mine, theirs in zip(params, model.parameters()):
        assert same_weights(theirs.numpy(), mine, False), "mnist_kernels: not the step"
    return step


def mnist_floor(cfg: Config, size: int, step: Callable[[], object], m: dict[str, float]) -> str:
    """Markdown: the compiled MNIST step at `size` (`step`, as the table timed it) against its
    kernels alone and its peers (m: the medians), then its profile."""
    cases = {"compiled": step, "kernels": mnist_kernels(size)}
    t = {k: v.median for k, v in measure(cases, cfg.budget()).items()}
    peers = ", ".join(f"{name} {us(m[key])} us" for key, name in PEERS if key in m)
    return (
        f"Profiled: the compiled MNIST step at batch {size}. It took {us(t['compiled'])} us "
        f"here and its kernels called from a plain Python function (`mnist_kernels`) "
        f"{us(t['kernels'])} us; in the table: {peers}. The difference is the replay's own "
        "cost (contexts, each op's forward and backward method, the optimizer's calls).\n\n"
        + profile(cases["compiled"], cfg.pick(300, 10))
    )


def lstm_products(
    n: int, steps: int, hidden: int, features: int = 28
) -> tuple[Callable[[], object], float]:
    """The matrix products of one LSTM classifier step, as its kernels run them (the input
    product of all steps, one recurrent product per step forward and per step but the first
    backward, one product for the three weight gradients, the head's three), on arrays of the
    step's shapes, and their floating-point operations: the BLAS floor of a miss."""
    rng = np.random.default_rng(0)

    def r(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape, dtype=np.float32)

    gates, rows = 4 * hidden, steps * n
    x, w_ih, w_hh, w_t = r(rows, features), r(gates, features), r(gates, hidden), r(hidden, gates)
    h, d, gx = r(n, hidden), r(n, gates), np.empty((rows, gates), np.float32)
    out_g, out_h = np.empty((n, gates), np.float32), np.empty((n, hidden), np.float32)
    wide, d_all = r(rows, features + hidden + 1), r(rows, gates)
    w_head, d_head = r(nets.CLASSES, hidden), r(n, nets.CLASSES)

    def run() -> None:
        np.matmul(x, w_ih.T, out=gx)
        for _ in range(steps):
            np.matmul(h, w_t, out=out_g)
        for _ in range(steps - 1):
            np.matmul(d, w_hh, out=out_h)
        np.matmul(wide.T, d_all)
        h @ w_head.T, d_head.T @ h, d_head @ w_head

    flops = 2 * (
        rows * features * gates
        + (2 * steps - 1) * n * hidden * gates
        + rows * (features + hidden + 1) * gates
        + 3 * n * hidden * nets.CLASSES
    )
    return run, flops


def sgemm_peak() -> float:
    """GFLOP/s of a 1024 x 1024 float32 product on the current thread count, best of five."""
    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    return 2 * 1024**3 / min(timed(lambda: a @ a)[1] for _ in range(5)) / 1e9


def lstm_floor(cfg: Config, n: int, steps: int, hidden: int, m: dict[str, float]) -> str:
    """Markdown: what the compiled LSTM step's matrix products alone take, measured and at
    the 1024^3 product's rate, against the time the target asks for (m: the medians)."""
    run, flops = lstm_products(n, steps, hidden)
    alone = measure({"products": run}, cfg.budget(rounds=7))["products"].median
    peak = sgemm_peak()
    goal = m["torch"] / LSTM_VS_TORCH
    return (
        f"Profiled: the compiled LSTM step (batch {n}, hidden {hidden}, T = {steps}). Its "
        f"matrix products are {flops / 1e6:.0f} MFLOP: run alone on arrays of their shapes "
        f"they take {ms(alone)} ms ({flops / alone / 1e9:.0f} GFLOP/s), and "
        f"{ms(flops / peak / 1e9)} ms at the {peak:.0f} GFLOP/s of a 1024^3 float32 product "
        f"in this run. The step takes "
        f"{ms(m['compiled'])} ms; {LSTM_VS_TORCH}x PyTorch's {ms(m['torch'])} ms needs "
        f"{ms(goal)} ms, {100 * goal / alone:.0f} % of the products' time, leaving "
        f"{ms(max(goal - alone, 0.0))} ms for the gate math, the loss and the update "
        f"(the best ratio with the products as they run is {m['torch'] / alone:.2f}x).\n\n"
    )


def row(case: str, batch: str, m: dict[str, float], capture: float, jax: str = "-") -> list[str]:
    """A table row from the medians `m` of "eager", "compiled" and the peers that ran; `jax`
    fills the JAX cells when JAX did not run."""
    compiled = m["compiled"]
    return [
        case,
        batch,
        us(m["eager"]),
        us(compiled),
        us(m.get("torch", math.nan)),
        us(m["jax"]) if "jax" in m else jax,
        us(m["tinygrad"]) if "tinygrad" in m else "-",
        times(m["eager"] / compiled),
        times(m.get("torch", math.nan) / compiled),
        times(m["jax"] / compiled) if "jax" in m else "-",
        times(m["tinygrad"] / compiled) if "tinygrad" in m else "-",
        ms(capture),
    ]


def chain_cases() -> tuple[dict[str, Callable[[], object]], float]:
    """`(x * y + z).sum().backward()` on one-element tensors: eager, compiled, PyTorch."""
    x, y, z = (ae.tensor([v], requires_grad=True) for v in (2.0, 3.0, 4.0))

    def f(x: ae.Tensor, y: ae.Tensor, z: ae.Tensor) -> None:
        (x * y + z).sum().backward()

    fast = ae.compile(f)
    f(x, y, z)
    capture = capture_seconds(fast, x, y, z)
    cases = {"eager": lambda: f(x, y, z), "compiled": lambda: fast(x, y, z)}
    torch = torch_or_none()
    if torch is not None:
        tx, ty, tz = (torch.tensor([v], requires_grad=True) for v in (2.0, 3.0, 4.0))
        cases["torch"] = lambda: (tx * ty + tz).sum().backward()
    if has_micrograd():
        from micrograd.engine import Value

        mx, my, mz = Value(2.0), Value(3.0), Value(4.0)
        cases["micrograd"] = lambda: (mx * my + mz).backward()
    return cases, capture


def run(cfg: Config) -> Section:
    batches = cfg.pick([1, 32, 128], [32])
    configs = [(MNIST_SGD, b) for b in batches] + [(SMALL_SGD, 32)]
    rows, targets, results, compiled_steps = [], [], {}, {}
    jax_installed = jax_or_none() is not None
    with one_thread():
        for spec, size in configs:
            cases, capture = engine_steps(spec, size)
            compiled_steps[spec, size] = cases["compiled"]
            theirs = torch_step(spec, size)
            if theirs is not None:
                cases["torch"] = theirs
            jitted = jax_step(spec, size)
            if jitted is not None:
                cases["jax"] = jitted[0]
            tiny = tinygrad_step(spec, size)
            if tiny is not None:
                cases["tinygrad"] = tiny
            m = {k: v.median for k, v in measure(cases, cfg.budget()).items()}
            results[spec, size] = m
            vs_torch = m.get("torch", math.nan) / m["compiled"]
            vs_jax = m.get("jax", math.nan) / m["compiled"]
            rows.append(row(str(spec), str(size), m, capture, jax="not installed"))
            if spec == MNIST_SGD and size == 1:
                targets.append(
                    Target.at_least(
                        f"{spec}, batch 1, compiled vs PyTorch", vs_torch, VS_TORCH_BATCH_1
                    )
                )
            if spec == SMALL_SGD:
                targets.append(
                    Target.at_least(
                        f"{spec}, batch {size}, compiled vs PyTorch", vs_torch, SMALL_VS_TORCH
                    )
                )
            if spec == MNIST_SGD and "jax" in m:
                targets.append(
                    Target.at_least(f"{spec}, batch {size}, compiled vs JAX", vs_jax, VS_JAX)
                )
        n, steps, hidden = cfg.pick(64, 8), cfg.pick(28, 7), cfg.pick(128, 32)
        lstm, lstm_capture = lstm_cases(n, steps, hidden)
        budget = cfg.budget(rounds=cfg.pick(11, 3))
        lstm_m = {k: v.median for k, v in measure(lstm, budget).items()}
        vs_torch = lstm_m.get("torch", math.nan) / lstm_m["compiled"]
        rows.append(
            row(f"LSTM {steps} steps, hidden {hidden} (section 9)", str(n), lstm_m, lstm_capture)
        )
        if "torch" in lstm_m:
            what = f"LSTM step, batch {n}, hidden {hidden}, T = {steps}, compiled vs PyTorch"
            targets.append(Target.at_least(what, vs_torch, LSTM_VS_TORCH))
        chain, chain_capture = chain_cases()
        c = {k: v.median for k, v in measure(chain, cfg.budget()).items()}
        rows.append(row("(x * y + z).sum().backward()", "1 element", c, chain_capture))
        if "micrograd" in c:
            targets.append(
                Target.at_most(
                    "compiled (x * y + z).sum().backward(), us (micrograd's time is the goal)",
                    c["compiled"] * 1e6,
                    c["micrograd"] * 1e6,
                    "us",
                )
            )
    notes = [
        "One thread for Numba, BLAS and PyTorch, the process pinned to one core. Medians of "
        "interleaved rounds; `capture ms` is the compiled step's calls before its first replay "
        "(eager calls that record, then the program is generated; fused kernels come from the "
        "disk cache when an earlier run compiled them), never part of a median.",
        "A step is zero_grad, forward, loss, backward and the optimizer step (SGD lr 0.05), "
        "float32, the same batch every step. Before timing, three compiled steps are checked "
        "to give the eager steps' weights bit for bit (within 1e-6 of their scale at batches "
        "above 1, where plain SGD's weight update is one BLAS call W += (-lr) G^T X).",
        "The compiled step runs the eager step's kernels, except that runs of elementwise "
        "+ - * / (forward and backward) become one fused loop each (autograd_engine/fusion.py): "
        "what it saves is mostly the per-op bookkeeping (Tensor and Node creation, grad-mode "
        "checks, the backward engine's graph walk), so the gain is largest where the kernels "
        "are short. In these MLP and LSTM steps nothing is fused (their elementwise work is "
        "already one kernel per op: ReLU, the LSTM gates); the expression's mul and add are.",
    ]
    if not jax_installed:
        notes.append(
            "JAX is not installed: its column is empty and the `>= 1.0x JAX` targets of "
            "issue 17 are not measured (`pip install jax` to add them)."
        )
    if tinygrad_or_none() is None:
        notes.append(TINYGRAD_NOTE)
    else:
        notes.append(
            "tinygrad: the MLP steps under TinyJit on its CPU device (clang-compiled kernels, "
            "NUM_CPU_THREADS=1), from the engine's initial weights; its kernel compilation in "
            "the first calls is not timed."
        )
    if not has_micrograd():
        notes.append(MICROGRAD_NOTE)
    section = Section(
        "compiled",
        "10. Compiled training step (ae.compile) against eager, PyTorch, JAX and tinygrad, "
        "one thread",
        [
            "case",
            "batch",
            "eager us",
            "compiled us",
            "PyTorch us",
            "JAX jit us",
            "tinygrad TinyJit us",
            "compiled vs eager",
            "compiled vs PyTorch",
            "compiled vs JAX",
            "compiled vs tinygrad",
            "capture ms",
        ],
        rows,
        targets=targets,
        notes=notes,
    )
    fig, axes = plots.figure(1)
    groups = [f"{spec.widths[0]}-...-{spec.widths[-1]}, b{size}" for spec, size in configs]
    peers = ("eager", "compiled", "torch", "jax", "tinygrad")
    series = {
        p: [results[c].get(p, math.nan) * 1e6 for c in configs]
        for p in peers
        if any(p in r for r in results.values())
    }
    plots.bars(axes[0], groups, series, "microseconds per training step")
    axes[0].set_yscale("log")
    section.plot = plots.save(fig, cfg.plot_dir, "compiled")
    profiles = []
    with one_thread():
        for size in batches:
            if any(t.what.startswith(f"{MNIST_SGD}, batch {size},") for t in section.missed):
                step = compiled_steps[MNIST_SGD, size]
                profiles.append(mnist_floor(cfg, size, step, results[MNIST_SGD, size]))
        if any("LSTM" in t.what for t in section.missed):
            floor = lstm_floor(cfg, n, steps, hidden, lstm_m)
            profiles.append(floor + profile(lstm["compiled"], cfg.pick(50, 5)))
    section.profile = "\n\n".join(profiles) or None
    return section
