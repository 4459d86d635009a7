"""Model tests run BLAS on one thread, as the command line does: on the shared 2-core machine
a threaded BLAS waits for a busy core at every small matmul (the GAN ring test took 130 s
instead of 9 s)."""

import pytest

from autograd_engine.app.commands import thread_limit


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with thread_limit():
        yield
