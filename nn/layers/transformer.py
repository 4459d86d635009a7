"""The Transformer, its encoder and decoder layers and stacks, with PyTorch's sub-module names
(self_attn, multihead_attn, linear1, linear2, norm1..3, dropout, dropout1..3; layers.i), so
torch state dicts load unchanged."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

import autograd_engine as ae

from .. import functional as F
from .. import init
from ..containers import ModuleList
from ..module import Module
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """Self-attention then a two-layer feed-forward network, each in a residual branch with
    layer normalisation: after the sum (post-norm, the default, as in Vaswani et al.) or at the
    start of the branch (`norm_first`, pre-norm, which trains more stably when deep).

    post-norm: x = norm1(x + SA(x)); x = norm2(x + FF(x))
    pre-norm:  x = x + SA(norm1(x)); x = x + FF(norm2(x))
    with FF(x) = linear2(dropout(activation(linear1(x)))).
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[ae.Tensor], ae.Tensor] = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerEncoderLayer")

    def forward(
        self,
        src: ae.Tensor,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> ae.Tensor:
        def self_attention(x: ae.Tensor) -> ae.Tensor:
            return _attend(
                self.self_attn, x, x, src_mask, src_key_padding_mask, is_causal, self.dropout1
            )

        def feed_forward(x: ae.Tensor) -> ae.Tensor:
            return _feed_forward(self, x, self.dropout2)

        x = src
        if self.norm_first:
            x = x + self_attention(self.norm1(x))
            return x + feed_forward(self.norm2(x))
        x = self.norm1(x + self_attention(x))
        return self.norm2(x + feed_forward(x))


def _activation(activation: str | Callable[[ae.Tensor], ae.Tensor], owner: str) -> Callable:
    if not isinstance(activation, str):
        return activation
    if activation not in _ACTIVATIONS:
        raise ValueError(
            f"{owner}: activation should be 'relu' or 'gelu' (or a callable), got {activation!r}"
        )
    return _ACTIVATIONS[activation]


def _attend(
    attn: MultiheadAttention,
    x: ae.Tensor,
    memory: ae.Tensor,
    mask: Any,
    padding: Any,
    is_causal: bool,
    dropout: Dropout,
) -> ae.Tensor:
    """The attention branch: x attends to memory (to itself in self-attention)."""
    out = attn(
        x,
        memory,
        memory,
        attn_mask=mask,
        key_padding_mask=padding,
        need_weights=False,
        is_causal=is_causal,
    )[0]
    return dropout(out)


def _feed_forward(layer: Module, x: ae.Tensor, dropout: Dropout) -> ae.Tensor:
    """The feed-forward branch: linear2(dropout(activation(linear1(x)))), then `dropout`."""
    return dropout(layer.linear2(layer.dropout(layer.activation(layer.linear1(x)))))


class TransformerEncoder(Module):
    """`num_layers` copies of `encoder_layer` applied in turn (sub-modules layers.0, layers.1,
    ...), then the optional final `norm`."""

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        src: ae.Tensor,
        mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool | None = None,
    ) -> ae.Tensor:
        x = src
        for layer in self.layers:
            x = layer(
                x,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=bool(is_causal),
            )
        return x if self.norm is None else self.norm(x)


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention to the encoder's output (`memory`), then the
    feed-forward network, each in a residual branch with layer normalisation (post-norm, or
    pre-norm with `norm_first`), as TransformerEncoderLayer."""

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[ae.Tensor], ae.Tensor] = F.relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        for name in ("self_attn", "multihead_attn"):
            attn = MultiheadAttention(
                d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
            )
            setattr(self, name, attn)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        for i in (1, 2, 3):
            setattr(
                self, f"norm{i}", LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            )
        for i in (1, 2, 3):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(activation, "TransformerDecoderLayer")

    def forward(
        self,
        tgt: ae.Tensor,
        memory: ae.Tensor,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> ae.Tensor:
        def self_attention(x: ae.Tensor) -> ae.Tensor:
            return _attend(
                self.self_attn, x, x, tgt_mask, tgt_key_padding_mask, tgt_is_causal, self.dropout1
            )

        def cross_attention(x: ae.Tensor) -> ae.Tensor:
            return _attend(
                self.multihead_attn,
                x,
                memory,
                memory_mask,
                memory_key_padding_mask,
                memory_is_causal,
                self.dropout2,
            )

        def feed_forward(x: ae.Tensor) -> ae.Tensor:
            return _feed_forward(self, x, self.dropout3)

        x = tgt
        if self.norm_first:
            x = x + self_attention(self.norm1(x))
            x = x + cross_attention(self.norm2(x))
            return x + feed_forward(self.norm3(x))
        x = self.norm1(x + self_attention(x))
        x = self.norm2(x + cross_attention(x))
        return self.norm3(x + feed_forward(x))


class TransformerDecoder(Module):
    """`num_layers` copies of `decoder_layer` applied in turn to the target, each attending to
    the same `memory`, then the optional final `norm`."""

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: ae.Tensor,
        memory: ae.Tensor,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> ae.Tensor:
        x = tgt
        for layer in self.layers:
            x = layer(
                x,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=bool(tgt_is_causal),
                memory_is_causal=memory_is_causal,
            )
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder transformer of Vaswani et al. (2017): `num_encoder_layers`
    encoder layers turn `src` into a memory that `num_decoder_layers` decoder layers attend to
    while reading `tgt`; both stacks end with a LayerNorm. Matrices are initialised
    Glorot-uniform, as PyTorch. No embeddings or output projection (add your own)."""

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[ae.Tensor], ae.Tensor] = F.relu,
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        options = {
            "dim_feedforward": dim_feedforward,
            "dropout": dropout,
            "activation": activation,
            "layer_norm_eps": layer_norm_eps,
            "batch_first": batch_first,
            "norm_first": norm_first,
            "bias": bias,
            "dtype": dtype,
        }
        norm = {"eps": layer_norm_eps, "bias": bias, "dtype": dtype}
        self.encoder = custom_encoder or TransformerEncoder(
            TransformerEncoderLayer(d_model, nhead, **options),
            num_encoder_layers,
            LayerNorm(d_model, **norm),
        )
        self.decoder = custom_decoder or TransformerDecoder(
            TransformerDecoderLayer(d_model, nhead, **options),
            num_decoder_layers,
            LayerNorm(d_model, **norm),
        )
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src: ae.Tensor,
        tgt: ae.Tensor,
        src_mask: Any = None,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> ae.Tensor:
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(
        sz: int, device: Any = None, dtype: Any = None
    ) -> ae.Tensor:
        """The causal mask for a sequence of length sz: 0 on and below the diagonal, -inf above
        (position i attends to positions up to i)."""
        mask = np.triu(np.full((sz, sz), -np.inf), 1)
        return ae.tensor(mask, dtype=ae.float32 if dtype is None else dtype)
