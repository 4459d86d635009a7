"""A GAN learning a 1-D Gaussian: two optimizers, detach(), BCEWithLogitsLoss."""

import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(0)
real_mean, real_std = 3.0, 0.5
latent = 4

netG = nn.Sequential(nn.Linear(latent, 16), nn.ReLU(), nn.Linear(16, 1))
netD = nn.Sequential(nn.Linear(1, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
criterion = nn.BCEWithLogitsLoss()
optimizerD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
real_label, fake_label = 1.0, 0.0
batch_size = 64

with torch.no_grad():
    start_mean = netG(torch.randn(1000, latent)).mean().item()

for step in range(500):
    # (1) update D: maximise log(D(x)) + log(1 - D(G(z)))
    netD.zero_grad()
    real = real_mean + real_std * torch.randn(batch_size, 1)
    label = torch.full((batch_size, 1), real_label)
    errD_real = criterion(netD(real), label)
    errD_real.backward()
    noise = torch.randn(batch_size, latent)
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach())
    errD_fake = criterion(output, label)
    errD_fake.backward()
    errD = errD_real + errD_fake
    optimizerD.step()

    # (2) update G: maximise log(D(G(z)))
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake)
    errG = criterion(output, label)
    errG.backward()
    optimizerG.step()
    if step % 200 == 199:
        print(f"[{step + 1}] Loss_D: {errD.item():.4f} Loss_G: {errG.item():.4f}")

with torch.no_grad():
    samples = netG(torch.randn(2000, latent))
    mean = samples.mean().item()
    std = samples.std().item()
assert abs(mean - real_mean) < 0.5 < abs(start_mean - real_mean), (start_mean, mean)
assert std < 1.5, std
print(f"gan ok: generated mean {start_mean:.2f} -> {mean:.2f}, std {std:.2f}")
