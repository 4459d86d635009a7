"""Child program of the start-up section: import a framework, then take one MLP training step.

`python -m bench.first_step engine|torch` prints JSON: seconds spent importing the framework and
seconds of the first 784-256-128-10 SGD step at batch 32 (building the model included).
"""

from __future__ import annotations

import importlib
import json
import sys
import time


def main(framework: str) -> None:
    start = time.perf_counter()
    for name in ("autograd_engine", "nn", "optim") if framework == "engine" else ("torch",):
        importlib.import_module(name)
    imported = time.perf_counter()
    import numpy as np

    from . import trainers

    spec = trainers.Spec((784, 256, 128, 10), "cross_entropy", "sgd")
    x, y = trainers.batch(spec, 32, np.random.default_rng(0))
    ready = time.perf_counter()
    if framework == "engine":
        import autograd_engine as ae

        step = trainers.engine_step(spec, trainers.engine_model(spec.widths))
        step(ae.tensor(x), ae.tensor(y))
    else:
        import torch

        model = trainers.torch_model(torch, spec.widths)
        trainers.torch_step(torch, spec, model)(torch.from_numpy(x), torch.from_numpy(y))
    done = time.perf_counter()
    print(json.dumps({"import": imported - start, "first_step": done - ready}))


if __name__ == "__main__":
    main(sys.argv[1])
