"""Tensors: creation, NumPy bridge, indexing, reshaping, joining, arithmetic, dtypes, device."""

import numpy as np
import torch

data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
assert x_data.shape == (2, 2) and x_data.dtype == torch.int64

np_array = np.array(data)
x_np = torch.from_numpy(np_array)
np.multiply(np_array, 2, out=np_array)  # from_numpy shares memory with the array
assert x_np[1, 1].item() == 8

x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
assert x_ones.sum().item() == 4 and x_rand.dtype == torch.float32

shape = (2, 3)
zeros = torch.zeros(shape)
ones = torch.ones(shape)
rand = torch.rand(shape)
assert zeros.shape == ones.shape == rand.shape == torch.Size([2, 3])
assert rand.min().item() >= 0.0 and rand.max().item() < 1.0

r = torch.arange(12, dtype=torch.float32)
assert torch.linspace(0, 1, steps=5)[2].item() == 0.5
assert torch.eye(3).sum().item() == 3.0
assert torch.full((2, 2), 7.0).sum().item() == 28.0

device = "cuda" if torch.cuda.is_available() else "cpu"
tensor = torch.ones(4, 4).to(device)
assert tensor.device.type == device

tensor[:, 1] = 0
assert tensor[0].tolist() == [1.0, 0.0, 1.0, 1.0]
assert tensor[..., -1].tolist() == [1.0, 1.0, 1.0, 1.0]
assert tensor[:, 1].sum().item() == 0.0

m = r.view(3, 4)
assert m.shape == (3, 4) and m[2, 3].item() == 11.0
assert m.reshape(-1, 6).shape == (2, 6)
assert m.t().shape == (4, 3) and m.T[3, 2].item() == 11.0
assert m.unsqueeze(0).shape == (1, 3, 4) and m.unsqueeze(0).squeeze(0).shape == (3, 4)
assert m.flatten().shape == (12,)
assert m.permute(1, 0).is_contiguous() is False
assert m[m > 5].tolist() == [6.0, 7.0, 8.0, 9.0, 10.0, 11.0]
assert m[[0, 2]].shape == (2, 4)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
assert t1.shape == (4, 12)
t2 = torch.stack([tensor, tensor], dim=0)
assert t2.shape == (2, 4, 4)

y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.mm(tensor, tensor.t())
assert torch.equal(y1, y2) and torch.allclose(y1, y3)

z1 = tensor * tensor
z2 = tensor.mul(tensor)
assert torch.equal(z1, z2)

agg = tensor.sum()
agg_item = agg.item()
assert isinstance(agg_item, float) and agg_item == 12.0

before = tensor.clone()
tensor.add_(5)
assert torch.equal(tensor, before + 5)
tensor.mul_(2).sub_(1)
assert tensor[0, 0].item() == 11.0
tensor.zero_()
assert tensor.abs().sum().item() == 0.0

t = torch.ones(5)
n = t.numpy()
t.add_(1)  # numpy() shares memory with the tensor
assert n[0] == 2.0

i = torch.tensor([1.7, -2.2, 3.5])
assert i.to(torch.int64).tolist() == [1, -2, 3]
assert i.int().dtype == torch.int32 and i.double().dtype == torch.float64
assert i.long().dtype == torch.int64
assert i.to(dtype=torch.float64).dtype == torch.float64
assert i.round().tolist() == [2.0, -2.0, 4.0]
assert (i > 0).tolist() == [True, False, True]
assert torch.where(i > 0, i, torch.zeros_like(i)).tolist()[1] == 0.0
assert i.clamp(min=0.0).tolist()[1] == 0.0

print(f"tensors ok: shape {tuple(t1.shape)}, sum {agg_item}, device {device}")
