"""LDA's closed form, and its equivalence with a logistic unit built from the same w and b."""

import numpy as np

from autograd_engine import tensor
from nn.data import make_blobs, make_gaussian_classes
from nn.models import LDA, LogisticRegression


def test_closed_form_matches_the_lecture():
    x, t = make_gaussian_classes(n=400, seed=0)
    lda = LDA(2, reg=0.0).fit(x, t)
    x64 = x.astype(np.float64)
    mu0, mu1 = x64[t == 0].mean(0), x64[t == 1].mean(0)
    centred = np.concatenate([x64[t == 0] - mu0, x64[t == 1] - mu1])
    sigma_inv = np.linalg.inv(centred.T @ centred / (len(x) - 2))
    w = sigma_inv @ (mu1 - mu0)
    b = 0.5 * (mu0 @ sigma_inv @ mu0 - mu1 @ sigma_inv @ mu1) + np.log(t.mean() / (1 - t.mean()))
    np.testing.assert_allclose(lda.weight.numpy()[0], w, rtol=1e-5)
    np.testing.assert_allclose(lda.bias.numpy()[0], b, rtol=1e-5, atol=1e-6)


def test_equals_the_logistic_model_with_its_w_and_b():
    x, t = make_gaussian_classes(n=400, seed=1)
    lda = LDA(2).fit(x, t)
    logistic = LogisticRegression(2)
    logistic.linear.weight.numpy()[...] = lda.weight.numpy()
    logistic.linear.bias.numpy()[...] = lda.bias.numpy()
    p = lda.predict_proba(x)
    w, b = lda.weight.numpy()[0].astype(np.float64), float(lda.bias.numpy()[0])
    sigma = 1 / (1 + np.exp(-(x @ w + b)))
    np.testing.assert_allclose(p, logistic.predict_proba(x), rtol=1e-6)
    np.testing.assert_allclose(p, sigma, rtol=1e-5)
    assert ((p >= 0.5) == t).mean() > 0.85
    # the decision is the Bayes rule's: the same loss as the logistic model
    assert lda.loss(lda(tensor(x)), t).item() == logistic.loss(logistic(tensor(x)), t).item()


def test_multiclass_softmax_form():
    x, y = make_blobs(n=600, noise=1.0, centers=4, seed=2)
    lda = LDA(2, num_classes=4).fit(x, y)
    p = lda.predict_proba(x)
    assert p.shape == (600, 4)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert (lda.predict(x) == y).mean() > 0.95
