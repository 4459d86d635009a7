"""A small CNN classifying 8x8 images of strokes: vertical, horizontal or diagonal."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


def make_images(n, rng):
    images = rng.normal(0, 0.3, size=(n, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 3, size=n)
    for img, label, pos in zip(images, labels, rng.integers(1, 7, size=n)):
        if label == 0:
            img[0, :, pos] += 1.0
        elif label == 1:
            img[0, pos, :] += 1.0
        else:
            img[0][np.eye(8, dtype=bool)] += 1.0
    return torch.from_numpy(images), torch.from_numpy(labels)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3)
        self.fc1 = nn.Linear(16 * 2 * 2, 32)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))  # 8x4x4
        x = F.relu(self.conv2(x))  # 16x2x2
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


torch.manual_seed(0)
rng = np.random.default_rng(0)
x_train, y_train = make_images(384, rng)
x_test, y_test = make_images(128, rng)

net = Net()
assert net.conv1.weight.shape == (8, 1, 3, 3) and net.conv2.bias.shape == (16,)
assert net(x_train[:2]).shape == (2, 3)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
for epoch in range(8):
    running_loss = 0.0
    perm = torch.randperm(len(x_train))
    for i in range(0, len(x_train), 32):
        idx = perm[i : i + 32]
        inputs, labels = x_train[idx], y_train[idx]
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    print(f"[{epoch + 1}] loss: {running_loss / 12:.3f}")

seq = nn.Sequential(
    nn.Conv2d(1, 4, 3),
    nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(),
    nn.Linear(4 * 3 * 3, 3),
)
assert seq(x_test[:5]).shape == (5, 3)

net.eval()
with torch.no_grad():
    outputs = net(x_test)
    _, predicted = torch.max(outputs, 1)
    accuracy = (predicted == y_test).sum().item() / y_test.size(0)
assert accuracy > 0.85, accuracy
print(f"cnn ok: test accuracy {accuracy:.3f}")
