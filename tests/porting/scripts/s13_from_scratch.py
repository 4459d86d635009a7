"""A training loop from scratch: linear regression and a two-layer net on raw tensors."""

import numpy as np
import torch

torch.manual_seed(42)
true_w = torch.tensor([2.0, -3.4])
true_b = 4.2
X = torch.randn(1000, 2)
y = X @ true_w + true_b + 0.01 * torch.randn(1000)

w = torch.zeros(2).requires_grad_()
b = torch.zeros(1).requires_grad_()
assert w.requires_grad and w.is_leaf
lr = 0.1
for epoch in range(50):
    y_hat = X @ w + b
    loss = ((y_hat - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    if epoch % 10 == 0:
        print(f"epoch {epoch}, loss {loss.item():.6f}")
w_np = w.detach().cpu().numpy()
assert isinstance(w_np, np.ndarray) and w_np.dtype == np.float32
assert np.allclose(w_np, [2.0, -3.4], atol=0.01), w_np
assert abs(b.item() - true_b) < 0.01

# same seed, same numbers
torch.manual_seed(7)
a1 = torch.randn(3)
torch.manual_seed(7)
a2 = torch.randn(3)
assert torch.equal(a1, a2)

# a two-layer network with hand-written parameters
N, D_in, H, D_out = 64, 10, 32, 1
x = torch.randn(N, D_in)
y = torch.sin(x.sum(1, keepdim=True))
w1 = (torch.randn(D_in, H) * 0.3).requires_grad_()
w2 = (torch.randn(H, D_out) * 0.3).requires_grad_()
learning_rate = 0.05
losses = []
for t in range(300):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).mean()
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
curve = np.array(losses)
assert curve[-1] < curve[0] / 3, (curve[0], curve[-1])
pred = x.mm(w1).clamp(min=0).mm(w2).detach().cpu().numpy()
assert pred.shape == (N, 1) and not np.isnan(pred).any()
print(f"from scratch ok: w {w_np.round(3).tolist()}, b {b.item():.3f}")
print(f"two-layer net loss {curve[0]:.3f} -> {curve[-1]:.3f}")
