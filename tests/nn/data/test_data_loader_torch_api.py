"""DataLoader with PyTorch's arguments: samplers, batch samplers, worker processes, generators,
IterableDataset, unbatched loading, and the argument checks."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
from nn.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    get_worker_info,
    random_split,
)


class Squares(Dataset):
    """Map-style, sample by sample, records the worker that fetched each sample."""

    def __len__(self):
        return 23

    def __getitem__(self, i):
        info = get_worker_info()
        return np.array([i, i * i], dtype=np.float64), i, -1 if info is None else info.id


class Count(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(np.arange(self.n, dtype=np.float64))


def _flat(batches, field=0):
    return [b[field].numpy().tolist() for b in batches]


def test_tensor_dataset_items_are_tensors():
    x = ae.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([0, 1])
    xi, yi = TensorDataset(x, y)[1]
    assert isinstance(xi, ae.Tensor) and xi.tolist() == [3.0, 4.0]
    assert isinstance(yi, ae.Tensor) and yi.item() == 1 and yi.dtype == np.int64


def test_workers_give_the_same_batches_as_the_main_process():
    for dataset in (Squares(), TensorDataset(np.arange(40.0).reshape(20, 2), np.arange(20))):
        plain = list(DataLoader(dataset, batch_size=4, shuffle=True, seed=5))
        loader = DataLoader(dataset, batch_size=4, shuffle=True, seed=5, num_workers=2)
        assert len(loader) == len(plain)
        parallel = list(loader)
        assert _flat(parallel) == _flat(plain) and _flat(parallel, 1) == _flat(plain, 1)
    # the samples really were fetched in the worker processes
    seen = {
        w for batch in DataLoader(Squares(), batch_size=5, num_workers=2) for w in batch[2].tolist()
    }
    assert seen <= {0, 1} and seen


def test_persistent_workers_serve_several_epochs():
    loader = DataLoader(
        Squares(),
        batch_size=6,
        shuffle=True,
        seed=1,
        num_workers=2,
        persistent_workers=True,
        prefetch_factor=1,
    )
    reference = DataLoader(Squares(), batch_size=6, shuffle=True, seed=1)
    for _ in range(2):
        assert _flat(list(loader), 1) == _flat(list(reference), 1)
    loader.close()


def test_manual_seed_governs_shuffling_without_a_seed():
    def order():
        ae.manual_seed(7)
        return np.concatenate(
            [
                b[0].numpy()
                for b in DataLoader(TensorDataset(np.arange(30)), batch_size=8, shuffle=True)
            ]
        )

    first, second = order(), order()
    np.testing.assert_array_equal(first, second)
    assert sorted(first.tolist()) == list(range(30))


def test_generator_objects():
    g = ae.random.Generator().manual_seed(3)
    assert g.initial_seed() == 3
    a = list(DataLoader(TensorDataset(np.arange(12)), batch_size=5, shuffle=True, generator=g))
    b = list(
        DataLoader(
            TensorDataset(np.arange(12)),
            batch_size=5,
            shuffle=True,
            generator=ae.random.Generator().manual_seed(3),
        )
    )
    assert _flat(a) == _flat(b)
    parts = random_split(
        TensorDataset(np.arange(10)), [0.7, 0.3], generator=ae.random.Generator().manual_seed(0)
    )
    assert [len(p) for p in parts] == [7, 3]


def test_samplers_and_batch_samplers():
    ds = TensorDataset(np.arange(10))
    seq = DataLoader(ds, batch_size=4, sampler=SequentialSampler(ds))
    assert _flat(seq) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    sub = DataLoader(ds, batch_size=3, sampler=SubsetRandomSampler([1, 3, 5], generator=0))
    assert sorted(i for batch in _flat(sub) for i in batch) == [1, 3, 5]
    batches = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 3, drop_last=True))
    assert _flat(batches) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(batches) == 3
    rand = list(RandomSampler(ds, generator=1))
    assert sorted(rand) == list(range(10))
    assert len(list(RandomSampler(ds, replacement=True, num_samples=25, generator=1))) == 25
    weighted = list(WeightedRandomSampler([0.0, 0.0, 1.0], 8, generator=2))
    assert weighted == [2] * 8


def test_unbatched_and_iterable_loading():
    items = list(DataLoader(TensorDataset(np.arange(3.0)), batch_size=None))
    assert [i[0].item() for i in items] == [0.0, 1.0, 2.0]
    stream = DataLoader(Count(7), batch_size=3)
    assert (
        _flat(stream, None)
        if False
        else [b.tolist() for b in stream] == [[0, 1, 2], [3, 4, 5], [6]]
    )
    assert [b.tolist() for b in DataLoader(Count(7), batch_size=3, drop_last=True)] == [
        [0, 1, 2],
        [3, 4, 5],
    ]
    with pytest.raises(TypeError, match="no len"):
        len(stream)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_workers": -1}, "num_workers option should be non-negative"),
        ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
        ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
        ({"sampler": [0, 1], "shuffle": True}, "mutually exclusive with shuffle"),
        ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_argument_checks_match_pytorch(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(TensorDataset(np.arange(4)), **kwargs)


def test_pin_memory_and_timeout_are_accepted():
    loader = DataLoader(TensorDataset(np.arange(4)), batch_size=2, pin_memory=True, timeout=0)
    assert len(list(loader)) == 2


def test_same_checks_as_torch():
    torch = pytest.importorskip("torch")
    data = torch.utils.data
    for kwargs in (
        {"num_workers": -1},
        {"prefetch_factor": 2},
        {"sampler": [0, 1], "shuffle": True},
    ):
        with pytest.raises(ValueError):
            data.DataLoader(data.TensorDataset(torch.arange(4)), **kwargs)
    ours = [
        b[0].tolist()
        for b in DataLoader(TensorDataset(np.arange(10)), batch_size=4, drop_last=True)
    ]
    theirs = [
        b[0].tolist()
        for b in data.DataLoader(data.TensorDataset(torch.arange(10)), batch_size=4, drop_last=True)
    ]
    assert ours == theirs
