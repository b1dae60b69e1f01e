"""The op conformance table's row type.

One ``OpSpec`` per op (or per interesting variant). ``fn(lib, *inputs)`` is written once and run
with ``lib=graphc`` and ``lib=torch``: graphc mirrors PyTorch's API, so the same lambda drives
both. Rows live in ``tests/ops/specs/<family>.py`` as a module-level ``SPECS`` list.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class OpSpec:
    name: str
    fn: Callable                        # fn(lib, *inputs) -> Tensor | tuple of Tensors
    shapes: list = field(default_factory=list)  # one random floating input per shape
    ref: Callable | None = None         # NumPy reference on the same arrays (float64 in, any out)
    make: Callable | None = None        # make(rng, np_dtype) -> list of arrays, replaces shapes
    dtypes: tuple = ("float32", "float64")
    grad: bool = True                   # gradcheck (float64) and compare grads with torch
    no_grad_inputs: tuple = ()          # indices of floating inputs that must not require grad
    low: float = -2.0                   # range of random floating inputs
    high: float = 2.0
    atol: float = 1e-5                  # forward tolerance (float32; float64 uses 1e-10)
    rtol: float = 1e-5
    torch_fn: Callable | None = None    # when torch spells it differently
    reduce_out: Callable | None = None  # maps a multi-output result to the tensor to check
    zero_dim: bool = True               # rerun with 0-d inputs (False: only where the row
                                        # itself fixes shapes, so 0-d inputs say nothing)
    perturb: tuple = ("shape", "dtype")  # sweeps of tests/ops/test_bad_inputs.py to run: drop
                                        # one only where the row's own attrs or torch_fn fix
                                        # shapes/dtypes, with a comment saying so

    def inputs(self, rng: np.random.Generator, np_dtype) -> list:
        if self.make is not None:
            return self.make(rng, np_dtype)
        return [rng.uniform(self.low, self.high, size=s).astype(np_dtype) for s in self.shapes]
