"""Train and test loops over DataLoader / TensorDataset, with accuracy two ways."""

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
rng = np.random.default_rng(1)
centers = rng.normal(0, 3, size=(3, 4))
labels = rng.integers(0, 3, size=600)
features = centers[labels] + rng.normal(0, 1, size=(600, 4))
X = torch.tensor(features, dtype=torch.float32)
Y = torch.tensor(labels, dtype=torch.long)
train_data = TensorDataset(X[:500], Y[:500])
test_data = TensorDataset(X[500:], Y[500:])
assert len(train_data) == 500
xi, yi = train_data[0]
assert xi.shape == (4,) and yi.ndim == 0

batch_size = 64
train_dataloader = DataLoader(train_data, batch_size=batch_size, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=batch_size)
for Xb, yb in test_dataloader:
    assert Xb.shape == (batch_size, 4) and yb.dtype == torch.int64
    break
assert len(train_dataloader) == 8


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(4, 32),
            nn.ReLU(),
            nn.Linear(32, 3),
        )

    def forward(self, x):
        x = self.flatten(x)
        return self.linear_relu_stack(x)


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 4 == 0:
            current = (batch + 1) * len(X)
            print(f"loss: {loss.item():>7f}  [{current:>3d}/{size:>3d}]")


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f}")
    return correct


model = NeuralNetwork()
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)
for t in range(5):
    print(f"Epoch {t + 1}")
    train(train_dataloader, model, loss_fn, optimizer)
    accuracy = test(test_dataloader, model, loss_fn)
assert accuracy > 0.9, accuracy

correct = 0
total = 0
with torch.no_grad():
    for inputs, targets in test_dataloader:
        outputs = model(inputs)
        _, predicted = torch.max(outputs.data, 1)
        total += targets.size(0)
        correct += (predicted == targets).sum().item()
assert correct / total == accuracy
print(f"dataloader ok: accuracy {100 * correct // total} %")
