"""Execute the lecture notebooks 01-07 and check the saved ones were executed.

Notebooks 08-10 (Fashion-MNIST, autoencoders, VAE/GAN) train for minutes and are executed by
`python tools/run_notebooks.py`, not here.
"""

import json
import time
from pathlib import Path

import nbclient  # nbformat, nbclient and ipykernel are in the `test` extra
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
FAST = sorted(p for p in NOTEBOOKS.glob("0[1-7]_*.ipynb"))
CELL_TIMEOUT = 120  # seconds for one cell
NOTEBOOK_TIMEOUT = 60  # seconds for a whole notebook (7 of them stay under 2 minutes)
MAX_KIB = 400  # saved notebooks stay small: modest dpi, SVG graphs


def test_the_seven_fast_notebooks_are_there():
    assert [p.name[:2] for p in FAST] == ["01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", FAST, ids=lambda p: p.stem)
def test_notebook_runs_without_error(path):
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError with the failing cell's traceback
    elapsed = time.perf_counter() - start
    assert elapsed < NOTEBOOK_TIMEOUT, f"{path.name} took {elapsed:.0f} s"
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_saved_notebook_is_executed_and_small(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] is not None for c in code), (
        "run tools/run_notebooks.py"
    )
    assert not any(o["output_type"] == "error" for c in code for o in c["outputs"])
    assert path.stat().st_size < MAX_KIB * 1024
