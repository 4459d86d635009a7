"""Compute kernels behind one small interface.

Every function takes and returns NumPy arrays. Small inputs go to NumPy, large ones to the
Numba-compiled kernels; `reference` holds the plain NumPy definitions they are tested against.
"""

from .reference import (
    bce_with_logits,
    bce_with_logits_backward,
    elu,
    elu_backward,
    leaky_relu,
    leaky_relu_backward,
    log_softmax,
    log_softmax_backward,
    logsumexp,
    matmul,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    softmax,
    softmax_backward,
    softmax_cross_entropy,
    softmax_cross_entropy_backward,
    softplus,
    softplus_backward,
    tanh,
    tanh_backward,
)

__all__ = [
    "bce_with_logits",
    "bce_with_logits_backward",
    "elu",
    "elu_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "log_softmax",
    "log_softmax_backward",
    "logsumexp",
    "matmul",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
    "softplus",
    "softplus_backward",
    "tanh",
    "tanh_backward",
]
