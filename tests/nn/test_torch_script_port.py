"""A PyTorch training script written once against (nn, F, optim, lr_scheduler) runs on this
library and on torch, with the same weights, data and trajectory: the names of this issue used
together (TransformerEncoder, GELU, Upsample, F.normalize, F.smooth_l1_loss, AdamW, OneCycleLR,
SequentialLR, LBFGS, forward hooks)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_engine as ae
import nn
import nn.functional as F
import optim
from optim import lr_scheduler

torch = pytest.importorskip("torch")


def build(nn, F, dtype):
    """The script's model: a small sequence regressor, as a PyTorch user writes it."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(3, 8, dtype=dtype)
            layer = nn.TransformerEncoderLayer(
                8, 2, 16, dropout=0.0, activation="gelu", batch_first=True, dtype=dtype
            )
            self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
            self.up = nn.Upsample(scale_factor=2, mode="linear", align_corners=False)
            self.head = nn.Sequential(nn.SiLU(), nn.Linear(8, 1, dtype=dtype))

        def forward(self, x, padding):
            h = self.encoder(self.inp(x), src_key_padding_mask=padding)
            h = self.up(h.transpose(1, 2)).transpose(1, 2)  # (N, 2L, 8)
            h = F.normalize(h, dim=-1)
            return self.head(h).squeeze(-1)

    return Net()


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 5, 3))
    y = rng.normal(size=(4, 10))
    padding = np.zeros((4, 5), bool)
    padding[1, -1] = True
    return x, y, padding


def _ours(array):
    return ae.tensor(array, dtype=ae.float64 if array.dtype.kind == "f" else None)


# What `import torch.nn as nn` etc. give, and what the ported script imports instead.
TORCH = {
    "nn": torch.nn,
    "F": torch.nn.functional,
    "optim": torch.optim,
    "lr_scheduler": torch.optim.lr_scheduler,
    "tensor": torch.tensor,
}
OURS = {"nn": nn, "F": F, "optim": optim, "lr_scheduler": lr_scheduler, "tensor": _ours}


def _train(lib, net):
    """The script's training loop: AdamW, a LinearLR warm-up then OneCycleLR, smooth L1 loss,
    a forward hook counting calls. Returns the losses."""
    x, y, padding = _data()
    opt = lib["optim"].AdamW(net.parameters(), lr=1e-2, weight_decay=0.01)
    warm = lib["lr_scheduler"].LinearLR(opt, start_factor=0.5, total_iters=2)
    cycle = lib["lr_scheduler"].OneCycleLR(opt, max_lr=0.05, total_steps=10)
    sched = lib["lr_scheduler"].SequentialLR(opt, [warm, cycle], milestones=[2])
    seen = []
    handle = net.head.register_forward_hook(lambda m, args, out: seen.append(tuple(out.shape)))
    xb, yb, pb = (lib["tensor"](a) for a in (x, y, padding))
    losses = []
    for _ in range(6):
        opt.zero_grad()
        loss = lib["F"].smooth_l1_loss(net(xb, pb), yb)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    handle.remove()
    net(xb, pb)
    assert seen == [(4, 10, 1)] * 6
    return losses


def test_training_script_runs_the_same_on_both():
    tmodel = build(torch.nn, torch.nn.functional, torch.float64)
    model = build(nn, F, ae.float64)
    model.load_state_dict({k: v.detach().numpy() for k, v in tmodel.state_dict().items()})
    np.testing.assert_allclose(_train(OURS, model), _train(TORCH, tmodel), rtol=1e-9)


def test_lbfgs_fit_of_a_small_network():
    x, y, _ = _data()
    x, y = x[:, 0, :], y[:, :1]
    torch.manual_seed(0)
    tnet = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)
    ).double()
    net = nn.Sequential(
        nn.Linear(3, 4, dtype=ae.float64), nn.Tanh(), nn.Linear(4, 1, dtype=ae.float64)
    )
    net.load_state_dict({k: v.detach().numpy() for k, v in tnet.state_dict().items()})
    results = []
    for model, opt_mod, loss_fn, xb, yb in (
        (tnet, torch.optim, torch.nn.MSELoss(), torch.tensor(x), torch.tensor(y)),
        (net, optim, nn.MSELoss(), ae.tensor(x, dtype=ae.float64), ae.tensor(y, dtype=ae.float64)),
    ):
        opt = opt_mod.LBFGS(model.parameters(), max_iter=10, line_search_fn="strong_wolfe")

        def closure(model=model, opt=opt, loss_fn=loss_fn, xb=xb, yb=yb):
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            return loss

        results.append([float(opt.step(closure).item()) for _ in range(3)])
    np.testing.assert_allclose(results[1], results[0], rtol=1e-8)
