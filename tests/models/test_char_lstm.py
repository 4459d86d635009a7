"""CharLSTM: shapes, a state that carries a text across chunks, perplexity as exp of the
cross-entropy, sampling (length, vocabulary, temperature, seed), and a few steps of truncated
backpropagation through time that lower the loss."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_engine as ae
import nn
import optim
from nn.data import load_jargon
from nn.models import CharLSTM

TEXT = "the quick brown fox jumps over the lazy dog.\n" * 20
VOCAB = "".join(sorted(set(TEXT)))


@pytest.fixture
def model():
    ae.manual_seed(0)
    return CharLSTM(VOCAB, embedding_dim=8, hidden_size=16, num_layers=2)


def test_shapes_and_parameters(model):
    logits, (h, c) = model(ae.tensor(model.encode(TEXT[:30]).reshape(3, 10)))
    assert logits.shape == (3, 10, len(VOCAB))
    assert h.shape == c.shape == (2, 3, 16)
    names = {name for name, _ in model.named_parameters()}
    assert {"embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l1", "head.weight"} <= names


def test_the_state_carries_a_text_across_chunks(model):
    """Reading a text in two chunks, the second from the state the first left, gives the
    logits of reading it at once: what truncated backpropagation through time relies on."""
    ids = ae.tensor(model.encode(TEXT[:40]).reshape(2, 20))
    whole, _ = model(ids)
    first, state = model(ids[:, :7])
    second, _ = model(ids[:, 7:], state)
    np.testing.assert_allclose(
        ae.cat([first, second], 1).numpy(), whole.numpy(), rtol=1e-5, atol=1e-6
    )


def test_loss_is_the_mean_cross_entropy_and_perplexity_its_exp(model):
    ids = model.encode(TEXT[:61])
    x, y = ae.tensor(ids[:-1].reshape(3, 20)), ae.tensor(ids[1:].reshape(3, 20))
    output = model(x)
    logits = output[0].numpy().astype(np.float64).reshape(-1, len(VOCAB))
    log_probs = logits - logits.max(1, keepdims=True)
    log_probs -= np.log(np.exp(log_probs).sum(1, keepdims=True))
    expected = -log_probs[np.arange(60), ids[1:]].mean()
    loss = model.loss(output, y).item()
    assert loss == pytest.approx(expected, rel=1e-5)
    # an untrained model is about as unsure as a uniform choice among the characters
    assert 0.5 * len(VOCAB) < math.exp(loss) < 2 * len(VOCAB)


def test_encode_decode_and_bad_input(model):
    assert model.decode(model.encode(TEXT)) == TEXT
    with pytest.raises(ValueError, match="not in the vocabulary: 'XZ'"):
        model.encode("aXbZ")
    with pytest.raises(ValueError, match="each character once"):
        CharLSTM("abca")


def test_samples_have_the_length_and_only_vocabulary_characters(model):
    for length, temperature in ((0, 1.0), (1, 1.0), (57, 0.5), (200, 2.0)):
        text = model.sample(length, temperature=temperature)
        assert len(text) == length and set(text) <= set(VOCAB)
    assert model.training  # the mode is restored
    ae.manual_seed(3)
    first = model.sample(40, prompt="the ")
    ae.manual_seed(3)
    assert model.sample(40, prompt="the ") == first  # the engine's seed decides
    with pytest.raises(ValueError, match="temperature"):
        model.sample(5, temperature=0.0)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        model.sample(5, prompt="Q")


def test_low_temperature_picks_the_likeliest_characters(model):
    """Near temperature 0 sampling is greedy: the same text whatever the seed."""
    texts = set()
    for seed in range(3):
        ae.manual_seed(seed)
        texts.add(model.sample(30, temperature=1e-4))
    assert len(texts) == 1


def test_truncated_backprop_through_time_lowers_the_loss(model):
    ids = model.encode(TEXT)
    length = (len(ids) - 1) // 4
    x = ae.tensor(ids[: 4 * length].reshape(4, length))
    y = ae.tensor(ids[1 : 4 * length + 1].reshape(4, length))
    optimizer = optim.Adam(model.parameters(), lr=3e-2)
    losses = []
    for _ in range(5):  # epochs over the chunks, the state carried from chunk to chunk
        state, total = None, 0.0
        for t in range(0, length, 25):
            output = model(x[:, t : t + 25], state)
            loss = model.loss(output, y[:, t : t + 25])
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            state = tuple(s.detach() for s in output[1])
            total += loss.item()
        losses.append(total)
    assert losses[-1] < 0.6 * losses[0]


def test_the_bundled_text_is_the_jargon_file():
    text = load_jargon()
    assert 250_000 < len(text) <= 300_000
    assert text.startswith(":abbrev:") and ":cycle of reincarnation:" in text
