"""The hand-written NumPy peer: a Linear + ReLU MLP trained by explicit backprop, no autodiff.

Parameters are laid out as `nn.Linear` keeps them (W of shape (out, in), then b) and updated in
place with the same rules as torch.optim.SGD and torch.optim.Adam (default options). Products go
through `np.dot`, which has no slow path for the batch-1 weight gradient.
"""

from __future__ import annotations

import numpy as np


class NumpyMLP:
    """ReLU between layers, none after the last; loss "cross_entropy" or "mse" (means)."""

    def __init__(
        self,
        params: list[np.ndarray],
        loss: str,
        optimizer: str,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params = params
        self.loss = loss
        self.optimizer = optimizer
        self.lr, self.betas, self.eps = lr, betas, eps
        self.exp_avg = [np.zeros_like(p) for p in params]
        self.exp_avg_sq = [np.zeros_like(p) for p in params]
        self.steps = 0

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        """One training step on the batch (x, y); returns the loss before the update."""
        layers = len(self.params) // 2
        acts = [x]
        for i in range(layers):
            h = np.dot(acts[-1], self.params[2 * i].T)
            h += self.params[2 * i + 1]
            if i < layers - 1:
                np.maximum(h, 0, out=h)
            acts.append(h)
        loss, dz = self._loss(acts[-1], y)
        grads: list[np.ndarray] = [dz] * len(self.params)
        for i in reversed(range(layers)):
            grads[2 * i] = np.dot(dz.T, acts[i])
            grads[2 * i + 1] = dz.sum(axis=0)
            if i:
                dz = np.dot(dz, self.params[2 * i])
                dz *= acts[i] > 0
        self._update(grads)
        return loss

    def _loss(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The loss and its gradient with respect to the last layer's output z."""
        if self.loss == "mse":
            diff = z - y
            return float(np.mean(diff * diff)), diff * (2 / diff.size)
        rows = np.arange(len(y))
        shifted = z - z.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))
        exp /= total
        exp[rows, y] -= 1
        exp *= 1 / len(y)
        return loss, exp

    def _update(self, grads: list[np.ndarray]) -> None:
        if self.optimizer == "sgd":
            for p, g in zip(self.params, grads):
                g *= self.lr
                p -= g
            return
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1**self.steps)
        root_bias2 = np.sqrt(1 - beta2**self.steps)
        for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            denom = np.sqrt(v)
            denom /= root_bias2
            denom += self.eps
            p -= step_size * m / denom
