"""A character-level language model: an LSTM reads a text one character at a time and
predicts the next one (Karpathy's char-rnn, with the lectures' LSTM).

Trained by truncated backpropagation through time: the text is cut into chunks, the state
left by one chunk starts the next (detached, so gradients stop at the chunk's start). Its
perplexity is exp of the mean cross-entropy per character: the number of characters it is,
on average, as unsure between as if it picked uniformly among them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd_engine as ae

from .. import functional as F
from ..layers import LSTM, Embedding, Linear
from ..module import Module

State = tuple[ae.Tensor, ae.Tensor]


class CharLSTM(Module):
    """Embedding -> LSTM (num_layers, batch_first) -> Linear over the vocabulary.

    `vocab` is the string of the characters it knows, each once; character `vocab[i]` is
    index i. `forward(ids, state)` returns the next-character logits and the LSTM's final
    (h, c), to pass to the next chunk of the same texts.

    >>> _ = ae.manual_seed(0)
    >>> model = CharLSTM("ab\\n", embedding_dim=4, hidden_size=8)
    >>> logits, (h, c) = model(ae.tensor([[0, 1, 2]]))
    >>> logits.shape, h.shape
    ((1, 3, 3), (2, 1, 8))
    >>> len(model.sample(5))
    5
    """

    def __init__(
        self,
        vocab: str,
        embedding_dim: int = 64,
        hidden_size: int = 256,
        num_layers: int = 2,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not vocab or len(set(vocab)) != len(vocab):
            raise ValueError(
                f"CharLSTM: vocab must list each character once, got {len(vocab)} characters "
                f"of which {len(set(vocab))} distinct"
            )
        self.vocab = vocab
        self._index = {c: i for i, c in enumerate(vocab)}
        self.embedding = Embedding(len(vocab), embedding_dim)
        self.lstm = LSTM(embedding_dim, hidden_size, num_layers, batch_first=True, dropout=dropout)
        self.head = Linear(hidden_size, len(vocab))

    def forward(self, ids: ae.Tensor, state: State | None = None) -> tuple[ae.Tensor, State]:
        """Logits (N, T, V) of the character after each of `ids` (N, T), and the final state."""
        out, state = self.lstm(self.embedding(ids), state)
        return self.head(out), state

    def encode(self, text: str) -> np.ndarray:
        """The indices (int64) of the characters of `text`."""
        unknown = sorted(set(text) - self._index.keys())
        if unknown:
            raise ValueError(
                f"CharLSTM.encode: characters not in the vocabulary: {''.join(unknown)!r}"
            )
        return np.array([self._index[c] for c in text], dtype=np.int64)

    def decode(self, ids: Any) -> str:
        """The text of indices `ids`."""
        return "".join(self.vocab[i] for i in np.asarray(ids).reshape(-1))

    def sample(self, length: int, prompt: str | None = None, temperature: float = 1.0) -> str:
        """`length` new characters, each drawn from softmax(logits / temperature) and fed
        back as the next input, after reading `prompt` (default: a newline, or the first
        character of the vocabulary). Lower temperatures give likelier, more repetitive text.
        Uses the engine's random generator (`ae.manual_seed`)."""
        if not temperature > 0 or not np.isfinite(temperature):
            raise ValueError(f"CharLSTM.sample: temperature must be > 0, got {temperature}")
        if length < 0:
            raise ValueError(f"CharLSTM.sample: length must be >= 0, got {length}")
        if prompt is None:
            prompt = "\n" if "\n" in self._index else self.vocab[0]
        if not prompt:
            raise ValueError("CharLSTM.sample: the prompt needs at least one character")
        ids = ae.tensor(self.encode(prompt)[None])
        was_training = self.training
        self.eval()
        drawn: list[int] = []
        try:
            with ae.no_grad():
                logits, state = self(ids)
                for _ in range(length):
                    probs = F.softmax(logits[0, -1] / temperature, dim=-1)
                    drawn.append(int(ae.multinomial(probs, 1).item()))
                    logits, state = self(ae.tensor([[drawn[-1]]]), state)
        finally:
            self.train(was_training)
        return self.decode(drawn)

    @staticmethod
    def loss(output: tuple[ae.Tensor, State], target: ae.Tensor) -> ae.Tensor:
        """The mean cross-entropy per character of forward's `output` against the next
        characters `target` (N, T)."""
        logits = output[0]
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))
