"""Tensor methods that forward to the op functions in ``graphc.ops``.

``Tensor`` inherits them, so ``x.sum(1)`` and ``graphc.sum(x, 1)`` run the same code; the op's
shape rule, kernel and gradient live in its family module under ``graphc/ops/``. Kept apart from
``tensor.py`` (the data, autograd state, conversions and operators) because the list is long.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from graphc import dtypes as _dt
from graphc.errors import ShapeError
from graphc.tensor_methods_extra import ExtraTensorMethods
from graphc.tensor_methods_extra import bind_ops as _bind_extra

if TYPE_CHECKING:
    from graphc.tensor import Tensor


def _matrix_transpose(t) -> Tensor:
    """The last two dims swapped; a 0-d tensor comes back as a view of itself (PyTorch allows
    ``mT``/``H`` there, deprecated)."""
    return _F.transpose(t, 0, 0) if t.ndim == 0 else _F.transpose(t, -2, -1)


class TensorMethods(ExtraTensorMethods):
    """Mixin of PyTorch's Tensor methods; every one is a thin call into ``graphc.ops``."""

    __slots__ = ()

    # -- methods (each forwards to the op's function in graphc.ops) -------------------------
    def add(self, other, *, alpha=1):
        return _F.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return _F.sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other):
        return _F.mul(self, other)

    multiply = mul

    def div(self, other, *, rounding_mode=None):
        return _F.div(self, other, rounding_mode=rounding_mode)

    divide = true_divide = div

    def floor_divide(self, other):
        return _F.floor_divide(self, other)

    def remainder(self, other):
        return _F.remainder(self, other)

    def fmod(self, other):
        return _F.fmod(self, other)

    def pow(self, exponent):
        return _F.pow(self, exponent)

    def neg(self):
        return _F.neg(self)

    negative = neg

    def abs(self):
        return _F.abs(self)

    absolute = abs

    def sign(self):
        return _F.sign(self)

    def exp(self):
        return _F.exp(self)

    def expm1(self):
        return _F.expm1(self)

    def log(self):
        return _F.log(self)

    def log1p(self):
        return _F.log1p(self)

    def log2(self):
        return _F.log2(self)

    def log10(self):
        return _F.log10(self)

    def sqrt(self):
        return _F.sqrt(self)

    def rsqrt(self):
        return _F.rsqrt(self)

    def square(self):
        return _F.square(self)

    def sin(self):
        return _F.sin(self)

    def cos(self):
        return _F.cos(self)

    def tan(self):
        return _F.tan(self)

    def tanh(self):
        return _F.tanh(self)

    def sigmoid(self):
        return _F.sigmoid(self)

    def relu(self):
        return _F.relu(self)

    def erf(self):
        return _F.erf(self)

    def reciprocal(self):
        return _F.reciprocal(self)

    def floor(self):
        return _F.floor(self)

    def ceil(self):
        return _F.ceil(self)

    def round(self, decimals: int = 0):
        return _F.round(self, decimals=decimals)

    def trunc(self):
        return _F.trunc(self)

    def clamp(self, min=None, max=None):
        return _F.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min):
        return _F.clamp(self, min, None)

    def clamp_max(self, max):
        return _F.clamp(self, None, max)

    def maximum(self, other):
        return _F.maximum(self, other)

    def minimum(self, other):
        return _F.minimum(self, other)

    def where(self, condition, other):
        return _F.where(condition, self, other)

    def lerp(self, end, weight):
        return _F.lerp(self, end, weight)

    def eq(self, other):
        return _F.eq(self, other)

    def ne(self, other):
        return _F.ne(self, other)

    def lt(self, other):
        return _F.lt(self, other)

    def le(self, other):
        return _F.le(self, other)

    def gt(self, other):
        return _F.gt(self, other)

    def ge(self, other):
        return _F.ge(self, other)

    def logical_not(self):
        return _F.logical_not(self)

    def logical_and(self, other):
        return _F.logical_and(self, other)

    def logical_or(self, other):
        return _F.logical_or(self, other)

    def isnan(self):
        return _F.isnan(self)

    def isinf(self):
        return _F.isinf(self)

    def isfinite(self):
        return _F.isfinite(self)

    def equal(self, other) -> bool:
        return _F.equal(self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        return _F.allclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _F.isclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)

    # reductions
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return _F.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return _F.mean(self, dim, keepdim, dtype=dtype)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return _F.prod(self, dim, keepdim, dtype=dtype)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _F.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _F.std(self, dim, unbiased, keepdim, correction=correction)

    def norm(self, p="fro", dim=None, keepdim=False):
        return _F.norm(self, p, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        return _F.logsumexp(self, dim, keepdim)

    def cumsum(self, dim, *, dtype=None):
        return _F.cumsum(self, dim, dtype=dtype)

    def max(self, dim=None, keepdim=False):
        return _F.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _F.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return _F.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return _F.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _F.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _F.argmin(self, dim, keepdim)

    def all(self, dim=None, keepdim=False):
        return _F.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return _F.any(self, dim, keepdim)

    def softmax(self, dim):
        return _F.softmax(self, dim)

    def log_softmax(self, dim):
        return _F.log_softmax(self, dim)

    # shape and views
    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
            raise _type_error("view(dtype) is not supported by graphc")
        return _F.view(self, shape)

    def view_as(self, other):
        return _F.view(self, other.shape)

    def reshape(self, *shape):
        return _F.reshape(self, shape)

    def reshape_as(self, other):
        return _F.reshape(self, other.shape)

    def transpose(self, dim0, dim1):
        return _F.transpose(self, dim0, dim1)

    swapaxes = swapdims = transpose

    def t(self):
        return _F.t(self)

    def permute(self, *dims):
        return _F.permute(self, dims)

    def contiguous(self, memory_format=None):
        return _F.contiguous(self)

    def squeeze(self, dim=None):
        return _F.squeeze(self, dim)

    def unsqueeze(self, dim):
        return _F.unsqueeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return _F.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return _F.unflatten(self, dim, sizes)

    def expand(self, *sizes):
        return _F.expand(self, sizes)

    def expand_as(self, other):
        return _F.expand(self, other.shape)

    def broadcast_to(self, shape):
        return _F.expand(self, shape)

    def repeat(self, *sizes):
        return _F.repeat(self, sizes)

    def flip(self, *dims):
        return _F.flip(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int)
                       else dims)

    def tile(self, *dims):
        return _F.tile(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int)
                       else dims)

    def roll(self, shifts, dims=None):
        return _F.roll(self, shifts, dims)

    def ravel(self):
        return _F.ravel(self)

    def select(self, dim, index):
        return _F.select(self, dim, index)

    def moveaxis(self, source, destination):
        return _F.movedim(self, source, destination)

    def take_along_dim(self, indices, dim=None):
        return _F.take_along_dim(self, indices, dim)

    def index_add(self, dim, index, source, *, alpha=1):
        return _F.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim, index, source, *, alpha=1):
        return _F.inplace(self, _F.index_add, dim, index, source, alpha=alpha)

    def index_put(self, indices, values, accumulate=False):
        return _F.index_put(self, indices, values, accumulate)

    def index_put_(self, indices, values, accumulate=False):
        return _F.index_put_(self, indices, values, accumulate)

    def argwhere(self):
        return _F.argwhere(self)

    def msort(self):
        return _F.msort(self)

    def scatter_(self, dim, index, src=None, value=None):
        return _F.inplace(self, _F.scatter, dim, index, src if src is not None else value)

    def var_mean(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _F.var_mean(self, dim, unbiased, keepdim, correction=correction)

    def narrow(self, dim, start, length):
        return _F.narrow(self, dim, start, length)

    def unbind(self, dim=0):
        return _F.unbind(self, dim)

    def split(self, split_size, dim=0):
        return _F.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return _F.chunk(self, chunks, dim)

    def movedim(self, source, destination):
        return _F.movedim(self, source, destination)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return _F.diagonal(self, offset, dim1, dim2)

    def clone(self, *, memory_format=None):
        return _F.clone(self)

    # indexing
    def gather(self, dim, index):
        return _F.gather(self, dim, index)

    def scatter_add(self, dim, index, src):
        return _F.scatter_add(self, dim, index, src)

    def scatter(self, dim, index, src=None, value=None):
        return _F.scatter(self, dim, index, src if src is not None else value)

    def index_select(self, dim, index):
        return _F.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        return _F.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return _F.masked_select(self, mask)

    def nonzero(self, *, as_tuple=False):
        return _F.nonzero(self, as_tuple=as_tuple)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return _F.topk(self, k, dim, largest, sorted)

    def sort(self, dim=-1, descending=False):
        return _F.sort(self, dim, descending)

    def argsort(self, dim=-1, descending=False):
        return _F.argsort(self, dim, descending)

    # linear algebra
    def matmul(self, other):
        return _F.matmul(self, other)

    def mm(self, mat2):
        return _F.mm(self, mat2)

    def bmm(self, mat2):
        return _F.bmm(self, mat2)

    def mv(self, vec):
        return _F.mv(self, vec)

    def dot(self, other):
        return _F.dot(self, other)

    def outer(self, other):
        return _F.outer(self, other)

    ger = outer

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return _F.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    # new tensors
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        return _F.tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                         requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        return _F.zeros(*size, dtype=dtype or self.dtype, device=device or self.device,
                        requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        return _F.ones(*size, dtype=dtype or self.dtype, device=device or self.device,
                       requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        return _F.full(size, fill_value, dtype=dtype or self.dtype,
                       device=device or self.device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return _F.empty(*size, dtype=dtype or self.dtype, device=device or self.device,
                        requires_grad=requires_grad)

    # in-place ops: compute out of place, write back, bump the version, rebase history
    def add_(self, other, *, alpha=1):
        return _F.inplace(self, _F.add, other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        return _F.inplace(self, _F.sub, other, alpha=alpha)

    def mul_(self, other):
        return _F.inplace(self, _F.mul, other)

    def div_(self, other, *, rounding_mode=None):
        return _F.inplace(self, _F.div, other, rounding_mode=rounding_mode)

    def pow_(self, exponent):
        return _F.inplace(self, _F.pow, exponent)

    def clamp_(self, min=None, max=None):
        return _F.inplace(self, _F.clamp, min, max)

    clip_ = clamp_

    def neg_(self):
        return _F.inplace(self, _F.neg)

    def exp_(self):
        return _F.inplace(self, _F.exp)

    def sqrt_(self):
        return _F.inplace(self, _F.sqrt)

    def relu_(self):
        return _F.inplace(self, _F.relu)

    def sigmoid_(self):
        return _F.inplace(self, _F.sigmoid)

    def tanh_(self):
        return _F.inplace(self, _F.tanh)

    def abs_(self):
        return _F.inplace(self, _F.abs)

    def lerp_(self, end, weight):
        return _F.inplace(self, _F.lerp, end, weight)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return _F.inplace(self, _F.addcmul, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return _F.inplace(self, _F.addcdiv, tensor1, tensor2, value=value)

    def masked_fill_(self, mask, value):
        return _F.inplace(self, _F.masked_fill, mask, value)

    def scatter_add_(self, dim, index, src):
        return _F.inplace(self, _F.scatter_add, dim, index, src)

    def zero_(self):
        return _F.fill_(self, 0)

    def fill_(self, value):
        return _F.fill_(self, value)

    def copy_(self, src, non_blocking=False):
        return _F.copy_(self, src)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        return _F.uniform_(self, a, b, generator=generator)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return _F.normal_(self, mean, std, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        return _F.bernoulli_(self, p, generator=generator)

    def random_(self, low=0, high=None, *, generator=None):
        return _F.random_(self, low, high, generator=generator)

    # more elementwise math (graphc/ops/pointwise.py)
    def asin(self):
        return _F.asin(self)

    arcsin = asin

    def acos(self):
        return _F.acos(self)

    arccos = acos

    def atan(self):
        return _F.atan(self)

    arctan = atan

    def sinh(self):
        return _F.sinh(self)

    def cosh(self):
        return _F.cosh(self)

    def asinh(self):
        return _F.asinh(self)

    arcsinh = asinh

    def acosh(self):
        return _F.acosh(self)

    arccosh = acosh

    def atanh(self):
        return _F.atanh(self)

    arctanh = atanh

    def exp2(self):
        return _F.exp2(self)

    def frac(self):
        return _F.frac(self)

    def sinc(self):
        return _F.sinc(self)

    def deg2rad(self):
        return _F.deg2rad(self)

    def rad2deg(self):
        return _F.rad2deg(self)

    def atan2(self, other):
        return _F.atan2(self, other)

    arctan2 = atan2

    def hypot(self, other):
        return _F.hypot(self, other)

    def logaddexp(self, other):
        return _F.logaddexp(self, other)

    def xlogy(self, other):
        return _F.xlogy(self, other)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return _F.nan_to_num(self, nan, posinf, neginf)

    # their in-place forms, and those of older unary ops
    def asin_(self):
        return _F.inplace(self, _F.asin)

    arcsin_ = asin_

    def acos_(self):
        return _F.inplace(self, _F.acos)

    arccos_ = acos_

    def atan_(self):
        return _F.inplace(self, _F.atan)

    arctan_ = atan_

    def sinh_(self):
        return _F.inplace(self, _F.sinh)

    def cosh_(self):
        return _F.inplace(self, _F.cosh)

    def asinh_(self):
        return _F.inplace(self, _F.asinh)

    arcsinh_ = asinh_

    def acosh_(self):
        return _F.inplace(self, _F.acosh)

    arccosh_ = acosh_

    def atanh_(self):
        return _F.inplace(self, _F.atanh)

    arctanh_ = atanh_

    def exp2_(self):
        return _F.inplace(self, _F.exp2)

    def frac_(self):
        return _F.inplace(self, _F.frac)

    def sinc_(self):
        return _F.inplace(self, _F.sinc)

    def deg2rad_(self):
        return _F.inplace(self, _F.deg2rad)

    def rad2deg_(self):
        return _F.inplace(self, _F.rad2deg)

    def atan2_(self, other):
        return _F.inplace(self, _F.atan2, other)

    arctan2_ = atan2_

    def hypot_(self, other):
        return _F.inplace(self, _F.hypot, other)

    def xlogy_(self, other):
        return _F.inplace(self, _F.xlogy, other)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return _F.inplace(self, _F.nan_to_num, nan, posinf, neginf)

    def floor_(self):
        return _F.inplace(self, _F.floor)

    def ceil_(self):
        return _F.inplace(self, _F.ceil)

    def round_(self, decimals: int = 0):
        return _F.inplace(self, _F.round, decimals=decimals)

    def trunc_(self):
        return _F.inplace(self, _F.trunc)

    fix_ = trunc_

    def log_(self):
        return _F.inplace(self, _F.log)

    def log1p_(self):
        return _F.inplace(self, _F.log1p)

    def log2_(self):
        return _F.inplace(self, _F.log2)

    def log10_(self):
        return _F.inplace(self, _F.log10)

    def expm1_(self):
        return _F.inplace(self, _F.expm1)

    def sin_(self):
        return _F.inplace(self, _F.sin)

    def cos_(self):
        return _F.inplace(self, _F.cos)

    def tan_(self):
        return _F.inplace(self, _F.tan)

    def rsqrt_(self):
        return _F.inplace(self, _F.rsqrt)

    def reciprocal_(self):
        return _F.inplace(self, _F.reciprocal)

    def sign_(self):
        return _F.inplace(self, _F.sign)

    def clamp_min_(self, min):
        return _F.inplace(self, _F.clamp_min, min)

    def clamp_max_(self, max):
        return _F.inplace(self, _F.clamp_max, max)

    # matrix structure and rearranging (graphc/ops/matrix.py, rearrange.py)
    def tril(self, diagonal=0):
        return _F.tril(self, diagonal)

    def triu(self, diagonal=0):
        return _F.triu(self, diagonal)

    def tril_(self, diagonal=0):
        return _F.inplace(self, _F.tril, diagonal)

    def triu_(self, diagonal=0):
        return _F.inplace(self, _F.triu, diagonal)

    def diag(self, diagonal=0):
        return _F.diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return _F.diag_embed(self, offset, dim1, dim2)

    def trace(self):
        return _F.matrix.trace(self)

    def kron(self, other):
        return _F.kron(self, other)

    def cross(self, other, dim=None):
        return _F.cross(self, other, dim)

    def take(self, index):
        return _F.take(self, index)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        return _F.diff(self, n, dim, prepend, append)

    def rot90(self, k=1, dims=(0, 1)):
        return _F.rot90(self, k, dims)

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        return _F.repeat_interleave(self, repeats, dim, output_size=output_size)

    def sum_to_size(self, *size):
        return _F.rearrange.sum_to_size(self, *size)

    def type_as(self, other):
        return _F.to_copy(self, dtype=other.dtype, device=other.device)

    @property
    def H(self) -> Tensor:
        """Conjugate transpose of a matrix (the transpose: graphc has no complex dtypes)."""
        if self.ndim not in (0, 2):
            raise ShapeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                             f"{self.ndim}-D tensor.")
        return _matrix_transpose(self)

    @property
    def mT(self) -> Tensor:
        if self.ndim == 1:
            raise ShapeError("tensor.mT is only supported on matrices or batches of matrices. "
                             "Got 1-D tensor.")
        return _matrix_transpose(self)

    @property
    def mH(self) -> Tensor:
        if self.ndim == 1:
            raise ShapeError("tensor.mH is only supported on matrices or batches of matrices. "
                             "Got 1-D tensor.")
        return _matrix_transpose(self)

    def adjoint(self):
        return self.mH

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.numel() * self.dtype.itemsize

    # order statistics and scans (graphc/ops/order.py, sorting.py)
    def cumprod(self, dim, *, dtype=None):
        return _F.cumprod(self, dim, dtype=dtype)

    def cumprod_(self, dim, *, dtype=None):
        return _F.inplace(self, _F.cumprod, dim, dtype=dtype)

    def count_nonzero(self, dim=None):
        return _F.count_nonzero(self, dim)

    def median(self, dim=None, keepdim=False):
        return _F.median(self, dim, keepdim)

    def nanmedian(self, dim=None, keepdim=False):
        return _F.nanmedian(self, dim, keepdim)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return _F.kthvalue(self, k, dim, keepdim)

    def mode(self, dim=-1, keepdim=False):
        return _F.mode(self, dim, keepdim)

    def cummax(self, dim):
        return _F.cummax(self, dim)

    def cummin(self, dim):
        return _F.cummin(self, dim)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return _F.unique(self, sorted, return_inverse, return_counts, dim)

    # in-place shape changes, fill_diagonal_, random fills (graphc/ops/inplace_extra.py)
    def squeeze_(self, dim=None):
        return _F.inplace_extra.squeeze_(self, dim)

    def unsqueeze_(self, dim):
        return _F.inplace_extra.unsqueeze_(self, dim)

    def t_(self):
        return _F.inplace_extra.t_(self)

    def transpose_(self, dim0, dim1):
        return _F.inplace_extra.transpose_(self, dim0, dim1)

    swapaxes_ = swapdims_ = transpose_

    def fill_diagonal_(self, fill_value, wrap=False):
        return _F.inplace_extra.fill_diagonal_(self, fill_value, wrap)

    def exponential_(self, lambd=1.0, *, generator=None):
        return _F.inplace_extra.exponential_(self, lambd, generator=generator)

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        return _F.inplace_extra.log_normal_(self, mean, std, generator=generator)

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        return _F.inplace_extra.cauchy_(self, median, sigma, generator=generator)

    def geometric_(self, p, *, generator=None):
        return _F.inplace_extra.geometric_(self, p, generator=generator)


def _type_error(msg: str) -> TypeError:
    from graphc.errors import ArgumentError
    return ArgumentError(msg)


_F = None  # graphc.ops, bound by graphc/tensor.py once both modules exist (they import each other)


def bind_ops(ops_module) -> None:
    global _F
    _F = ops_module
    _bind_extra(ops_module)
