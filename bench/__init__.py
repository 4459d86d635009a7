"""The benchmark suite: `python -m bench [--section NAME ...] [--quick] [--out bench/RESULTS.md]`.

One module per section (overhead, chain, matmul, kernels, mlp, epoch, startup), each with
`run(config) -> Section`; `bench.timing.measure` is the only timing code. `bench.numpy_mlp` is
the hand-written NumPy backprop peer and `bench.trainers` builds the engine, NumPy and PyTorch
steps from one set of weights. `python -m bench.kernels_threshold` measures the kernel routing
thresholds.
"""
