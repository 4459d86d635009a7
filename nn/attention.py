"""Attention as functions (`F.scaled_dot_product_attention`, `F.multi_head_attention_forward`).

Attention(Q, K, V) = softmax(Q K^T / sqrt(d) + M) V: each query position takes a weighted
average of the values, weighted by how well its query matches each key. The mask M holds 0
where attending is allowed and -inf where it is not. Built from core ops (linear, matmul,
softmax), so gradients and second derivatives come from the core.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd_engine as ae

from . import functional as F

Tensor = ae.Tensor


def _mask_array(mask: Any, blocked_when: bool, dtype: np.dtype) -> np.ndarray:
    """An additive mask: a bool mask becomes -inf where it equals `blocked_when`, 0 elsewhere;
    a float mask is added as it is."""
    m = mask.numpy() if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        return np.where(m == blocked_when, -np.inf, 0.0).astype(dtype)
    if m.dtype.kind != "f":
        raise ae.DTypeError(f"attention: a mask must be bool or floating, got dtype {m.dtype}")
    return m.astype(dtype, copy=False)


def _causal(n_query: int, n_key: int, dtype: np.dtype) -> np.ndarray:
    """-inf above the diagonal: position i attends to positions j <= i only."""
    return np.where(np.tri(n_query, n_key, dtype=bool), 0.0, -np.inf).astype(dtype)


def _attend(q: Tensor, k: Tensor, v: Tensor, mask: np.ndarray | None, dropout_p: float):
    """softmax(q k^T + mask) v for q already scaled; returns (output, weights)."""
    scores = q @ ae.transpose(k, -2, -1)
    if mask is not None:
        scores = scores + mask
    weights = ae.softmax(scores, axis=-1)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p)
    return weights @ v, weights


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(Q K^T * scale + M) V over inputs (..., L, E), (..., S, E), (..., S, Ev), with
    scale = 1 / sqrt(E) by default. A bool `attn_mask` is True where attending is allowed (the
    opposite of MultiheadAttention's masks); a float mask is added to the scores."""
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported")
    n_query, n_key = query.shape[-2], key.shape[-2]
    mask = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal, not both")
        mask = _causal(n_query, n_key, query.dtype)
    elif attn_mask is not None:
        mask = _mask_array(attn_mask, False, query.dtype)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    return _attend(query * scale, key, value, mask, dropout_p)[0]


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Any = None,
    need_weights: bool = True,
    attn_mask: Any = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on sequence-first inputs (L, N, E), (S, N, Ek), (S, N, Ev) or
    unbatched (L, E), ...: project, split into `num_heads` heads of size E / num_heads, attend
    in each head, concatenate and project out. Bool masks are True where attending is NOT
    allowed; `attn_mask` is (L, S) or (N * num_heads, L, S), `key_padding_mask` is (N, S).
    Returns (output (L, N, E), weights (N, L, S) averaged over heads, or (N, heads, L, S), or
    None when not `need_weights`)."""
    if bias_k is not None or bias_v is not None or add_zero_attn:
        raise NotImplementedError(
            "multi_head_attention_forward: add_bias_kv and add_zero_attn are not supported"
        )
    if static_k is not None or static_v is not None:
        raise NotImplementedError(
            "multi_head_attention_forward: static_k/static_v are not supported"
        )
    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = (ae.unsqueeze(t, 1) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = np.asarray(_as_array(key_padding_mask))[None]
    if query.ndim != 3 or key.ndim != 3 or value.ndim != 3:
        raise ae.ShapeError(
            f"multi_head_attention_forward: expected 3-D (L, N, E) query, key and value (or all "
            f"2-D), got shapes {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}"
        )
    n_query, batch, embed = query.shape
    n_key = key.shape[0]
    if embed != embed_dim_to_check or embed % num_heads:
        raise ae.ShapeError(
            f"multi_head_attention_forward: query has {embed} features; expected "
            f"{embed_dim_to_check}, divisible by num_heads={num_heads}"
        )
    head = embed // num_heads
    if use_separate_proj_weight:
        weights = (q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        weights = (
            in_proj_weight[:embed],
            in_proj_weight[embed : 2 * embed],
            in_proj_weight[2 * embed :],
        )
    biases = (None,) * 3
    if in_proj_bias is not None:
        biases = (in_proj_bias[:embed], in_proj_bias[embed : 2 * embed], in_proj_bias[2 * embed :])
    q, k, v = (F.linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))

    def heads(x: Tensor, n: int) -> Tensor:  # (n, N, E) -> (N, heads, n, head)
        return ae.permute(x.reshape(n, batch, num_heads, head), 1, 2, 0, 3)

    mask = _mha_mask(
        attn_mask, key_padding_mask, is_causal, batch, num_heads, n_query, n_key, q.dtype
    )
    out, attn = _attend(
        heads(q, n_query) * math.sqrt(1.0 / head),
        heads(k, n_key),
        heads(v, n_key),
        mask,
        dropout_p if training else 0.0,
    )
    out = ae.permute(out, 2, 0, 1, 3).reshape(n_query, batch, embed)
    out = F.linear(out, out_proj_weight, out_proj_bias)
    if need_weights and average_attn_weights:
        attn = attn.mean(axis=1)
    if unbatched:
        out = ae.squeeze(out, 1)
        attn = ae.squeeze(attn, 0)
    return out, attn if need_weights else None


def _as_array(x: Any) -> np.ndarray:
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


def _mha_mask(attn_mask, key_padding_mask, is_causal, batch, num_heads, n_query, n_key, dtype):
    """attn_mask and key_padding_mask merged into one additive (N, heads, L, S)-broadcastable
    array (or None); is_causal stands for the causal mask when no attn_mask is given."""
    mask = None
    if attn_mask is not None:
        mask = _mask_array(attn_mask, True, dtype)
        if mask.ndim == 2:
            if mask.shape != (n_query, n_key):
                raise ae.ShapeError(
                    f"multi_head_attention_forward: attn_mask of shape {mask.shape}; expected "
                    f"{(n_query, n_key)}"
                )
        elif mask.shape == (batch * num_heads, n_query, n_key):
            mask = mask.reshape(batch, num_heads, n_query, n_key)
        else:
            raise ae.ShapeError(
                f"multi_head_attention_forward: attn_mask of shape {mask.shape}; expected "
                f"{(n_query, n_key)} or {(batch * num_heads, n_query, n_key)}"
            )
    elif is_causal:
        mask = _causal(n_query, n_key, dtype)
    if key_padding_mask is not None:
        padding = _mask_array(key_padding_mask, True, dtype)
        if padding.shape != (batch, n_key):
            raise ae.ShapeError(
                f"multi_head_attention_forward: key_padding_mask of shape {padding.shape}; "
                f"expected (batch, source length) = {(batch, n_key)}"
            )
        padding = padding.reshape(batch, 1, 1, n_key)
        mask = padding if mask is None else mask + padding
    return mask
