"""`Module`: the base class of layers and models, with PyTorch's registration rules.

Assigning a `Parameter` or a `Module` to an attribute registers it; `register_buffer` registers
state that is saved in `state_dict` but not trained (BatchNorm's running statistics). Names
are dotted paths through the tree of sub-modules ("encoder.0.weight").
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

import autograd_engine as ae
from autograd_engine.device import names_device
from autograd_engine.hooks import RemovableHandle

from . import hooks
from .parameter import Parameter


class StateDictError(ae.AutogradError, ValueError, RuntimeError):
    """A state dict that does not fit the module: missing, unexpected or mis-shaped entries
    (a RuntimeError, as in PyTorch, and a ValueError)."""


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model: subclass it, assign layers in `__init__` (after
    `super().__init__()`) and write `forward`. Call the module, not `forward`."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_scope", ae.scope(type(self).__name__, owner=self))
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "_backward_hooks", {})
        object.__setattr__(self, "_hooks_with_kwargs", {})
        object.__setattr__(self, "_hooked", False)  # a hook was registered: the slower call path

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run `forward` inside a scope named after the module, so graph drawings can box it."""
        if self._hooked:
            if self._forward_pre_hooks or self._forward_hooks or self._backward_hooks:
                ae.compiler.graph_break(f"{type(self).__name__} has hooks, which a replay skips")
                return self._scope.run(self._call_with_hooks, args, kwargs)
            object.__setattr__(self, "_hooked", False)  # every hook was removed: the fast path
        return self._scope.run(self.forward, *args, **kwargs)

    # ------------------------------------------------------------------ hooks
    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        """PyTorch's order: forward pre-hooks (each may replace the inputs), forward (with
        full backward hooks attached), forward hooks (each may replace the output)."""
        with_kwargs = self._hooks_with_kwargs
        for key, hook in list(self._forward_pre_hooks.items()):
            if key in with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        if self._backward_hooks:
            output = hooks.wrap_call(self, self.forward, args, kwargs)
        else:
            output = self.forward(*args, **kwargs)
        for key, hook in list(self._forward_hooks.items()):
            if key in with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def _add_hook(
        self, registry: dict, hook: Callable, prepend: bool, with_kwargs: bool
    ) -> RemovableHandle:
        handle = RemovableHandle(registry, self._hooks_with_kwargs)
        object.__setattr__(self, "_hooked", True)
        if prepend:
            later = list(registry.items())
            registry.clear()
            registry[handle.id] = hook
            registry.update(later)
        else:
            registry[handle.id] = hook
        if with_kwargs:
            self._hooks_with_kwargs[handle.id] = True
        return handle

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call hook(module, args) before each forward; a non-None result replaces the
        positional inputs (a tuple, or a single value). With `with_kwargs`,
        hook(module, args, kwargs) returns None or (args, kwargs)."""
        return self._add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    def register_forward_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> RemovableHandle:
        """Call hook(module, args, output) after each forward (hook(module, args, kwargs,
        output) with `with_kwargs`); a non-None result replaces the output."""
        return self._add_hook(self._forward_hooks, hook, prepend, with_kwargs)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Call hook(module, grad_input, grad_output) when the gradients with respect to the
        module's inputs are computed; a non-None result replaces grad_input. Supported for
        modules with at most one input that requires grad."""
        return self._add_hook(self._backward_hooks, hook, prepend, False)

    # ------------------------------------------------------------------ registration
    def _require_init(self) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign parameters, buffers or sub-modules before "
                f"{type(self).__name__}.__init__() calls super().__init__()"
            )

    def _forget(self, name: str, keep: str) -> None:
        """Drop `name` from every registry but `keep` (where re-registering keeps its place)."""
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                d[registry].pop(name, None)
        d["_non_persistent"].discard(name)
        d.pop(name, None)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter '{name}' of "
                    f"{type(self).__name__}: use nn.Parameter(...) or None"
                )
            self._parameters[name] = None
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to sub-module '{name}' of "
                    f"{type(self).__name__}: expected a Module or None"
                )
            self._modules[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            if value is not None and not isinstance(value, ae.Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} to buffer '{name}' of "
                    f"{type(self).__name__}: expected a Tensor or None"
                )
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in d.get(registry, ()):
                del d[registry][name]
                d["_non_persistent"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        d = self.__dict__
        return sorted({*super().__dir__(), *d["_parameters"], *d["_buffers"], *d["_modules"]})

    @staticmethod
    def _check_name(kind: str, name: Any) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f'{kind} name must be non-empty and contain no ".", got "{name}"')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` (or None, for an absent optional weight) under `name`."""
        self._require_init()
        self._check_name("parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot register a {type(param).__name__} as parameter '{name}': wrap it in "
                "nn.Parameter(...)"
            )
        self._forget(name, "_parameters")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: ae.Tensor | None, persistent: bool = True) -> None:
        """Register non-trained state; persistent buffers are part of `state_dict`."""
        self._require_init()
        self._check_name("buffer", name)
        if tensor is not None and not isinstance(tensor, ae.Tensor):
            raise TypeError(
                f"buffer '{name}' must be a Tensor or None, got {type(tensor).__name__}"
            )
        self._forget(name, "_buffers")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a sub-module; its calls are labelled "name: ClassName" in graph drawings."""
        self._require_init()
        self._check_name("module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"'{name}' must be a Module or None, got {type(module).__name__}")
        self._forget(name, "_modules")
        self._modules[name] = module
        if module is not None:
            object.__setattr__(
                module, "_scope", ae.scope(f"{name}: {type(module).__name__}", owner=module)
            )

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The sub-module at a dotted path ("" is the module itself)."""
        module = self
        for part in target.split(".") if target else ():
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no sub-module '{part}'")
            module = child
        return module

    # ------------------------------------------------------------------ traversal
    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and every descendant, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                path = f"{prefix}.{name}" if prefix else name
                yield from child.named_modules(memo, path, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for path, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{path}.{name}" if path else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter); a parameter shared by several modules comes once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, ae.Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[ae.Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def num_parameters(self, trainable_only: bool = False) -> int:
        """The number of scalar parameters (only those requiring grad if `trainable_only`)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    # ------------------------------------------------------------------ modes and updates
    def train(self, mode: bool = True) -> Module:
        """Switch this module and its descendants to training (or, with False, eval) mode."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: Dropout is off and BatchNorm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    @ae.compiler.disable  # a compiled step calls it again on each replay (as optimizers')
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters (to None, or to zeros in place)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                with ae.no_grad():
                    p.grad.zero_()

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call `fn` on every sub-module (children first) and then on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """PyTorch's `to(device)`, `to(dtype)`, `to(device, dtype)` and `to(tensor)`: convert
        floating-point parameters, their gradients and buffers to the dtype, in place. The
        only device is the CPU (another one raises, as `Tensor.to` does)."""
        probe = ae.zeros(0).to(*args, **kwargs)  # Tensor.to parses and checks the arguments
        if kwargs.get("dtype") is None and all(names_device(a) for a in args):
            return self  # only a device: the CPU, where everything already is
        target = probe.dtype
        if target.kind != "f":
            raise TypeError(f"Module.to: expected a floating dtype, got {target}")

        def convert(t: ae.Tensor) -> None:
            if t.dtype.kind == "f" and t.dtype != target:
                t.data = t.numpy().astype(target)
                if t.grad is not None:
                    t.grad = t.grad.numpy().astype(target)

        for module in self.modules():
            for t in (*module._parameters.values(), *module._buffers.values()):
                if t is not None:
                    convert(t)
        return self

    def cpu(self) -> Module:
        return self

    def cuda(self, device: Any = None) -> Module:
        ae.zeros(0).cuda(device)  # raises: there is no GPU
        return self

    def float(self) -> Module:
        return self.to(ae.float32)

    def double(self) -> Module:
        return self.to(ae.float64)

    def half(self) -> Module:
        return self.to(ae.float16)

    # ------------------------------------------------------------------ state dict
    def state_dict(
        self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, ae.Tensor]:
        """Parameters and persistent buffers by dotted name, in registration order.

        Values are detached copies, so later training does not change a saved state (with
        `keep_vars=True`, the registered tensors themselves).
        """
        out = OrderedDict() if destination is None else destination
        for registry in ("_parameters", "_buffers"):
            for name, value in self.__dict__[registry].items():
                if value is None or name in self._non_persistent:
                    continue
                out[prefix + name] = value if keep_vars else ae.tensor(value.numpy(), value.dtype)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(out, f"{prefix}{name}.", keep_vars)
        return out

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values (Tensors or arrays) into the parameters and buffers, in place.

        Shape mismatches are always an error; with `strict`, so are missing and unexpected
        keys. The error lists every problem at once.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        for key, target in own.items():
            if key in state_dict:
                shape = np.shape(_as_array(state_dict[key]))
                if shape != target.shape:
                    mismatched.append(
                        f"{key}: checkpoint shape {shape}, model shape {tuple(target.shape)}"
                    )
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if problems:
            raise StateDictError(
                f"error loading the state dict into {type(self).__name__}:\n  "
                + "\n  ".join(problems)
            )
        with ae.no_grad():
            for key, target in own.items():
                if key in state_dict:
                    target.copy_(_as_array(state_dict[key]))
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The one-line settings shown between the parentheses of the repr."""
        return ""

    def __repr__(self) -> str:
        """The tree of sub-modules as PyTorch prints it, with parameter counts as comments."""
        text = self._tree()
        return text + _count_note(self) if self._modules else text

    def _tree(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            return head + ")"
        lines = []
        for name, child in self._modules.items():
            body = "None" if child is None else child._tree() + _count_note(child)
            lines.append(f"({name}): " + body.replace("\n", "\n  "))
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _count_note(module: Module) -> str:
    """A trailing "  # 1,234 params" for a module that has parameters."""
    n = Module.num_parameters(module)  # PReLU has an attribute of that name, as in PyTorch
    return f"  # {n:,} params" if n else ""


def _as_array(value: Any) -> np.ndarray:
    return value.numpy() if isinstance(value, ae.Tensor) else np.asarray(value)
