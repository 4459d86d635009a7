"""An LSTM part-of-speech tagger on a tiny made-up corpus."""

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(1)

training_data = [
    ("the dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("everybody read that book".split(), ["NN", "V", "DET", "NN"]),
    ("a cat saw the dog".split(), ["DET", "NN", "V", "DET", "NN"]),
    ("that dog read a book".split(), ["DET", "NN", "V", "DET", "NN"]),
]
word_to_ix = {}
for sent, tags in training_data:
    for word in sent:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)
tag_to_ix = {"DET": 0, "NN": 1, "V": 2}


def prepare_sequence(seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


class LSTMTagger(nn.Module):
    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        return F.log_softmax(tag_space, dim=1)


model = LSTMTagger(6, 6, len(word_to_ix), len(tag_to_ix))
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)


def total_loss():
    with torch.no_grad():
        return sum(
            loss_function(
                model(prepare_sequence(s, word_to_ix)), prepare_sequence(t, tag_to_ix)
            ).item()
            for s, t in training_data
        )


before = total_loss()
for epoch in range(100):
    for sentence, tags in training_data:
        model.zero_grad()
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)
        tag_scores = model(sentence_in)
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()
after = total_loss()

with torch.no_grad():
    inputs = prepare_sequence(training_data[0][0], word_to_ix)
    tag_scores = model(inputs)
    assert torch.allclose(tag_scores.exp().sum(1), torch.ones(5), atol=1e-5)
    predicted = tag_scores.argmax(dim=1).tolist()
assert predicted == [0, 1, 2, 0, 1], predicted
assert after < before / 3, (before, after)

# batch_first with an explicit initial state
lstm = nn.LSTM(input_size=3, hidden_size=4, num_layers=2, batch_first=True)
h0 = torch.zeros(2, 5, 4)
c0 = torch.zeros(2, 5, 4)
out, (hn, cn) = lstm(torch.randn(5, 7, 3), (h0, c0))
assert out.shape == (5, 7, 4) and hn.shape == (2, 5, 4) and cn.shape == (2, 5, 4)
assert torch.allclose(out[:, -1], hn[-1])
print(f"lstm tagger ok: loss {before:.3f} -> {after:.3f}, tags {predicted}")
