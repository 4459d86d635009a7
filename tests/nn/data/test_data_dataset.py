import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_engine import Tensor, tensor
from nn.data import Subset, TensorDataset, random_split, train_val_test_split


def test_tensor_dataset_items_and_length():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    np.testing.assert_array_equal(xi, x[4])
    assert yi == 4
    bx, by = ds.get_batch(np.array([5, 0]))
    np.testing.assert_array_equal(bx, x[[5, 0]])
    np.testing.assert_array_equal(by, [5, 0])


def test_tensor_dataset_accepts_tensors():
    ds = TensorDataset(tensor(np.ones((3, 2), np.float32)), tensor(np.array([0, 1, 2])))
    assert isinstance(ds.tensors[0], Tensor)
    assert ds.arrays[0].dtype == np.float32 and ds.arrays[1].dtype == np.int64
    assert TensorDataset(tensor(np.ones((3, 2)))).arrays[0].dtype == np.float64  # as given
    assert ds[2][1] == 2


def test_tensor_dataset_length_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(5, 3\).*\(4,\)"):
        TensorDataset(np.zeros((5, 3)), np.zeros(4))
    with pytest.raises(ValueError):
        TensorDataset()
    with pytest.raises(ValueError, match="scalar"):
        TensorDataset(np.float32(1.0))


def test_subset_maps_indices():
    ds = TensorDataset(np.arange(10))
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3
    assert [int(sub[i][0]) for i in range(3)] == [7, 2, 5]


@settings(deadline=None, max_examples=50)
@given(
    n=st.integers(0, 60),
    cuts=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_split_fractions_partition(n, cuts, seed):
    total = sum(cuts)
    fractions = [c / total for c in cuts] if total > 0 else [1.0] + [0.0] * (len(cuts) - 1)
    parts = random_split(TensorDataset(np.arange(n)), fractions, generator=seed)
    sizes = [len(p) for p in parts]
    assert sum(sizes) == n
    assert all(abs(s - f * n) < len(parts) + 1 for s, f in zip(sizes, fractions))
    seen = np.concatenate([p.indices for p in parts])
    np.testing.assert_array_equal(np.sort(seen), np.arange(n))


def test_random_split_counts_seeded_and_like_torch_remainder():
    ds = TensorDataset(np.arange(10))
    a = random_split(ds, [3, 7], generator=np.random.default_rng(1))
    b = random_split(ds, [3, 7], generator=1)
    np.testing.assert_array_equal(a[0].indices, b[0].indices)
    assert [len(p) for p in random_split(ds, [0.33, 0.33, 0.34])] == [4, 3, 3]
    with pytest.raises(ValueError, match="sum to the dataset length 10"):
        random_split(ds, [3, 6])
    with pytest.raises(ValueError, match="sum to 1"):
        random_split(ds, [0.5, 0.4])


def test_train_val_test_split_sizes_disjoint_and_aligned():
    x = np.arange(100, dtype=np.float32)[:, None]
    y = np.arange(100)
    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = train_val_test_split(x, y, val=0.2, test=0.1)
    assert (len(x_tr), len(x_va), len(x_te)) == (70, 20, 10)
    for xs, ys in [(x_tr, y_tr), (x_va, y_va), (x_te, y_te)]:
        np.testing.assert_array_equal(xs[:, 0], ys)
    everything = np.concatenate([y_tr, y_va, y_te])
    np.testing.assert_array_equal(np.sort(everything), y)
    again = train_val_test_split(x, y, val=0.2, test=0.1)
    np.testing.assert_array_equal(again[1][1], y_va)
    other = train_val_test_split(x, y, val=0.2, test=0.1, seed=1)
    assert not np.array_equal(other[1][1], y_va)


def test_train_val_test_split_counts_and_errors():
    x = np.zeros((10, 2))
    (tr,), (va,), (te,) = train_val_test_split(x, val=3, test=0)
    assert (len(tr), len(va), len(te)) == (7, 3, 0)
    with pytest.raises(ValueError, match="exceed"):
        train_val_test_split(x, val=0.6, test=0.5)
    with pytest.raises(ValueError, match="fraction"):
        train_val_test_split(x, val=1.5)
    with pytest.raises(ValueError, match="labels"):
        train_val_test_split(x, stratify=np.zeros(3))


def test_train_val_test_split_keeps_tensors():
    x = tensor(np.ones((10, 2), dtype=np.float64), dtype=np.float64)
    (x_tr,), _, _ = train_val_test_split(x, val=0.2, test=0.2)
    assert isinstance(x_tr, Tensor) and x_tr.dtype == np.float64 and x_tr.shape == (6, 2)


@settings(deadline=None, max_examples=40)
@given(
    counts=st.lists(st.integers(1, 40), min_size=1, max_size=5),
    val=st.floats(0.0, 0.45),
    test=st.floats(0.0, 0.45),
    seed=st.integers(0, 1000),
)
def test_stratified_split_keeps_class_proportions(counts, val, test, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    n = len(y)
    _, (y_va,), (y_te,) = train_val_test_split(y, val=val, test=test, stratify=y, seed=seed)
    assert len(y_va) == round(val * n) and len(y_te) == round(test * n)
    for part in (y_va, y_te):
        expected = np.asarray(counts) * len(part) / n
        assert np.all(np.abs(np.bincount(part, minlength=len(counts)) - expected) <= 2)
