"""graphc: PyTorch-style tensors and autograd, and a compiler for the same programs.

``import graphc as torch`` runs ordinary PyTorch tutorial code eagerly; ``graphc.trace`` and
``graphc.compile`` turn the same code into an IR graph, derive its backward symbolically and run
it as generated code on NumPy (CPU) or CuPy (GPU).
"""
from __future__ import annotations

import importlib as _importlib

from graphc import errors  # noqa: F401
from graphc.dtypes import (bool_ as bool, dtype, finfo, float16, float32, float64,  # noqa: F401
                           get_default_dtype, iinfo, int8, int16, int32, int64,
                           promote_types, result_type, set_default_dtype, uint8)
from graphc.dtypes import float16 as half, float32 as float, float64 as double  # noqa: F401
from graphc.dtypes import int16 as short, int32 as int, int64 as long  # noqa: F401
from graphc.device import device  # noqa: F401
from graphc.size import Size  # noqa: F401
from graphc.tensor import Tensor  # noqa: F401
from graphc.ops import *  # noqa: F401,F403
from graphc.ops import __all__ as _ops_all  # noqa: F401
from graphc.autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                                       no_grad, set_grad_enabled)
from graphc._legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor,  # noqa: F401
                            FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor)
from graphc._formatting import get_printoptions, set_printoptions  # noqa: F401
from graphc import accelerator, autograd, cuda  # noqa: F401

__version__ = "0.1.0"
cfloat = None  # complex dtypes are not supported

_LAZY = {"nn", "optim", "utils", "ir", "passes", "runtime", "compiler", "serialization",
         "linalg", "special"}
_LAZY_ATTRS = {
    "trace": "graphc.compiler", "compile": "graphc.compiler", "grad": "graphc.compiler",
    "value_and_grad": "graphc.compiler", "vjp": "graphc.compiler", "explain": "graphc.compiler",
    "save": "graphc.serialization", "load": "graphc.serialization",
}


def __getattr__(name: str):
    """Import the heavier subpackages (nn, optim, the compiler) on first use."""
    if name in _LAZY:
        return _importlib.import_module(f"graphc.{name}")
    if name in _LAZY_ATTRS:
        return getattr(_importlib.import_module(_LAZY_ATTRS[name]), name)
    raise AttributeError(f"module 'graphc' has no attribute {name!r}")


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()
