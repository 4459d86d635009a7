"""`Optimizer`: parameter groups, per-parameter state and the loop every update rule shares.

A subclass names its options (the `defaults`), checks them (`_check_group`), creates the state
of one parameter (`_init_state`) and updates one parameter in place (`_update`, or a whole group
at once in `_update_group`). `step()` walks the groups, skips parameters without a gradient,
negates the gradient for `maximize` and hands NumPy arrays to the update, so no Tensor (and no
graph) is created by an update.

State dicts follow torch.optim's layout: `{"state": {index: {...}}, "param_groups": [{...,
"params": [index, ...]}]}` with parameters numbered in group order. They hold only dicts, lists,
tuples, arrays, numbers, strings, bools and None, so `nn.save` writes them without pickle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

import autograd_engine as ae

ParamsT = Iterable[ae.Tensor] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: `Optimizer(params, defaults)` with `params` an iterable of Tensors or of
    dicts (param groups, each with a "params" entry and optional per-group options)."""

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[ae.Tensor, dict[str, Any]] = {}
        if isinstance(params, ae.Tensor | dict):
            raise TypeError(
                f"{self._name}: params must be an iterable of Tensors or of dicts (param "
                f"groups), got a single {type(params).__name__}; wrap it in a list"
            )
        groups = self._as_list(params)
        if not groups:
            raise ValueError(f"{self._name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join([*lines, ")"])

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters; options it does not set come from `defaults`."""
        if not isinstance(param_group, dict):
            raise TypeError(f"{self._name}: a param group must be a dict, got {param_group!r}")
        if "params" not in param_group:
            raise ValueError(f"{self._name}: a param group needs a 'params' entry")
        params = param_group["params"]
        params = [params] if isinstance(params, ae.Tensor) else self._as_list(params)
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        for p in params:
            if not isinstance(p, ae.Tensor):
                raise TypeError(f"{self._name}: can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"{self._name}: can't optimize a non-leaf Tensor (shape {p.shape}, made "
                    f"by {p.grad_fn!r}); optimize the leaf it was computed from"
                )
            if id(p) in seen:
                raise ValueError(
                    f"{self._name}: a parameter of shape {p.shape} is given more than once "
                    "(within a group or in two groups); each parameter may appear only once"
                )
            seen.add(id(p))
        group = {"params": params}
        for key, value in self.defaults.items():
            group[key] = param_group.get(key, value)
        group.update((k, v) for k, v in param_group.items() if k not in group)
        self._check_group(group)
        self.param_groups.append(group)

    def _as_list(self, params: Iterable[Any]) -> list[Any]:
        if isinstance(params, set):
            raise TypeError(
                f"{self._name}: parameters must be given in an ordered collection (a set's "
                "order changes between runs, which would scramble state dicts); use a list"
            )
        return list(params)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError for an invalid option in `group` (subclasses extend this)."""
        self._require_nonnegative(group, "lr")

    def _require_nonnegative(self, group: dict[str, Any], *names: str) -> None:
        for name in names:
            value = group[name]
            if not value >= 0:
                raise ValueError(f"{self._name}: invalid {name}={value!r}; it must be >= 0")

    # ------------------------------------------------------------------ updates
    # Compiled steps (ae.compile) call these again on each replay instead of tracing into
    # them: they already work on arrays, and so read the learning rate and state afresh.
    @ae.compiler.disable
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set `.grad` to None, or fill it with zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.detach_().zero_()

    def fused_rate(self, param: Any) -> float | None:
        """The learning rate if this optimizer's update of `param` is p -= lr * grad (plain
        SGD), else None: `ae.compile` may then fold the gradient into the update (compiler.py),
        and `step` skips the parameter, whose `.grad` it left at None."""
        return None

    @ae.compiler.disable
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return `closure()` if given (it is
        evaluated first, with gradients enabled, to recompute the loss and gradients)."""
        loss = None
        if closure is not None:
            with ae.enable_grad():
                loss = closure()
        for group in self.param_groups:
            maximize = group.get("maximize", False)
            params, grads, states = [], [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad.numpy()
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = self._init_state(p.numpy(), group)
                params.append(p)
                grads.append(-grad if maximize else grad)
                states.append(state)
            self._update_group([p.numpy() for p in params], grads, states, group)
            ae.increment_version(params)  # a graph that saved the old values now refuses backward
        return loss

    def _init_state(self, param: np.ndarray, group: dict[str, Any]) -> dict[str, Any]:
        """The state of a parameter before its first update."""
        return {}

    def _update(
        self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Update `param` (and `state`) in place from `grad`."""
        raise NotImplementedError(f"{self._name} does not implement an update")

    def _update_group(
        self,
        params: list[np.ndarray],
        grads: list[np.ndarray],
        states: list[dict[str, Any]],
        group: dict[str, Any],
    ) -> None:
        """Update every parameter of a group that has a gradient. One `_update` per parameter
        here; a subclass may update the whole group in one kernel call instead (PyTorch's
        `foreach` implementations)."""
        for param, grad, state in zip(params, grads, states):
            self._update(param, grad, state, group)

    # ------------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """Options and state, with parameters numbered in group order; arrays are copies."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for p, s in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict` for the same parameter layout."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(
                f"{self._name}.load_state_dict: expected a dict with keys 'state' and "
                f"'param_groups', got {_describe(state_dict)}"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{self._name}.load_state_dict: the state dict has {len(saved_groups)} param "
                f"groups but the optimizer has {len(self.param_groups)}"
            )
        sizes = [len(g["params"]) for g in self.param_groups]
        saved_sizes = [len(g["params"]) for g in saved_groups]
        if sizes != saved_sizes:
            raise ValueError(
                f"{self._name}.load_state_dict: param group sizes {saved_sizes} in the state "
                f"dict do not match the optimizer's {sizes}"
            )
        by_index: dict[int, tuple[ae.Tensor, dict[str, Any]]] = {}
        groups = []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            missing = sorted(set(self.defaults) - set(saved))
            if missing:
                raise ValueError(
                    f"{self._name}.load_state_dict: param group {i} lacks the options {missing} "
                    "(a state dict from another optimizer?)"
                )
            new_group = {k: v for k, v in saved.items() if k != "params"}
            new_group["params"] = group["params"]
            self._check_group(new_group)
            groups.append(new_group)
            for i, p in zip(saved["params"], group["params"]):
                by_index[int(i)] = (p, new_group)
        state: dict[ae.Tensor, dict[str, Any]] = {}
        for key, saved_state in state_dict["state"].items():
            if int(key) not in by_index:
                raise ValueError(
                    f"{self._name}.load_state_dict: state for parameter {key}, which no param "
                    "group lists"
                )
            p, group = by_index[int(key)]
            state[p] = self._restore_state(p.numpy(), group, saved_state, key)
        self.param_groups = groups
        self.state = state

    def _restore_state(
        self, param: np.ndarray, group: dict[str, Any], saved: dict[str, Any], key: Any
    ) -> dict[str, Any]:
        """A copy of one parameter's saved state, checked against what `_init_state` makes."""
        where = f"{self._name}.load_state_dict: state of parameter {key}"
        expected = self._init_state(param, group)
        if set(saved) != set(expected):
            raise ValueError(
                f"{where} has entries {sorted(saved)} but {self._name} with these options "
                f"keeps {sorted(expected)} (a state dict from another optimizer?)"
            )
        state = {}
        for name, value in saved.items():
            if isinstance(value, np.ndarray) and value.ndim == param.ndim:
                if value.shape != param.shape:
                    raise ValueError(
                        f"{where}: {name!r} has shape {value.shape} but the parameter has "
                        f"shape {param.shape}"
                    )
                value = np.array(value, dtype=param.dtype, order="C")
            elif isinstance(value, np.ndarray | np.generic):
                value = value.item()
            state[name] = value
        return state


def _describe(obj: Any) -> str:
    if isinstance(obj, dict):
        return f"a dict with keys {sorted(map(str, obj))}"
    return f"a {type(obj).__name__}"
