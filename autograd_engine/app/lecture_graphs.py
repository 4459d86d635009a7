"""The computational graphs of the lectures, built with the engine and drawn by name.

- perceptron: f(x) = sign(w^T x + b) (Louppe, lecture 2, "Computational graphs").
- mlp-backprop: f(x; W1, W2) = sigma(W2^T sigma(W1^T x)) with
  loss = cross_ent(y, y_hat) + lambda (||W1||_2 + ||W2||_2), and its backward pass (Louppe).
- sigmoid-chain: u1 = w1 x, u2 = sigma(u1), ..., y_hat = sigma(u5): the vanishing gradient
  (Louppe, Donini).
- worked-example: the 2-2-1 sigmoid network with W = [[0.1, 0.2], [0.3, 0.4]], b = [0.5, 0.5],
  W' = [0.5, 0.6], b' = 0.5, x = [0.2, 0.3] and loss (y - t)^2, t = 0 (Donini).

`x @ W1` is W1^T x for a vector x, so the graph shows one matmul as the slide does. cross_ent
and the norm are single operations (custom `Function`s), as they are single nodes on the slide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..creation import tensor
from ..dtypes import float64
from ..errors import NotDifferentiableError
from ..function import Function, Node
from ..ops import sigmoid, sign
from ..tensor import Tensor
from ..viz import Drawing, DrawingError, draw_backward, draw_graph, recording

Built = tuple[Tensor, dict[str, Tensor]]  # the output and the names of the values to label


class _CrossEnt(Function):
    """Binary cross-entropy -(y log p + (1 - y) log(1 - p)) of a probability p."""

    name = "cross_ent"

    @staticmethod
    def forward(ctx: Node, y: np.ndarray, p: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(y, p)
        return -(y * np.log(p) + (1 - y) * np.log1p(-p))

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> tuple[None, Tensor]:
        y, p = ctx.saved_tensors
        return None, g * (p - y) / (p * (1 - p))  # d/dp; the label y gets none


class _Norm(Function):
    """The Euclidean norm ||W||_2 of all entries."""

    name = "norm"
    symbol = "‖·‖₂"

    @staticmethod
    def forward(ctx: Node, w: np.ndarray) -> np.ndarray:
        out = np.sqrt(np.sum(w * w))
        ctx.save_for_backward(w, out)
        return out

    @staticmethod
    def backward(ctx: Node, g: Tensor) -> Tensor:
        w, norm = ctx.saved_tensors
        return g * w / norm  # d||w||/dw = w / ||w||


def _value(data: object, requires_grad: bool = False) -> Tensor:
    return tensor(data, dtype=float64, requires_grad=requires_grad)


def perceptron() -> Built:
    x = _value([0.5, -1.0, 2.0])
    w = _value([1.0, 0.5, -0.25], requires_grad=True)
    b = _value(0.1, requires_grad=True)
    f = sign(w @ x + b)
    return f, {"x": x, "w": w, "b": b, "f(x)": f}


def mlp_backprop() -> Built:
    x = _value([0.5, -1.0, 2.0])
    W1 = _value(np.linspace(-0.5, 0.6, 12).reshape(3, 4), requires_grad=True)
    W2 = _value([0.3, -0.2, 0.5, 0.1], requires_grad=True)
    y = _value(1.0)
    lam = _value(0.01)
    u1 = x @ W1  # W1^T x
    u2 = sigmoid(u1)
    u3 = u2 @ W2  # W2^T u2
    y_hat = sigmoid(u3)
    u4 = _CrossEnt.apply(y, y_hat)
    u5 = _Norm.apply(W1)
    u6 = _Norm.apply(W2)
    u7 = u5 + u6
    u8 = lam * u7
    loss = u4 + u8
    names = {"x": x, "W1": W1, "W2": W2, "y": y, "λ": lam, "ŷ": y_hat, "ℓ": loss}
    names |= {f"u{i}": u for i, u in enumerate((u1, u2, u3, u4, u5, u6, u7, u8), start=1)}
    return loss, names


def sigmoid_chain() -> Built:
    x = _value(1.5)
    w1, w2, w3 = (_value(v, requires_grad=True) for v in (0.8, -0.6, 0.9))
    u1 = w1 * x
    u2 = sigmoid(u1)
    u3 = w2 * u2
    u4 = sigmoid(u3)
    u5 = w3 * u4
    y_hat = sigmoid(u5)
    names = {"x": x, "w1": w1, "w2": w2, "w3": w3, "ŷ": y_hat}
    names |= {f"u{i}": u for i, u in enumerate((u1, u2, u3, u4, u5), start=1)}
    return y_hat, names


def worked_example() -> Built:
    x = _value([0.2, 0.3])
    W = _value([[0.1, 0.2], [0.3, 0.4]], requires_grad=True)
    b = _value([0.5, 0.5], requires_grad=True)
    W2 = _value([0.5, 0.6], requires_grad=True)
    b2 = _value(0.5, requires_grad=True)
    t = _value(0.0)
    s1 = W @ x + b  # (0.58, 0.68) on the slide
    x1 = sigmoid(s1)  # (0.64, 0.66)
    s2 = W2 @ x1 + b2  # 1.22
    y = sigmoid(s2)  # 0.77
    loss = (y - t) ** 2  # 0.60
    names = {"x": x, "W": W, "b": b, "W'": W2, "b'": b2, "t": t}
    names |= {"s(1)": s1, "x(1)": x1, "s(2)": s2, "y": y, "ℓ": loss}
    return loss, names


@dataclass(frozen=True)
class LectureGraph:
    """A named lecture graph: how to build it and how the slide draws it."""

    build: Callable[[], Built]
    title: str
    backward: bool = False  # draw the backward pass by default
    show_values: bool | None = None
    show_grads: bool = False
    gradient_note: str = ""  # a second title line, for pictures that show gradients


GRAPHS: dict[str, LectureGraph] = {
    "perceptron": LectureGraph(perceptron, "perceptron: f(x) = sign(wᵀx + b)", show_values=False),
    "mlp-backprop": LectureGraph(
        mlp_backprop,
        "ℓ = cross_ent(y, ŷ) + λ(‖W1‖₂ + ‖W2‖₂),  ŷ = σ(W2ᵀ σ(W1ᵀ x))",
        backward=True,
        show_values=False,
    ),
    "sigmoid-chain": LectureGraph(
        sigmoid_chain,
        "ŷ = σ(w3 σ(w2 σ(w1 x)))",
        backward=True,
        gradient_note="each σ' ≤ 1/4, so ∂ŷ/∂w1 shrinks",
    ),
    "worked-example": LectureGraph(
        worked_example, "2-2-1 network, sigmoid, ℓ = (y - t)², t = 0", show_grads=True
    ),
}


def draw(
    name: str,
    *,
    direction: str | None = None,
    backward: bool | None = None,
    show_grads: bool | None = None,
) -> Drawing:
    """Draw lecture graph `name` (see GRAPHS); `backward` and `show_grads` override its
    defaults: the backward pass, or the forward graph with `.grad` after `backward()` (asking
    for the grads alone draws the forward graph). The title says which of the three it is;
    direction None is each drawing's own default."""
    if name not in GRAPHS:
        raise DrawingError(f"unknown lecture graph {name!r}; choose one of {', '.join(GRAPHS)}")
    spec = GRAPHS[name]
    with recording():
        output, names = spec.build()
    if backward is None:
        backward = spec.backward and not show_grads
    show_grads = not backward and (spec.show_grads if show_grads is None else show_grads)
    shows = "backward pass" if backward else ".grad after backward()" if show_grads else ""
    notes = [f"{spec.title}: {shows}" if shows else spec.title]
    if shows and spec.gradient_note:
        notes.append(spec.gradient_note)
    if show_grads:
        try:
            output.backward()
        except NotDifferentiableError:
            notes.append("no .grad: backpropagation stops at an operation without a gradient")
    options = {"names": names, "show_values": spec.show_values, "direction": direction}
    if backward:
        return draw_backward(output, title="\n".join(notes), **options)
    return draw_graph(output, title="\n".join(notes), show_grads=show_grads, **options)
