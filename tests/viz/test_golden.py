"""The lecture graphs' DOT text, pinned byte for byte (golden files reviewed against the slides).

Regenerate after an intended change with UPDATE_GOLDEN=1 and review the diff.
"""

import os
from pathlib import Path

import pytest

from autograd_engine.app import lecture_graphs

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", list(lecture_graphs.GRAPHS))
def test_lecture_graph_matches_golden(name):
    source = lecture_graphs.draw(name).source
    path = GOLDEN / f"{name}.dot"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(source, encoding="utf-8")
    assert source == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(lecture_graphs.GRAPHS))
def test_same_graph_twice_gives_identical_bytes(name):
    assert lecture_graphs.draw(name).source == lecture_graphs.draw(name).source


def test_worked_example_numbers_are_the_slide_forward_pass():
    source = lecture_graphs.draw("worked-example").source
    # s(1) = Wx + b = (0.58, 0.68), x(1) = (0.64, 0.66), s(2) = 1.22, y = 0.77, loss = 0.60
    for text in ("[0.58, 0.68]", "[0.6411, 0.6637]", "1.219", "0.7718", "0.5957"):
        assert text in source


def test_worked_example_gradients_use_the_true_sigmoid_derivative():
    # The slide's dl/db' = 0.53 uses sigma(x) sigma(1 - x); sigma(x)(1 - sigma(x)) gives 0.2718.
    source = lecture_graphs.draw("worked-example").source
    assert "b'\\nscalar float64\\n0.5\\ngrad 0.2718" in source


def test_unknown_lecture_graph_names_the_choices():
    with pytest.raises(ValueError, match="perceptron"):
        lecture_graphs.draw("nope")
