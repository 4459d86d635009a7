"""Property-based gradient tests for every public op, driven by the catalogue in op_catalogue.py.

For each case: first-order gradcheck (broadcast and non-contiguous inputs, random upstream
gradient), second-order gradgradcheck, and forward values and gradients against PyTorch when it
is installed. The completeness tests fail when a public op, in-place method or Function class
has no case.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from op_catalogue import CASES, NON_DIFFERENTIABLE, NOT_INPLACE_OPERATIONS, NOT_OPERATIONS

import autograd_engine as ae
from autograd_engine import Tensor, ops
from autograd_engine.errors import NotDifferentiableError
from autograd_engine.function import Function
from autograd_engine.testing import gradcheck, gradgradcheck

SECOND_ORDER = [c for c in CASES if c.second_order]
WITH_TORCH = [c for c in CASES if c.torch_call is not None]
# Second derivatives cost a backward with create_graph per evaluation: half the examples.
SECOND_ORDER_EXAMPLES = max(1, settings().max_examples // 2)


def _ids(cases: list) -> list[str]:
    return [c.name for c in cases]


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
@given(data=st.data())
def test_gradient(case, data):
    tensors, kwargs = data.draw(case.inputs)
    assert gradcheck(lambda *xs: case.call(*xs, **kwargs), tensors, eps=case.eps, atol=case.atol)


@pytest.mark.parametrize("case", SECOND_ORDER, ids=_ids(SECOND_ORDER))
@settings(max_examples=SECOND_ORDER_EXAMPLES)
@given(data=st.data())
def test_second_order_gradient(case, data):
    tensors, kwargs = data.draw(case.inputs)
    assert gradgradcheck(
        lambda *xs: case.call(*xs, **kwargs),
        tensors,
        eps=case.eps,
        atol=case.atol,
        max_full_jacobian=8,
    )


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _to_torch(torch: Any, x: Tensor) -> Any:
    t = torch.from_numpy(np.array(x.numpy()))  # a C-contiguous copy: torch has no negative strides
    return t.requires_grad_() if x.requires_grad else t


@pytest.mark.parametrize("case", WITH_TORCH, ids=_ids(WITH_TORCH))
@given(data=st.data())
def test_matches_torch(torch, case, data):
    tensors, kwargs = data.draw(case.inputs)
    twins = [_to_torch(torch, x) for x in tensors]
    expected = case.torch_call(torch, *twins, **kwargs)
    assume(expected is not NotImplemented)  # an index PyTorch cannot express
    out = case.call(*tensors, **kwargs)
    assert out.shape == tuple(expected.shape)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-7, atol=1e-10)

    wrt = [i for i, x in enumerate(tensors) if x.requires_grad]
    upstream = np.asarray(np.random.default_rng(0).standard_normal(out.shape))
    ours = ae.grad(
        out,
        [tensors[i] for i in wrt],
        grad_outputs=Tensor(upstream, dtype=np.float64),
        allow_unused=True,
    )
    theirs = torch.autograd.grad(
        expected, [twins[i] for i in wrt], torch.from_numpy(upstream), allow_unused=True
    )
    for i, g, h in zip(wrt, ours, theirs, strict=True):
        mine = np.zeros(tensors[i].shape) if g is None else g.numpy()
        ref = np.zeros(tensors[i].shape) if h is None else h.numpy()
        np.testing.assert_allclose(mine, ref, rtol=1e-7, atol=1e-10, err_msg=f"input {i}")


# --------------------------------------------------------------------------- completeness
def _public_ops() -> dict[str, Any]:
    """Every public function and Function subclass of autograd_engine and autograd_engine.ops."""
    found = {}
    for name in {*ae.__all__, *ops.__all__}:
        obj = getattr(ae, name) if hasattr(ae, name) else getattr(ops, name)
        if inspect.isfunction(obj) or (inspect.isclass(obj) and issubclass(obj, Function)):
            found[name] = obj
    return found


def test_every_public_op_has_a_gradient_test():
    covered = {case.op for case in CASES}
    exempt = NON_DIFFERENTIABLE | NOT_OPERATIONS
    missing = sorted(n for n, f in _public_ops().items() if f not in covered and n not in exempt)
    assert not missing, f"public ops without a case in tests/core/op_catalogue.py: {missing}"


def test_exemption_lists_name_public_functions():
    stale = sorted((NON_DIFFERENTIABLE | NOT_OPERATIONS) - set(_public_ops()))
    assert not stale, f"exempt names that are no longer public functions: {stale}"


def test_every_inplace_method_has_a_gradient_test():
    covered = {case.op for case in CASES}
    methods = {n for n in dir(Tensor) if n.endswith("_") and not n.startswith("_")}
    missing = sorted(
        n for n in methods - NOT_INPLACE_OPERATIONS if getattr(Tensor, n) not in covered
    )
    assert not missing, f"in-place methods without a case in op_catalogue.py: {missing}"


def _engine_functions() -> set[type]:
    """Function subclasses of the engine that define a backward."""
    found, todo = set(), [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if (
                sub.__module__.startswith("autograd_engine.")
                and not sub.__name__.startswith("_")
                and sub.backward is not Function.backward
            ):
                found.add(sub)
    return found


def _recorded(tensors: Any) -> set[type]:
    """The Function classes of every node in the graphs behind `tensors`."""
    seen, classes = set(), set()
    todo = [t.grad_fn for t in tensors if t is not None and t.grad_fn is not None]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if hasattr(node, "fn"):
            classes.add(node.fn)
        todo.extend(c for c in node.next_functions if c is not None)
    return classes


def test_every_function_class_is_exercised():
    """Each Function (forward and create_graph backward graphs) is reached by some case."""
    exercised: set[type] = set()

    def record(case: Any) -> None:
        @settings(max_examples=3, derandomize=True, database=None)
        @given(drawn=case.inputs)
        def run(drawn):
            tensors, kwargs = drawn
            out = case.call(*tensors, **kwargs)
            wrt = [x for x in tensors if x.requires_grad]
            grads = ae.grad(
                out,
                wrt,
                ae.ones_like(out, requires_grad=True),
                create_graph=True,
                allow_unused=True,
            )
            exercised.update(_recorded([out, *grads]))

        run()

    for case in CASES:
        record(case)
    missing = sorted(c.__name__ for c in _engine_functions() - exercised)
    assert not missing, f"Function classes no catalogue case reaches: {missing}"


NON_DIFFERENTIABLE_CALLS = {
    "all": lambda x: ae.all(x > 0),
    "allclose": lambda x: ae.allclose(x, x),
    "equal": lambda x: ae.equal(x, x),
    "any": lambda x: ae.any(x > 0),
    "argmax": ae.argmax,
    "argmin": ae.argmin,
    "eq": lambda x: ops.eq(x, 1.0),
    "ge": lambda x: ops.ge(x, 1.0),
    "gt": lambda x: ops.gt(x, 1.0),
    "isfinite": ae.isfinite,
    "isnan": ae.isnan,
    "le": lambda x: ops.le(x, 1.0),
    "logical_and": lambda x: ops.logical_and(x > 0, x < 1),
    "logical_not": lambda x: ops.logical_not(x > 0),
    "logical_or": lambda x: ops.logical_or(x > 0, x < 1),
    "lt": lambda x: ops.lt(x, 1.0),
    "ne": lambda x: ops.ne(x, 1.0),
}


@pytest.mark.parametrize("name", sorted(NON_DIFFERENTIABLE - {"sign"}))
def test_non_differentiable_ops_record_nothing(name):
    x = ae.tensor([[0.5, -1.0], [2.0, 0.0]], requires_grad=True)
    out = NON_DIFFERENTIABLE_CALLS[name](x)
    if isinstance(out, Tensor):
        assert not out.requires_grad and out.grad_fn is None
        assert out.dtype.kind in "bi"
    else:
        assert isinstance(out, bool)


def test_sign_has_no_gradient():
    x = ae.tensor([0.5, -1.0, 0.0], requires_grad=True)
    y = ae.sign(x)
    assert y.tolist() == [1.0, -1.0, 0.0]
    with pytest.raises(NotDifferentiableError, match="sign"):
        y.sum().backward()
