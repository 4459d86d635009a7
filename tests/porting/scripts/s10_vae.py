"""A variational autoencoder on binary 4x4 patterns: reparameterisation, BCE + KL."""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class VAE(nn.Module):
    def __init__(self, d=16, hidden=32, latent=2):
        super().__init__()
        self.fc1 = nn.Linear(d, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, d)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 16))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 16), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD, BCE, KLD


torch.manual_seed(0)
rng = np.random.default_rng(0)
patterns = np.zeros((4, 4, 4), dtype=np.float32)
patterns[0, 0, :] = patterns[1, :, 0] = 1
patterns[2][np.eye(4, dtype=bool)] = patterns[3, 3, :] = 1
data = torch.from_numpy(patterns[rng.integers(0, 4, size=256)])

model = VAE()
optimizer = optim.Adam(model.parameters(), lr=1e-2)
history = []
for epoch in range(30):
    model.train()
    train_loss = 0.0
    for i in range(0, len(data), 32):
        batch = data[i : i + 32]
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(batch)
        loss, bce, kld = loss_function(recon_batch, batch, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    history.append(train_loss / len(data))
    if epoch % 10 == 9:
        print(f"epoch {epoch + 1} average loss {history[-1]:.4f}")
assert history[-1] < history[0] / 2, history

# KL of N(mu, sigma^2) against N(0, 1) in closed form, for one case
mu = torch.tensor([[1.0, 0.0]])
logvar = torch.tensor([[0.0, np.log(4.0)]], dtype=torch.float32)
kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
assert abs(kld.item() - (0.5 + 0.5 * (4 - 1 - np.log(4.0)))) < 1e-5

model.eval()
with torch.no_grad():
    sample = model.decode(torch.randn(8, 2))
    recon, mu, _ = model(data[:64])
    bce = F.binary_cross_entropy(recon, data[:64].view(-1, 16)).item()
assert sample.shape == (8, 16) and 0.0 <= sample.min().item() and sample.max().item() <= 1.0
assert bce < 0.2, bce
print(f"vae ok: loss {history[0]:.3f} -> {history[-1]:.3f}, reconstruction bce {bce:.3f}")
