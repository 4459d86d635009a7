"""Gradient clipping, learning-rate schedulers and parameter initialisation."""

import math

import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim.lr_scheduler import CosineAnnealingLR, OneCycleLR, StepLR

torch.manual_seed(0)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
        nn.init.zeros_(m.bias)


model = nn.Sequential(nn.Linear(100, 200), nn.ReLU(), nn.Linear(200, 10))
model.apply(init_weights)
w = model[0].weight
assert model[0].bias.abs().sum().item() == 0.0
assert abs(w.std().item() - math.sqrt(2 / 100)) < 0.01, w.std().item()

layer = nn.Linear(50, 30)
nn.init.xavier_uniform_(layer.weight)
bound = math.sqrt(6 / (50 + 30))
assert layer.weight.abs().max().item() <= bound
assert layer.weight.abs().max().item() > 0.9 * bound
nn.init.constant_(layer.bias, 0.1)
assert torch.allclose(layer.bias, torch.full((30,), 0.1))
nn.init.normal_(layer.weight, mean=0.0, std=0.02)
nn.init.uniform_(layer.weight, a=-0.1, b=0.1)
nn.init.ones_(layer.bias)
assert layer.bias.sum().item() == 30.0

# clipping: the returned value is the norm before clipping
x = torch.randn(16, 100) * 100
loss = model(x).pow(2).mean()
loss.backward()
grads = [p.grad.detach().clone() for p in model.parameters()]
total = torch.sqrt(sum(g.pow(2).sum() for g in grads))
norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
assert abs(norm.item() - total.item()) / total.item() < 1e-4
after = torch.sqrt(sum(p.grad.pow(2).sum() for p in model.parameters()))
assert abs(after.item() - 1.0) < 1e-3
nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)
assert max(p.grad.abs().max().item() for p in model.parameters()) <= 0.01

# StepLR
opt = optim.SGD(model.parameters(), lr=0.1)
sched = StepLR(opt, step_size=3, gamma=0.1)
lrs = []
for epoch in range(7):
    lrs.append(opt.param_groups[0]["lr"])
    opt.step()
    sched.step()
assert all(math.isclose(a, b) for a, b in zip(lrs, [0.1] * 3 + [0.01] * 3 + [0.001])), lrs

# CosineAnnealingLR follows the closed form
opt = optim.SGD(model.parameters(), lr=1.0)
sched = CosineAnnealingLR(opt, T_max=10, eta_min=0.0)
for epoch in range(10):
    expected = 0.5 * (1 + math.cos(math.pi * epoch / 10))
    assert math.isclose(sched.get_last_lr()[0], expected, abs_tol=1e-9), epoch
    opt.step()
    sched.step()

# OneCycleLR: warm up to max_lr, then anneal far below it
opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=100)
assert isinstance(sched, OneCycleLR)
seen = []
for step in range(100):
    opt.step()
    sched.step() if step < 99 else None
    seen.append(opt.param_groups[0]["lr"])
peak = max(seen)
assert math.isclose(peak, 0.1, rel_tol=1e-3) and 20 <= seen.index(peak) <= 40
assert seen[-1] < 1e-4

# training with clipping and a scheduler still learns
model.apply(init_weights)
opt = optim.SGD(model.parameters(), lr=0.05)
sched = StepLR(opt, step_size=50, gamma=0.5)
target = torch.randint(0, 10, (16,))
x = torch.randn(16, 100)
first = nn.functional.cross_entropy(model(x), target).item()
for step in range(100):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), target)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    opt.step()
    sched.step()
assert loss.item() < first / 4, (first, loss.item())
print(f"clip/sched/init ok: lr schedule {lrs}, loss {first:.3f} -> {loss.item():.3f}")
