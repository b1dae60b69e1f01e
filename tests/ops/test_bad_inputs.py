"""Every conformance row again with inputs it was not written for: one input at a time gets
another shape (last dim grown by one; a leading dim of 2 prepended) or another dtype (int64,
float16, bool). Where PyTorch refuses the inputs, graphc must raise a ``GraphcError`` naming the
problem rather than a NumPy/Python exception or a silently wrong (broadcast, truncated, upcast)
answer; where PyTorch accepts them, graphc must return the same values, dtypes and gradients.

Shape rules (``infer``) that check too little and kernels that quietly cast or broadcast break
here. A row opts out of a sweep (``OpSpec.perturb``) only where its own attrs or ``torch_fn`` fix
the shapes or dtypes, so that changing an input cannot mean the same thing on both sides.
"""
from __future__ import annotations

import numpy as np
import pytest

from tests.ops.test_conformance import SPECS, _agrees_with_torch, torch

pytestmark = pytest.mark.skipif(torch is None, reason="PyTorch not installed")


def _regenerate(a: np.ndarray, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """Fresh data of ``shape`` in the range of ``a``'s finite values, so domains (positive for
    log, in-bounds for indices, in (0, 1) for probabilities) still hold."""
    finite = a[np.isfinite(a)] if a.dtype.kind == "f" else a.reshape(-1)
    if finite.size == 0:
        return np.zeros(shape, a.dtype)
    lo, hi = finite.min(), finite.max()
    if a.dtype.kind == "f":
        return rng.uniform(lo, hi, size=shape).astype(a.dtype)
    return rng.integers(lo, int(hi) + 1, size=shape).astype(a.dtype)


def _shape_variants(arrays):
    """(description, arrays) with one floating/integer input of ndim >= 1 reshaped."""
    rng = np.random.default_rng(5)
    for i, a in enumerate(arrays):
        if a.ndim == 0 or a.dtype.kind not in "fiu":
            continue
        for shape in (a.shape[:-1] + (a.shape[-1] + 1,), (2,) + a.shape):
            yield f"input {i} {list(a.shape)} -> {list(shape)}", \
                arrays[:i] + [_regenerate(a, shape, rng)] + arrays[i + 1:]


def _cast(a: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bool":
        return a != 0
    if dtype == "int64":  # NaN/inf have no integer value; truncate the rest like .long()
        return np.where(np.isfinite(a), a, 0).astype(np.int64)
    return a.astype(dtype)


def _dtype_variants(arrays):
    """(description, arrays) with one floating input cast to int64, float16 or bool."""
    for i, a in enumerate(arrays):
        if a.dtype.kind != "f":
            continue
        for dtype in ("int64", "float16", "bool"):
            yield f"input {i} {a.dtype} -> {dtype}", \
                arrays[:i] + [_cast(a, dtype)] + arrays[i + 1:]


def _sweep(spec, dtype, variants, tol_dtype=lambda desc: None):
    """Runs every variant and reports all disagreements at once (one row, several inputs)."""
    failures = []
    for desc, arrays in variants:
        try:
            _agrees_with_torch(spec, tol_dtype(desc) or dtype, arrays)
        except pytest.skip.Exception:  # PyTorch cannot say (its own backward fails)
            continue
        except (Exception, pytest.fail.Exception) as e:  # pytest.raises' "DID NOT RAISE" too
            failures.append(f"{desc}: {type(e).__name__}: {str(e).strip()[:400]}")
    if failures:
        pytest.fail(f"{spec.name}:\n  " + "\n  ".join(failures), pytrace=False)


_SHAPE_SPECS = [s for s in SPECS if "shape" in s.perturb]
_DTYPE_SPECS = [s for s in SPECS if "dtype" in s.perturb]


@pytest.mark.parametrize("spec", _SHAPE_SPECS, ids=[s.name for s in _SHAPE_SPECS])
def test_reshaped_input_matches_torch(spec):
    dtype = spec.dtypes[-1]
    arrays = spec.inputs(np.random.default_rng(6), np.dtype(dtype))
    variants = list(_shape_variants(arrays))
    if not variants:
        pytest.skip("no input with a shape to change")
    _sweep(spec, dtype, variants)


@pytest.mark.parametrize("spec", _DTYPE_SPECS, ids=[s.name for s in _DTYPE_SPECS])
def test_recast_input_matches_torch(spec):
    # float32 where the row has it: results of int/bool inputs promote to float32, not float64.
    dtype = "float32" if "float32" in spec.dtypes else spec.dtypes[-1]
    arrays = spec.inputs(np.random.default_rng(7), np.dtype(dtype))
    variants = list(_dtype_variants(arrays))
    if not variants:
        pytest.skip("no floating input to cast")
    _sweep(spec, dtype, variants,
           tol_dtype=lambda desc: "float16" if desc.endswith("float16") else None)
