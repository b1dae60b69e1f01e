"""The op registry and every op's public function, one module per family.

A newcomer looking for an op's definition, gradient and kernel finds all three in its family
module: elementwise, pointwise, reduce, order, shape, rearrange, matrix, index, linalg, creation,
sampling (random numbers), conversion, inplace, inplace_extra, nn, resample (interpolate),
patches (unfold/fold), adaptive_pool (adaptive max pooling).
"""
from graphc.ops.registry import NONDIFF, REGISTRY, OpDef, get, register  # noqa: F401
from graphc.ops.dispatch import apply  # noqa: F401
from graphc.ops import conversion as _conversion, creation as _creation  # noqa: F401
from graphc.ops import elementwise as _elementwise, index as _index, inplace as _inplace
from graphc.ops import linalg as _linalg, nn as _nn, reduce as _reduce, shape as _shape
from graphc.ops.elementwise import *  # noqa: F401,F403
from graphc.ops.reduce import *  # noqa: F401,F403
from graphc.ops.shape import *  # noqa: F401,F403
from graphc.ops.index import *  # noqa: F401,F403
from graphc.ops.linalg import *  # noqa: F401,F403
from graphc.ops.creation import *  # noqa: F401,F403
from graphc.ops import sampling as _sampling
from graphc.ops.sampling import *  # noqa: F401,F403
from graphc.ops.conversion import *  # noqa: F401,F403
from graphc.ops.inplace import *  # noqa: F401,F403
from graphc.ops.nn import *  # noqa: F401,F403
from graphc.ops import matrix as _matrix, order as _order, pointwise as _pointwise
from graphc.ops import inplace_extra as _inplace_extra, rearrange as _rearrange
from graphc.ops.pointwise import *  # noqa: F401,F403
from graphc.ops.matrix import *  # noqa: F401,F403
from graphc.ops.rearrange import *  # noqa: F401,F403
from graphc.ops.order import *  # noqa: F401,F403
# Families whose functions PyTorch exposes only under ``F``: imported to register their ops.
from graphc.ops import adaptive_pool as _adaptive_pool, patches as _patches  # noqa: F401
from graphc.ops import resample as _resample  # noqa: F401
# The rest of PyTorch's Tensor API, one family each (graphc/tensor_methods_extra.py has the
# methods): special functions, floating-point manipulation, integer/logical ops, fused products,
# statistics, strided views and splits, index writes, decompositions (graphc.linalg),
# predicates and resize_.
from graphc.ops import bitwise as _bitwise, floating as _floating, special as _special
from graphc.ops import index_write as _index_write, products as _products
from graphc.ops import statistics as _statistics, strided as _strided, decomp as _decomp
from graphc.ops import tensor_info as _tensor_info
from graphc.ops.special import *  # noqa: F401,F403
from graphc.ops.floating import *  # noqa: F401,F403
from graphc.ops.bitwise import *  # noqa: F401,F403
from graphc.ops.products import *  # noqa: F401,F403
from graphc.ops.statistics import *  # noqa: F401,F403
from graphc.ops.strided import *  # noqa: F401,F403
from graphc.ops.index_write import *  # noqa: F401,F403
from graphc.ops.decomp import *  # noqa: F401,F403
from graphc.ops.tensor_info import *  # noqa: F401,F403
_MORE = (_special, _floating, _bitwise, _products, _statistics, _strided, _index_write,
         _decomp, _tensor_info)

FAMILIES = (_elementwise, _reduce, _shape, _index, _linalg, _creation, _sampling, _conversion,
            _inplace, _nn, _pointwise, _matrix, _rearrange, _order, _inplace_extra) + _MORE
__all__ = [name for fam in FAMILIES for name in fam.__all__]
