"""DataLoader(num_workers > 0) over an IterableDataset, as in PyTorch: each worker iterates its
own copy of the dataset (so without sharding every sample comes once per worker), batches
what it yields, and the loader takes a batch from each worker in turn."""

from __future__ import annotations

import pytest

from nn.data import DataLoader, IterableDataset, get_worker_info


class Range(IterableDataset):
    """0..n-1; with `shard`, each worker yields every num_workers-th sample from its id."""

    def __init__(self, n: int, shard: bool) -> None:
        self.n, self.shard = n, shard

    def __iter__(self):
        info = get_worker_info()
        if not self.shard or info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Broken(IterableDataset):
    def __iter__(self):
        yield 1
        raise KeyError("no sample 2")


def _batches(loader):
    return [b if isinstance(b, int) else b.tolist() for b in loader]


def test_sharded_stream_gives_each_sample_once_in_round_robin_order():
    batches = _batches(DataLoader(Range(10, shard=True), batch_size=2, num_workers=2))
    # worker 0 streams 0 2 4 6 8, worker 1 streams 1 3 5 7 9; one batch from each in turn
    assert batches == [[0, 2], [1, 3], [4, 6], [5, 7], [8], [9]]


def test_unsharded_stream_is_yielded_by_every_worker():
    batches = _batches(DataLoader(Range(3, shard=False), batch_size=2, num_workers=2))
    assert batches == [[0, 1], [0, 1], [2], [2]]


def test_drop_last_and_unbatched_apply_per_worker():
    loader = DataLoader(Range(7, shard=True), batch_size=2, num_workers=2, drop_last=True)
    assert _batches(loader) == [[0, 2], [1, 3], [4, 6]]
    samples = _batches(DataLoader(Range(5, shard=True), batch_size=None, num_workers=2))
    assert samples == [0, 1, 2, 3, 4]


def test_a_failing_worker_names_the_error():
    with pytest.raises(RuntimeError, match=r"(?s)worker 0 failed.*KeyError: 'no sample 2'"):
        list(DataLoader(Broken(), batch_size=1, num_workers=1))


def test_same_batches_as_pytorch():
    torch = pytest.importorskip("torch")
    data = torch.utils.data

    class TorchRange(data.IterableDataset):
        def __init__(self, n, shard):
            self.n, self.shard = n, shard

        def __iter__(self):
            info = data.get_worker_info()
            if not self.shard or info is None:
                return iter(range(self.n))
            return iter(range(info.id, self.n, info.num_workers))

    for n, shard, size in [(11, True, 3), (4, False, 3)]:
        theirs = _batches(data.DataLoader(TorchRange(n, shard), batch_size=size, num_workers=2))
        ours = _batches(DataLoader(Range(n, shard), batch_size=size, num_workers=2))
        assert ours == theirs
