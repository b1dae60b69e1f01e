"""In-place methods that do not fit ``inplace()``'s compute-then-write-back pattern: shape
changes (``squeeze_``, ``unsqueeze_``, ``t_``, ``transpose_``), ``fill_diagonal_`` and the
random fills (``exponential_``, ``log_normal_``, ``cauchy_``, ``geometric_``).

A shape change does not touch the data: the tensor is rebound to a view of its own storage
(its version counter bumped, as PyTorch does). With grad recording on, the view op runs on an
alias that carries the tensor's old history, so the new grad_fn maps gradients back to the
*old* shape; a leaf that requires grad is refused, as in PyTorch. The in-place forms are their
own registry entries only to carry PyTorch's grad_fn names (SqueezeBackward3, TBackward1 …).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from graphc.autograd.grad_mode import is_grad_enabled
from graphc.errors import AutogradError, DTypeError, GraphcRuntimeError, ShapeError, TraceError
from graphc.ops import shape as _shape
from graphc.ops.creation import _random_fill, _rng, tensor
from graphc.ops.dispatch import active_tracer, apply
from graphc.ops.index import masked_fill
from graphc.ops.inplace import check_inplace_allowed, inplace
from graphc.ops.registry import OpDef, register
from graphc.ops.shapes import wrap_dim
from graphc.tensor import Tensor


# -- in-place shape changes ------------------------------------------------------------------
def _variant(op: OpDef, name: str, grad_name: str) -> OpDef:
    """The in-place form of a view op: same rule, PyTorch's in-place grad_fn name."""
    return register(dataclasses.replace(op, name=name, grad_name=grad_name, node_cls=None))


SQUEEZE_ = _variant(_shape.SQUEEZE, "squeeze_", "SqueezeBackward3")
SQUEEZE_DIM_ = _variant(_shape.SQUEEZE_DIM, "squeeze_dim_", "SqueezeBackward4")
SQUEEZE_DIMS_ = _variant(_shape.SQUEEZE_DIMS, "squeeze_dims_", "SqueezeBackward5")
UNSQUEEZE_ = _variant(_shape.UNSQUEEZE, "unsqueeze_", "UnsqueezeBackward1")
TRANSPOSE_ = _variant(_shape.TRANSPOSE, "transpose_", "TransposeBackward1")
T_ = _variant(_shape.T, "t_", "TBackward1")


def _alias(t: Tensor) -> Tensor:
    """A second Tensor object for the same storage, version counter and history."""
    a = Tensor._wrap(t._data, t._device)
    a._vbox = t._vbox
    if t._base is not None:
        a._mark_view(t)
        a._hv = t._hv
    a.grad_fn, a._output_nr, a._requires_grad = t.grad_fn, t._output_nr, t._requires_grad
    return a


def _reshape_inplace(self: Tensor, op: OpDef, **attrs) -> Tensor:
    record = is_grad_enabled() and self._requires_grad
    if record and self.grad_fn is None:
        raise AutogradError("a leaf Variable that requires grad is being used in an in-place "
                            "operation.")
    out = apply(op, _alias(self), **attrs)
    if not _shape.concrete(out):  # traced: the data is unchanged, ``self`` now names the view
        tracer = active_tracer.get()
        if _shape.concrete(self) or getattr(self._data, "kind", "node") != "node" or any(
                t is self for t, _ in getattr(tracer, "placeholders", ())):
            raise TraceError(f"{op.name}: an in-place shape change of an input of the traced "
                             f"function (or of a tensor it captures) is not supported; use the "
                             f"out-of-place form")
        self._data, self._requires_grad = out._data, out._requires_grad
        self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
        return self
    self._data = out._data
    self._vbox[0] += 1
    if record:
        self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
    return self


def squeeze_(self: Tensor, dim=None) -> Tensor:
    shape = tuple(self.shape)
    if dim is None:
        return _reshape_inplace(self, SQUEEZE_, dims=tuple(i for i, s in enumerate(shape)
                                                           if s == 1))
    dims = _shape._dim_list("squeeze", dim, len(shape))
    dims = tuple(sorted(d for d in dims if shape and shape[d] == 1))
    return _reshape_inplace(self, SQUEEZE_DIM_ if isinstance(dim, int) else SQUEEZE_DIMS_,
                            dims=dims)


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    return _reshape_inplace(self, UNSQUEEZE_, dim=wrap_dim("unsqueeze", dim, self.ndim + 1))


def t_(self: Tensor) -> Tensor:
    if self.ndim > 2:
        raise ShapeError(f"t_() expects a tensor with <= 2 dimensions, but self is "
                         f"{self.ndim}D")
    return _reshape_inplace(self, T_)


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    n = self.ndim
    return _reshape_inplace(self, TRANSPOSE_, dim0=wrap_dim("transpose_", dim0, n),
                            dim1=wrap_dim("transpose_", dim1, n))


# -- fill_diagonal_ --------------------------------------------------------------------------
def fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Write ``fill_value`` on the main diagonal (all indices equal); for a tall matrix,
    ``wrap=True`` restarts the diagonal every ``ncols + 1`` rows, as NumPy and PyTorch do."""
    shape = tuple(self.shape)
    if len(shape) < 2:
        raise ShapeError("dimensions must larger than 1")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise ShapeError(f"all dimensions of input must be of equal length (got {list(shape)})")
    mask = np.zeros(shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return inplace(self, masked_fill, tensor(mask, device=self.device), fill_value)


# -- random fills ----------------------------------------------------------------------------
def _floating(name: str, self: Tensor) -> None:
    if not self.dtype.is_floating_point:
        raise DTypeError(f"{name} is a continuous probability distribution. dtype must be a "
                         f"floating point but you specified {self.dtype.name}")


def _prepare(self: Tensor) -> tuple:
    check_inplace_allowed(self, is_grad_enabled() and self._requires_grad)
    return tuple(self.shape)


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of the exponential distribution of rate ``lambd``."""
    _floating("Exponential distribution", self)
    if not lambd > 0:
        raise GraphcRuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _random_fill(self, _rng(generator).exponential(1.0 / lambd, _prepare(self)))


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with ``exp(N(mean, std**2))`` samples."""
    _floating("Log-normal distribution", self)
    if not std > 0:
        raise GraphcRuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _random_fill(self, _rng(generator).lognormal(mean, std, _prepare(self)))


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples of the Cauchy distribution centred at ``median``, scale ``sigma``."""
    _floating("Cauchy distribution", self)
    if not sigma > 0:
        raise GraphcRuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    return _random_fill(self, median + sigma * _rng(generator).standard_cauchy(_prepare(self)))


def geometric_(self: Tensor, p: float, *, generator=None) -> Tensor:
    """Fill with the number of Bernoulli(``p``) trials up to the first success (1, 2, …)."""
    if not 0 < p < 1:
        raise GraphcRuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _random_fill(self, _rng(generator).geometric(p, _prepare(self)))


__all__: list = []  # methods only (Tensor.squeeze_ …); nothing joins the graphc namespace
