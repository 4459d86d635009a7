"""Autograd: gradients of a small graph, torch.autograd.grad and a custom Function."""

import math

import torch

x = torch.ones(5)
y = torch.zeros(3)
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
assert z.grad_fn is not None and loss.requires_grad
loss.backward()
expected = torch.sigmoid(z.detach()) / 3
assert torch.allclose(b.grad, expected, atol=1e-6)
assert torch.allclose(w.grad, x[:, None] * expected[None, :], atol=1e-6)

with torch.no_grad():
    z2 = torch.matmul(x, w) + b
assert z2.requires_grad is False
assert z.detach().requires_grad is False

a = torch.tensor([2.0, 3.0], requires_grad=True)
q = (a**3).sum()
(g,) = torch.autograd.grad(q, a, create_graph=True)
assert torch.allclose(g, 3 * a.detach() ** 2)
(g2,) = torch.autograd.grad(g.sum(), a)
assert torch.allclose(g2, 6 * a.detach())

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
first = inp.grad.clone()
out.backward(torch.ones_like(out))
assert torch.allclose(inp.grad, 2 * first)
inp.grad.zero_()
assert inp.grad.sum().item() == 0.0


class LegendrePolynomial3(torch.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2 with its derivative written by hand."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class MulConstant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


p3 = LegendrePolynomial3.apply
xs = torch.linspace(-1, 1, 7, dtype=torch.float64, requires_grad=True)
p3(xs).sum().backward()
assert torch.allclose(xs.grad, 1.5 * (5 * xs.detach() ** 2 - 1))

check_in = torch.randn(6, dtype=torch.double, requires_grad=True)
assert torch.autograd.gradcheck(p3, (check_in,), eps=1e-6, atol=1e-4)
assert torch.autograd.gradcheck(lambda t: MulConstant.apply(t, 2.5), (check_in,))

# fit a cubic of P3 to sin on [-pi, pi], as in the classic polynomial example
torch.manual_seed(0)
xt = torch.linspace(-math.pi, math.pi, 500)
yt = torch.sin(xt)
a = torch.full((), 0.0, requires_grad=True)
b = torch.full((), -1.0, requires_grad=True)
c = torch.full((), 0.0, requires_grad=True)
d = torch.full((), 0.3, requires_grad=True)
lr = 5e-6
losses = []
for t in range(400):
    y_pred = a + b * p3(c + d * xt)
    loss = (y_pred - yt).pow(2).sum()
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        for param in (a, b, c, d):
            param -= lr * param.grad
            param.grad = None
assert losses[-1] < 0.5 * losses[0], losses[::100]
print(f"autograd ok: loss {losses[0]:.1f} -> {losses[-1]:.1f}")
