"""A module whose forward uses Python control flow and reuses one layer several times."""

import random

import torch
import torch.nn as nn


class DynamicNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(torch.randn(()))
        self.b = nn.Parameter(torch.randn(()))
        self.c = nn.Parameter(torch.randn(()))
        self.d = nn.Parameter(torch.randn(()))
        self.e = nn.Parameter(torch.randn(()))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x**2 + self.d * x**3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x**exp
        return y


class Residual(nn.Module):
    def __init__(self, width, depth):
        super().__init__()
        self.inp = nn.Linear(2, width)
        self.hidden = nn.Linear(width, width)  # reused `depth` times
        self.out = nn.Linear(width, 1)
        self.depth = depth

    def forward(self, x):
        h = torch.relu(self.inp(x))
        for _ in range(self.depth):
            h = h + torch.relu(self.hidden(h))
        if self.training:
            h = h * 1.0
        return self.out(h).squeeze(-1)


random.seed(0)
torch.manual_seed(0)
x = torch.linspace(-1, 1, 200)
y = torch.sin(2 * x)
model = DynamicNet()
criterion = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
start = criterion(model(x), y).item()
for t in range(500):
    loss = criterion(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
end = loss.item()
assert end < start / 5, (start, end)

net = Residual(16, depth=3)
assert len(list(net.parameters())) == 6  # the shared layer counts once
pts = torch.rand(128, 2) * 2 - 1
target = (pts[:, 0] * pts[:, 1] > 0).float()
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for step in range(150):
    opt.zero_grad()
    loss = nn.functional.binary_cross_entropy_with_logits(net(pts), target)
    loss.backward()
    opt.step()
net.eval()
with torch.no_grad():
    acc = ((net(pts) > 0).float() == target).float().mean().item()
assert not net.training and acc > 0.85, acc
print(f"dynamic ok: poly loss {start:.2f} -> {end:.2f}, residual accuracy {acc:.2f}")
