import sys
from pathlib import Path

import pytest

from autograd_engine.kernels import threads

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def parallel_gate(monkeypatch):
    """Lower the parallel gate so that the LARGE arrays of the tests run the parallel kernels."""
    monkeypatch.setattr(threads, "PARALLEL_MIN_SIZE", 262_144)
