import numpy as np
import pytest

from autograd_engine import Tensor, tensor
from nn.data import DataLoader, Dataset, Subset, TensorDataset, default_collate
from nn.serialization import load, save


class Squares(Dataset):
    """A map-style dataset without a batched fetch: exercises the per-sample path."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float64), i


def labels_seen(loader):
    return np.concatenate([batch[-1].numpy() for batch in loader])


def test_batches_cover_dataset_in_order_without_shuffle():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    xb, yb = batches[1]
    assert isinstance(xb, Tensor) and xb.dtype == np.float32 and yb.dtype == np.int64
    np.testing.assert_array_equal(xb.numpy(), x[4:8])
    np.testing.assert_array_equal(labels_seen(loader), y)


def test_drop_last():
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[0].shape for b in loader] == [(4,), (4,)]


def test_batches_do_not_alias_the_dataset():
    x = np.zeros((4, 2), dtype=np.float32)
    (xb,) = next(iter(DataLoader(TensorDataset(x), batch_size=4)))
    xb.numpy()[...] = 1.0
    assert x.sum() == 0.0


def test_shuffle_is_a_permutation_new_each_epoch_and_seeded():
    ds = TensorDataset(np.arange(50))
    loader = DataLoader(ds, batch_size=8, shuffle=True, seed=3)
    first, second = labels_seen(loader), labels_seen(loader)
    np.testing.assert_array_equal(np.sort(first), np.arange(50))
    assert not np.array_equal(first, second)
    replay = DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(labels_seen(replay), first)
    np.testing.assert_array_equal(labels_seen(replay), second)


def test_dtype_policy():
    ds = TensorDataset(
        np.zeros((3, 2), np.float64),
        np.zeros(3, np.float16),
        np.zeros(3, np.uint8),
        np.zeros(3, bool),
    )
    f64, f16, u8, b = next(iter(DataLoader(ds, batch_size=3)))
    assert (f64.dtype, f16.dtype, u8.dtype, b.dtype) == (
        np.float64,
        np.float32,
        np.int64,
        np.bool_,
    )


def test_generic_dataset_uses_collate():
    loader = DataLoader(Squares(), batch_size=3)
    xb, yb = next(iter(loader))
    assert xb.dtype == np.float64 and xb.shape == (3, 2)
    np.testing.assert_array_equal(yb.numpy(), [0, 1, 2])
    assert len(loader) == 3


def test_custom_collate_fn_gets_samples():
    loader = DataLoader(TensorDataset(np.arange(5)), batch_size=2, collate_fn=len)
    assert list(loader) == [2, 2, 1]


def test_subset_of_tensor_dataset_uses_fast_path():
    ds = TensorDataset(np.arange(10) * 10)
    sub = Subset(ds, [9, 1, 4])
    calls = []
    original = ds.get_batch
    ds.get_batch = lambda rows: calls.append(rows) or original(rows)
    (yb,) = next(iter(DataLoader(sub, batch_size=3)))
    np.testing.assert_array_equal(yb.numpy(), [90, 10, 40])
    assert len(calls) == 1


def test_default_collate_structures():
    samples = [{"x": np.ones(2), "y": 1, "name": "a"}, {"x": np.zeros(2), "y": 0, "name": "b"}]
    batch = default_collate(samples)
    assert batch["x"].shape == (2, 2) and batch["x"].dtype == np.float64
    assert batch["y"].dtype == np.int64
    assert batch["name"] == ["a", "b"]
    floats = default_collate([0.5, 1.5])
    assert floats.dtype == np.float32
    tensors = default_collate([tensor(np.ones(3)), tensor(np.zeros(3))])
    assert tensors.shape == (2, 3) and tensors.dtype == np.float64  # the samples' dtype
    tensors = default_collate([tensor([1.0, 1.0]), tensor([0.0, 0.0])])
    assert tensors.shape == (2, 2) and tensors.dtype == np.float32
    with pytest.raises(TypeError, match="dtype"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_bad_arguments():
    ds = TensorDataset(np.arange(3))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="seed or generator"):
        DataLoader(ds, seed=1, generator=np.random.default_rng(1))


@pytest.mark.parametrize("stop_after", [0, 3, 7])
def test_resume_mid_epoch_reproduces_uninterrupted_run(stop_after):
    ds = TensorDataset(np.arange(30))

    def make():
        return DataLoader(ds, batch_size=4, shuffle=True, seed=11)

    reference = make()
    expected = [labels_seen(reference) for _ in range(3)]

    interrupted = make()
    first_epoch = iter(interrupted)
    taken = [next(first_epoch)[-1].numpy() for _ in range(stop_after)]
    state = interrupted.state_dict()

    resumed = make()
    resumed.load_state_dict(state)
    assert resumed.state_dict()["batches_done"] == stop_after
    rest = labels_seen(resumed)
    np.testing.assert_array_equal(np.concatenate([*taken, rest]), expected[0])
    np.testing.assert_array_equal(labels_seen(resumed), expected[1])
    np.testing.assert_array_equal(labels_seen(resumed), expected[2])


def test_state_between_epochs():
    ds = TensorDataset(np.arange(12))
    loader = DataLoader(ds, batch_size=5, shuffle=True, seed=0)
    labels_seen(loader)
    state = loader.state_dict()
    assert state["batches_done"] == 0
    following = labels_seen(loader)
    other = DataLoader(ds, batch_size=5, shuffle=True, seed=99)
    other.load_state_dict(state)
    np.testing.assert_array_equal(labels_seen(other), following)


def test_resume_through_a_checkpoint_file(tmp_path):
    ds = TensorDataset(np.arange(40))
    expected = labels_seen(DataLoader(ds, batch_size=6, shuffle=True, seed=2))

    loader = DataLoader(ds, batch_size=6, shuffle=True, seed=2)
    batches = iter(loader)
    taken = [next(batches)[-1].numpy() for _ in range(4)]
    save({"loader": loader.state_dict()}, tmp_path / "ckpt.npz")

    resumed = DataLoader(ds, batch_size=6, shuffle=True)
    resumed.load_state_dict(load(tmp_path / "ckpt.npz")["loader"])
    np.testing.assert_array_equal(np.concatenate([*taken, labels_seen(resumed)]), expected)
