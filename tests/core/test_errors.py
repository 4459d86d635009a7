"""One exception family: each error is an AutogradError and the matching built-in exception."""

import pytest

import autograd_engine as ae
from autograd_engine import errors


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (errors.ShapeError, ValueError),
        (errors.DTypeError, TypeError),
        (errors.BackwardError, RuntimeError),
        (errors.InplaceError, RuntimeError),
        (errors.NotDifferentiableError, RuntimeError),
        (errors.AnomalyError, RuntimeError),
        (errors.IndexOutOfRangeError, IndexError),
        (errors.GradcheckError, AssertionError),
    ],
)
def test_every_error_is_in_the_family_and_a_builtin(error, builtin):
    assert issubclass(error, errors.AutogradError) and issubclass(error, builtin)


def test_broadcast_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError) as info:
        ae.ones(2, 3) + ae.ones(4)
    assert isinstance(info.value, errors.ShapeError)
    message = str(info.value)
    assert "add" in message and "(2, 3)" in message and "(4,)" in message


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: ae.ones(2, 3) @ ae.ones(2, 3), ["matmul", "(2, 3)", "transpose"]),
        (lambda: ae.ones(3) @ ae.ones(4), ["matmul", "(3,)", "(4,)"]),
        (lambda: ae.ones(2, 3).reshape(4), ["reshape", "(2, 3)", "(4,)"]),
        (lambda: ae.concatenate([ae.ones(2, 3), ae.ones(2, 4)]), ["concatenate", "(2, 4)"]),
        (lambda: ae.stack([ae.ones(2), ae.ones(3)]), ["stack", "(2,)", "(3,)"]),
        (lambda: ae.ones(2, 1).expand(3, 3), ["expand", "(2, 1)", "(3, 3)"]),
        (lambda: ae.maximum(ae.ones(2), ae.ones(3)), ["maximum", "(2,)", "(3,)"]),
        (lambda: ae.ones(2, 3).permute(1, 1), ["permute", "(2, 3)"]),
        (lambda: ae.softmax_cross_entropy(ae.ones(2, 3), [0, 1, 2]), ["(2, 3)", "(3,)"]),
    ],
)
def test_shape_errors_name_the_op_and_shapes(call, words):
    with pytest.raises(errors.ShapeError) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_inplace_shape_mismatch():
    t = ae.ones(2, 3)
    with pytest.raises(errors.ShapeError, match="add_"):
        t.add_(ae.ones(4))


def test_index_errors():
    with pytest.raises(IndexError) as info:
        ae.ones(2, 3)[5]
    assert isinstance(info.value, errors.IndexOutOfRangeError)
    with pytest.raises(errors.IndexOutOfRangeError, match="2"):
        ae.softmax_cross_entropy(ae.ones(2, 3), [0, 3])


def test_dtype_errors():
    with pytest.raises(TypeError) as info:
        ae.tensor([1, 2], requires_grad=True)
    assert isinstance(info.value, errors.DTypeError)
    with pytest.raises(TypeError, match="bool"):
        ae.where(ae.tensor([1.0]), 1.0, 2.0)


def test_backward_misuse_is_a_runtime_error():
    x = ae.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        (x * 2).backward()
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_non_differentiable_op_asked_for_a_gradient():
    x = ae.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        (ae.sign(x) * x).sum().backward()
    assert isinstance(info.value, errors.NotDifferentiableError)
    assert "sign" in str(info.value) and "detach" in str(info.value)


def test_the_core_raises_only_its_own_family():
    """Every error the core raises on purpose is an AutogradError (and a built-in subclass);
    the compiled kernels (Numba raises plain classes) and the application are outside it."""
    import re
    from pathlib import Path

    root = Path(ae.__file__).parent
    plain = re.compile(r"raise (ValueError|TypeError|IndexError|RuntimeError|KeyError)\(")
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if not {"kernels", "app"} & set(path.relative_to(root).parts)
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if plain.search(line)
    ]
    assert not found, f"plain built-in errors raised at {found}"
