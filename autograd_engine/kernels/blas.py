"""Matrix products inside Numba kernels through NumPy's own BLAS.

Numba's `np.dot` calls the BLAS that SciPy ships, which is often an older build than NumPy's:
measured on one Zen 5 core (float32, GFLOP/s, SciPy's OpenBLAS 0.3.30 against NumPy's
0.3.31, both with their AVX-512 kernels), conv2d's per-sample products (32, 144) x (144, 840)
138 against 179, (32, 840) x (840, 144) 132 against 158, LeNet-5's (16, 150) x (150, 800) 101
against 154, the LSTM step's (64, 128) x (128, 512) 185 against 200. `gemm` calls NumPy's
`cblas_?gemm` through its address (`gemm_addresses`, found once per process) with an LLVM
call through a pointer, so the kernels that use it still cache; where NumPy's BLAS is not a
known OpenBLAS build (other platforms, NumPy built against MKL or Accelerate) the addresses
are 0 and `gemm` falls back to `np.dot`. Thread limits (`set_num_threads`, `limit_threads`)
reach NumPy's BLAS through threadpoolctl as they reach SciPy's.
"""

from __future__ import annotations

import ctypes
import functools
import os

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

from .threads import load_numba_blas

# NumPy's wheels bundle OpenBLAS with 64-bit integers and these symbol names.
_SYMBOLS = ("scipy_cblas_sgemm64_", "scipy_cblas_dgemm64_")
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


@functools.cache
def gemm_addresses() -> np.ndarray:
    """The addresses of NumPy's cblas_sgemm and cblas_dgemm (int64 [s, d]), or zeros when
    NumPy's BLAS is not the bundled 64-bit-integer OpenBLAS. Loads SciPy's BLAS too, for
    `np.dot`'s fallback (`load_numba_blas`)."""
    from threadpoolctl import threadpool_info

    load_numba_blas()
    numpy_dir = os.path.dirname(os.path.dirname(np.__file__))
    for lib in threadpool_info():
        path = lib.get("filepath") or ""
        if lib.get("internal_api") != "openblas" or not path.startswith(numpy_dir):
            continue
        if not os.path.basename(os.path.dirname(path)).startswith("numpy"):
            continue  # SciPy's or another package's copy
        try:
            handle = ctypes.CDLL(path)
            return np.array([ctypes.cast(getattr(handle, s), ctypes.c_void_p).value
                             for s in _SYMBOLS], np.int64)  # fmt: skip
        except (OSError, AttributeError):
            break
    return np.zeros(2, np.int64)


def _cblas_gemm(address, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    """cblas_?gemm(row major, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    through the function at `address`; a, b and c are the arrays' data pointers and the
    precision follows alpha's type. This is the interpreter's version (NUMBA_DISABLE_JIT),
    through ctypes; compiled kernels call the address directly (`_cblas_gemm_call`)."""
    real = ctypes.c_float if isinstance(alpha, np.float32) else ctypes.c_double
    i32, i64, ptr = ctypes.c_int32, ctypes.c_int64, ctypes.c_void_p
    signature = [i32, i32, i32, i64, i64, i64, real, ptr, i64, ptr, i64, real, ptr, i64]
    function = ctypes.CFUNCTYPE(None, *signature)(int(address))
    function(_ROW_MAJOR, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)


@overload(_cblas_gemm, jit_options={"cache": True})
def _cblas_gemm_overload(address, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    def call(address, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
        _cblas_gemm_call(address, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    return call


@intrinsic
def _cblas_gemm_call(
    typingctx, address, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc
):
    """`_cblas_gemm` in compiled code: an LLVM call through the address."""
    real = alpha

    def codegen(context, builder, signature, args):
        address, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc = args
        i32, i64 = ir.IntType(32), ir.IntType(64)
        f = context.get_value_type(real)
        ptr = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(
            ir.VoidType(), [i32, i32, i32, i64, i64, i64, f, ptr, i64, ptr, i64, f, ptr, i64]
        )
        fn = builder.inttoptr(address, fnty.as_pointer())
        enum = [ir.Constant(i32, _ROW_MAJOR), builder.trunc(ta, i32), builder.trunc(tb, i32)]
        pointers = [builder.inttoptr(p, ptr) for p in (a, b, c)]
        builder.call(
            fn, [*enum, m, n, k, alpha, pointers[0], lda, pointers[1], ldb, beta, pointers[2], ldc]
        )
        return context.get_dummy_value()

    sig = types.void(
        types.int64, types.int64, types.int64, types.int64, types.int64, types.int64, real,
        types.uintp, types.int64, types.uintp, types.int64, real, types.uintp, types.int64,
    )  # fmt: skip
    return sig, codegen


@njit(cache=True)
def _operand(x):
    """(transpose flag, leading dimension) of a 2-D operand BLAS can read in place, or
    (0, 0) when neither its rows nor its columns are contiguous."""
    size = x.itemsize
    rows, cols = x.strides
    if (cols == size or x.shape[1] == 1) and rows % size == 0 and rows >= max(1, x.shape[1]) * size:
        return _NO_TRANS, rows // size
    if (rows == size or x.shape[0] == 1) and cols % size == 0 and cols >= max(1, x.shape[0]) * size:
        return _TRANS, cols // size
    return 0, 0


@njit(cache=True)
def gemm(addresses, a, b, out, accumulate=False, alpha=1.0):
    """out = alpha a @ b, or out += alpha a @ b with `accumulate`, for 2-D float32 or float64
    arrays of one dtype, out with contiguous rows. Goes through NumPy's BLAS (`addresses` from
    `gemm_addresses`), or `np.dot` where that is unknown, an operand has no contiguous
    dimension or out's rows are not contiguous."""
    address = addresses[0] if a.itemsize == 4 else addresses[1]
    ta, lda = _operand(a)
    tb, ldb = _operand(b)
    m, k = a.shape
    n = b.shape[1]
    tc, ldc = _operand(out)
    scale = a.dtype.type(alpha)
    if address == 0 or ta == 0 or tb == 0 or tc != _NO_TRANS or m == 0 or n == 0 or k == 0:
        product = np.dot(np.ascontiguousarray(a), np.ascontiguousarray(b))
        if alpha != 1.0:
            product *= scale
        if accumulate:
            out += product
        else:
            out[:] = product
        return
    beta = a.dtype.type(1) if accumulate else a.dtype.type(0)
    _cblas_gemm(
        address, ta, tb, m, n, k, scale, a.ctypes.data, max(lda, 1), b.ctypes.data, max(ldb, 1),
        beta, out.ctypes.data, max(ldc, 1),
    )  # fmt: skip
