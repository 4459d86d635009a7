"""L-BFGS: a quasi-Newton method that builds a low-rank inverse-Hessian estimate from the last
`history_size` pairs (s = step taken, y = change of gradient), as torch.optim.LBFGS.

One `step(closure)` runs up to `max_iter` iterations on all parameters seen as one flat
vector x. Each iteration finds the direction d = -H g by the two-loop recursion (Nocedal &
Wright, algorithm 7.4) and moves x by t d, with t = lr, or with t chosen by a line search
satisfying the strong Wolfe conditions (algorithms 3.5 and 3.6, cubic interpolation). The
closure recomputes the loss and gradients and is called once per iteration (more during a line
search). The first step is t = min(1, 1 / |g|_1) lr, since no curvature is known yet.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_engine as ae

from .optimizer import Optimizer, ParamsT

Evaluate = Callable[[np.ndarray, float, np.ndarray], tuple[float, np.ndarray]]


class LBFGS(Optimizer):
    """`LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
    tolerance_change=1e-9, history_size=100, line_search_fn=None)`; `max_eval` defaults to
    max_iter * 5 // 4, `line_search_fn` is None or "strong_wolfe". One param group only;
    `step` needs a closure that zeroes the gradients, computes the loss, calls backward and
    returns the loss."""

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_iter * 5 // 4 if max_eval is None else max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                f"{group['line_search_fn']!r}"
            )

    # ------------------------------------------------------------------ the flat vector
    @property
    def _params(self) -> list[ae.Tensor]:
        return self.param_groups[0]["params"]

    def _flat_grad(self) -> np.ndarray:
        return np.concatenate(
            [
                np.zeros(p.numel(), p.dtype) if p.grad is None else p.grad.numpy().reshape(-1)
                for p in self._params
            ]
        )

    def _add(self, t: float, d: np.ndarray) -> None:
        """x <- x + t d, in place in every parameter."""
        offset = 0
        for p in self._params:
            n = p.numel()
            p.numpy()[...] += t * d[offset : offset + n].reshape(p.shape)
            ae.increment_version(p)
            offset += n

    def _set(self, values: list[np.ndarray]) -> None:
        for p, v in zip(self._params, values):
            p.numpy()[...] = v
            ae.increment_version(p)

    # ------------------------------------------------------------------ the step
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to `max_iter` iterations; return the loss of the first closure call."""
        if closure is None:
            raise RuntimeError("LBFGS.step needs a closure that recomputes the loss")

        def evaluate() -> Any:
            with ae.enable_grad():
                return closure()

        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state.setdefault(self._params[0], {"func_evals": 0, "n_iter": 0})

        orig_loss = evaluate()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= tol_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        dirs, steps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_g = state.get("H_diag"), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                dirs, steps, ro, h_diag = [], [], [], 1.0
            else:
                y, s = g - prev_g, d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep only pairs with positive curvature
                    if len(dirs) == group["history_size"]:
                        dirs.pop(0), steps.pop(0), ro.pop(0)
                    dirs.append(y)
                    steps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                d = _two_loop(g, dirs, steps, ro, h_diag)
            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(np.abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(g @ d)
            if gtd > -tol_change:  # not a descent direction
                break

            ls_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x0 = [p.numpy().copy() for p in self._params]

                def along(x: list[np.ndarray], t: float, d: np.ndarray) -> tuple[float, np.ndarray]:
                    self._add(t, d)
                    value = float(evaluate())
                    grad = self._flat_grad()
                    self._set(x)
                    return value, grad

                loss, g, t, ls_evals = _strong_wolfe(
                    along, x0, t, d, loss, g, gtd, max_ls=max_eval - evals
                )
                self._add(t, d)
                converged = np.abs(g).max() <= tol_grad
            else:
                self._add(t, d)
                converged = False
                if n_iter != max_iter:
                    loss = float(evaluate())
                    g = self._flat_grad()
                    converged = np.abs(g).max() <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state.update(
            d=d, t=t, old_dirs=dirs, old_stps=steps, ro=ro, H_diag=h_diag,
            prev_flat_grad=prev_g, prev_loss=prev_loss,
        )  # fmt: skip
        return orig_loss

    def _restore_state(
        self, param: np.ndarray, group: dict[str, Any], saved: dict[str, Any], key: Any
    ) -> dict[str, Any]:
        return copy.deepcopy(saved)


def _two_loop(
    g: np.ndarray, dirs: list[np.ndarray], steps: list[np.ndarray], ro: list[float], h: float
) -> np.ndarray:
    """d = -H g with H the L-BFGS inverse-Hessian estimate (H_0 = h I)."""
    q = -g
    alphas = []
    for y, s, r in zip(reversed(dirs), reversed(steps), reversed(ro)):
        a = float(s @ q) * r
        q = q - a * y
        alphas.append(a)
    r_vec = q * h
    for y, s, r, a in zip(dirs, steps, ro, reversed(alphas)):
        b = float(y @ r_vec) * r
        r_vec = r_vec + (a - b) * s
    return r_vec


def _cubic_min(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float, bounds=None
) -> float:
    """The minimiser of the cubic through (x1, f1, f'=g1) and (x2, f2, f'=g2), clipped to
    `bounds` (default: the interval between x1 and x2); the midpoint if it has none."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, lo), hi)


def _strong_wolfe(
    along: Evaluate,
    x: list[np.ndarray],
    t: float,
    d: np.ndarray,
    f: float,
    g: np.ndarray,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, np.ndarray, float, int]:
    """A step t along d with sufficient decrease, f(t) <= f + c1 t g.d, and small slope,
    |g(t).d| <= c2 |g.d|: bracket such a t, then zoom in by cubic interpolation.
    Returns (f(t), g(t), t, number of evaluations)."""
    d_norm = float(np.abs(d).max())
    f_new, g_new = along(x, t, d)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    # Bracketing: grow t until the interval [t_prev, t] holds an acceptable step.
    while ls_iter < max_ls:
        too_far = f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev)
        if not too_far and abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if too_far or gtd_new >= 0:
            bracket = [t_prev, t]
            bracket_f, bracket_g = [f_prev, f_new], [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        t_next = _cubic_min(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10)
        )
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = along(x, t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:  # no bracket found: keep the better of 0 and t
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
        bracket_gtd = [gtd, gtd_new]

    # Zoom: shrink the bracket; `low` is the end with the lower loss.
    insufficient = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # Stay at least 10% of the bracket away from its ends (or move there after two tries).
        lo, hi = min(bracket), max(bracket)
        eps = 0.1 * (hi - lo)
        if min(hi - t, t - lo) < eps:
            if insufficient or t >= hi or t <= lo:
                t = hi - eps if abs(t - hi) < abs(t - lo) else lo + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = along(x, t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high] = t, f_new, g_new
            bracket_gtd[high] = gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low] = t, f_new, g_new
            bracket_gtd[low] = gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals
