"""Module hooks: handles that remove them, and the graph nodes behind full backward hooks.

A full backward hook sees the gradients with respect to a module's inputs and outputs. The
module's input and output pass through identity functions: the one on the output records the
output gradient, the one on the input calls the hooks with both gradients, and returns the
input gradient (or the hooks' replacement) to the graph below.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import autograd_engine as ae

_ids = itertools.count()


class RemovableHandle:
    """Returned by `register_*_hook`; `remove()` unregisters the hook (also as a context
    manager: the hook is removed when the block ends)."""

    def __init__(self, *registries: dict[int, Any]) -> None:
        self.id = next(_ids)
        self._registries = registries

    def remove(self) -> None:
        for registry in self._registries:
            registry.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


class BackwardHookCall:
    """One module call's full backward hooks: collects grad_output, then calls the hooks."""

    def __init__(self, module: Any, n_inputs: int, index: int | None) -> None:
        self.module = module
        self.n_inputs = n_inputs
        self.index = index  # position (among tensor inputs) of the one that requires grad
        self.grad_output: tuple[Any, ...] = ()

    def call(self, grad: Any) -> Any:
        """Call every hook as hook(module, grad_input, grad_output); return the (maybe
        replaced) gradient of the input that requires grad."""
        grad_input = tuple(grad if i == self.index else None for i in range(self.n_inputs))
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = tuple(result) if isinstance(result, tuple | list) else (result,)
                if len(result) != self.n_inputs:
                    raise ValueError(
                        f"backward hook of {type(self.module).__name__} returned "
                        f"{len(result)} gradients for {self.n_inputs} inputs"
                    )
                grad_input = result
        return None if self.index is None else grad_input[self.index]


class _OutputGrad(ae.Function):
    """Identity on the module's output; its backward records grad_output (and calls the
    hooks right away when no input needs a gradient)."""

    name = "backward_hook"

    @staticmethod
    def forward(ctx, x, call):
        ctx.call = call
        return x.view()

    @staticmethod
    def backward(ctx, g):
        call = ctx.call
        call.grad_output = (g,)
        if call.index is None:
            call.call(None)
        return g, None


class _InputGrad(ae.Function):
    """Identity on the module's input; its backward calls the hooks."""

    name = "backward_hook"

    @staticmethod
    def forward(ctx, x, call):
        ctx.call = call
        return x.view()

    @staticmethod
    def backward(ctx, g):
        return ctx.call.call(g), None


def wrap_call(module: Any, forward: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    """forward(*args, **kwargs) with the module's full backward hooks attached."""
    if not ae.is_grad_enabled():
        return forward(*args, **kwargs)
    positions = [i for i, a in enumerate(args) if isinstance(a, ae.Tensor)]
    needing = [i for i in positions if args[i].requires_grad]
    if len(needing) > 1:
        raise NotImplementedError(
            f"full backward hooks on {type(module).__name__}: only modules whose inputs include "
            f"at most one Tensor that requires grad are supported, got {len(needing)}"
        )
    index = positions.index(needing[0]) if needing else None
    call = BackwardHookCall(module, len(positions), index)
    if needing:
        args = list(args)
        args[needing[0]] = _InputGrad.apply(args[needing[0]], call)
    out = forward(*args, **kwargs)
    if isinstance(out, ae.Tensor) and out.requires_grad:
        out = _OutputGrad.apply(out, call)
    return out
