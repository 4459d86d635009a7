"""From raw tensors with hand-written SGD to nn.Module, F.cross_entropy and optim."""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

rng = np.random.default_rng(0)
n, d, k = 512, 20, 4
proto = rng.normal(size=(k, d))
y_np = rng.integers(0, k, size=n)
x_np = proto[y_np] + 0.8 * rng.normal(size=(n, d))
x_train, y_train = map(torch.tensor, (x_np.astype(np.float32), y_np))
assert x_train.dtype == torch.float32 and y_train.dtype == torch.int64

torch.manual_seed(0)
weights = torch.randn(d, k) / math.sqrt(d)
weights.requires_grad_()
bias = torch.zeros(k, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


loss_func = nll
bs = 64
xb, yb = x_train[0:bs], y_train[0:bs]
start = loss_func(model(xb), yb).item()

lr = 0.5
epochs = 3
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        loss = loss_func(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
manual = loss_func(model(x_train), y_train).item()
assert manual < start / 2, (start, manual)
assert accuracy(model(x_train), y_train).item() > 0.9

# F.cross_entropy is log_softmax followed by nll
assert torch.allclose(
    F.cross_entropy(x_train @ weights + bias, y_train),
    loss_func(model(x_train), y_train),
    atol=1e-5,
)


class Logistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(d, k)

    def forward(self, xb):
        return self.lin(xb)


def get_model():
    model = Logistic()
    return model, optim.SGD(model.parameters(), lr=lr)


model, opt = get_model()
loss_func = F.cross_entropy
first = loss_func(model(x_train), y_train).item()
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb = x_train[i * bs : i * bs + bs]
        yb = y_train[i * bs : i * bs + bs]
        loss = loss_func(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= p.grad * lr
            model.zero_grad()
mid = loss_func(model(x_train), y_train).item()
assert mid < first / 2

model, opt = get_model()
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb = x_train[i * bs : i * bs + bs]
        yb = y_train[i * bs : i * bs + bs]
        pred = model(xb)
        loss = loss_func(pred, yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
final = loss_func(model(x_train), y_train).item()
acc = accuracy(model(x_train), y_train).item()
assert final < first / 2 and acc > 0.9, (final, acc)
print(f"nn really ok: manual {manual:.3f}, module {mid:.3f}, optim {final:.3f}, acc {acc:.3f}")
