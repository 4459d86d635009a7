"""nn.Sequential regression trained with an optimizer."""

import math

import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)
x = torch.linspace(-math.pi, math.pi, 256).unsqueeze(-1)
y = torch.sin(x)

model = nn.Sequential(
    nn.Linear(1, 32),
    nn.Tanh(),
    nn.Linear(32, 32),
    nn.Tanh(),
    nn.Linear(32, 1),
)
assert len(model) == 5 and isinstance(model[0], nn.Linear)
n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
assert n_params == 1 * 32 + 32 + 32 * 32 + 32 + 32 + 1
loss_fn = nn.MSELoss(reduction="mean")
optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

first = None
for t in range(300):
    y_pred = model(x)
    loss = loss_fn(y_pred, y)
    if first is None:
        first = loss.item()
    if t % 100 == 99:
        print(t, round(loss.item(), 5))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

final = loss_fn(model(x), y).item()
assert final < 0.01 and final < first / 10, (first, final)
names = [name for name, _ in model.named_parameters()]
assert names[:2] == ["0.weight", "0.bias"], names
print(f"sequential ok: loss {first:.4f} -> {final:.4f}")
