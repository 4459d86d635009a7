"""Saving and loading state_dicts of a model and its optimizer; resuming training."""

import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def make_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(128, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)) ** 2 / 4
    return torch.from_numpy(x), torch.from_numpy(y)


def run(model, optimizer, steps, x, y):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()


x, y = make_data()
torch.manual_seed(0)
model = Net()
optimizer = optim.Adam(model.parameters(), lr=1e-2)
sd = model.state_dict()
assert list(sd.keys()) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
assert sd["fc1.weight"].shape == (16, 3)

loss_a = run(model, optimizer, 50, x, y)
folder = tempfile.mkdtemp()
path = os.path.join(folder, "checkpoint.pt")
torch.save(
    {
        "epoch": 50,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": optimizer.state_dict(),
        "loss": loss_a,
    },
    path,
)
torch.save(model.state_dict(), os.path.join(folder, "weights.pth"))

# continue the original for 50 more steps
loss_b = run(model, optimizer, 50, x, y)

# a fresh model and optimizer resumed from the checkpoint must follow the same path
torch.manual_seed(123)
model2 = Net()
optimizer2 = optim.Adam(model2.parameters(), lr=1e-2)
checkpoint = torch.load(path)
model2.load_state_dict(checkpoint["model_state_dict"])
optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])
assert checkpoint["epoch"] == 50 and checkpoint["loss"] == loss_a
assert optimizer2.state_dict()["param_groups"][0]["lr"] == 1e-2
model2.train()
loss_b2 = run(model2, optimizer2, 50, x, y)
assert abs(loss_b - loss_b2) < 1e-5, (loss_b, loss_b2)
assert loss_b < loss_a

model3 = Net()
result = model3.load_state_dict(torch.load(os.path.join(folder, "weights.pth"), weights_only=True))
model3.eval()
with torch.no_grad():
    assert torch.allclose(model3(x), Net.forward(model3, x))
    first = torch.load(os.path.join(folder, "weights.pth"))
    assert torch.equal(model3.fc1.weight, first["fc1.weight"])
bad = {k: v for k, v in model.state_dict().items() if k != "fc2.bias"}
missing = model3.load_state_dict(bad, strict=False)
assert missing.missing_keys == ["fc2.bias"] and missing.unexpected_keys == []
try:
    model3.load_state_dict(bad)
except RuntimeError as err:
    assert "fc2.bias" in str(err)
else:
    raise AssertionError("strict loading accepted a missing key")
print(f"save/load ok: loss {loss_a:.4f} -> {loss_b:.4f} (resumed {loss_b2:.4f})")
