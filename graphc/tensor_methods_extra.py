"""More of PyTorch's Tensor methods: those of the families added after ``tensor_methods.py``
(special functions, floating-point manipulation, integer ops, products, statistics, strided
views, index writes, decompositions) and the remaining operators (``<<``, ``>>``, in-place
``&=`` …).

A mixin of ``TensorMethods``, kept in its own module so the families can grow without
touching the shared list. Every method forwards to the op's function in ``graphc.ops``;
in-place forms go through ``inplace()`` (compute out of place, write back, bump the version).
"""
from __future__ import annotations


class ExtraTensorMethods:
    """Thin forwarders into ``graphc.ops`` (bound by ``tensor_methods.bind_ops``)."""

    __slots__ = ()

    # -- elementwise math (graphc/ops/special.py, floating.py, elementwise.py) ---------------
    def addcmul(self, tensor1, tensor2, *, value=1):
        return _F.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return _F.addcdiv(self, tensor1, tensor2, value=value)

    def float_power(self, exponent):
        return _F.float_power(self, exponent)

    def float_power_(self, exponent):
        return _F.floating.float_power_(self, exponent)

    def copysign(self, other):
        return _F.copysign(self, other)

    def fmax(self, other):
        return _F.fmax(self, other)

    def fmin(self, other):
        return _F.fmin(self, other)

    def heaviside(self, values):
        return _F.heaviside(self, values)

    def logaddexp2(self, other):
        return _F.logaddexp2(self, other)

    def logit(self, eps=None):
        return _F.logit(self, eps)

    def erfc(self):
        return _F.erfc(self)

    def erfinv(self):
        return _F.erfinv(self)

    def lgamma(self):
        return _F.lgamma(self)

    def digamma(self):
        return _F.digamma(self)

    def polygamma(self, n):
        return _F.polygamma(n, self)

    def polygamma_(self, n):
        return _F.inplace(self, lambda x: _F.polygamma(n, x))

    def i0(self):
        return _F.i0(self)

    def nextafter(self, other):
        return _F.nextafter(self, other)

    def ldexp(self, other):
        return _F.ldexp(self, other)

    def frexp(self):
        return _F.frexp(self)

    def signbit(self):
        return _F.signbit(self)

    def sgn(self):
        return _F.sgn(self)

    def positive(self):
        return _F.positive(self)

    def fix(self):
        return _F.trunc(self)

    def isposinf(self):
        return _F.isposinf(self)

    def isneginf(self):
        return _F.isneginf(self)

    def isreal(self):
        return _F.isreal(self)

    # -- integer and logical ops (graphc/ops/bitwise.py, elementwise.py) ---------------------
    def bitwise_and(self, other):
        return _F.bitwise_and(self, other)

    def bitwise_or(self, other):
        return _F.bitwise_or(self, other)

    def bitwise_xor(self, other):
        return _F.bitwise_xor(self, other)

    def bitwise_not(self):
        return _F.bitwise_not(self)

    def bitwise_left_shift(self, other):
        return _F.bitwise_left_shift(self, other)

    def bitwise_right_shift(self, other):
        return _F.bitwise_right_shift(self, other)

    def logical_xor(self, other):
        return _F.logical_xor(self, other)

    def gcd(self, other):
        return _F.gcd(self, other)

    def lcm(self, other):
        return _F.lcm(self, other)

    def __lshift__(self, other):
        return _F.bitwise_left_shift(self, other)

    def __rlshift__(self, other):
        return _F.bitwise_left_shift(other, self)

    def __rshift__(self, other):
        return _F.bitwise_right_shift(self, other)

    def __rrshift__(self, other):
        return _F.bitwise_right_shift(other, self)

    def __ilshift__(self, other):
        return _F.inplace(self, _F.bitwise_left_shift, other)

    def __irshift__(self, other):
        return _F.inplace(self, _F.bitwise_right_shift, other)

    def __iand__(self, other):
        return _F.inplace(self, _F.bitwise_and, other)

    def __ior__(self, other):
        return _F.inplace(self, _F.bitwise_or, other)

    def __ixor__(self, other):
        return _F.inplace(self, _F.bitwise_xor, other)

    # -- fused products (graphc/ops/products.py) ----------------------------------------------
    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return _F.addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        return _F.addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _F.baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _F.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def inner(self, other):
        return _F.inner(self, other)

    def vdot(self, other):
        return _F.vdot(self, other)

    # -- statistics, scans, counting (graphc/ops/statistics.py) ------------------------------
    def aminmax(self, *, dim=None, keepdim=False):
        return _F.aminmax(self, dim=dim, keepdim=keepdim)

    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        return _F.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        return _F.nanmean(self, dim, keepdim, dtype=dtype)

    def logcumsumexp(self, dim):
        return _F.logcumsumexp(self, dim)

    def cov(self, *, correction=1, fweights=None, aweights=None):
        return _F.cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        return _F.corrcoef(self)

    def histc(self, bins=100, min=0, max=0):
        return _F.histc(self, bins, min, max)

    def bincount(self, weights=None, minlength=0):
        return _F.bincount(self, weights, minlength)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return _F.unique_consecutive(self, return_inverse, return_counts, dim)

    def dist(self, other, p=2):
        return _F.dist(self, other, p)

    def renorm(self, p, dim, maxnorm):
        return _F.renorm(self, p, dim, maxnorm)

    # -- strided views and splits (graphc/ops/strided.py) ------------------------------------
    def unfold(self, dimension, size, step):
        return _F.strided.unfold(self, dimension, size, step)

    def as_strided(self, size, stride, storage_offset=None):
        return _F.as_strided(self, size, stride, storage_offset)

    def as_strided_(self, size, stride, storage_offset=None):
        return _F.as_strided_(self, size, stride, storage_offset)

    def storage_offset(self):
        return _F.strided.storage_offset(self)

    def tensor_split(self, indices_or_sections, dim=0):
        return _F.tensor_split(self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections):
        return _F.hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections):
        return _F.vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections):
        return _F.dsplit(self, indices_or_sections)

    def fliplr(self):
        return _F.fliplr(self)

    def flipud(self):
        return _F.flipud(self)

    # -- writes into a copy (graphc/ops/index_write.py) --------------------------------------
    def index_fill(self, dim, index, value):
        return _F.index_fill(self, dim, index, value)

    def index_copy(self, dim, index, source):
        return _F.index_copy(self, dim, index, source)

    def masked_scatter(self, mask, source):
        return _F.masked_scatter(self, mask, source)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return _F.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return _F.inplace(self, _F.scatter_reduce, dim, index, src, reduce,
                          include_self=include_self)

    def diagflat(self, offset=0):
        return _F.diagflat(self, offset)

    def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
        return _F.diagonal_scatter(self, src, offset, dim1, dim2)

    def select_scatter(self, src, dim, index):
        return _F.select_scatter(self, src, dim, index)

    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        return _F.slice_scatter(self, src, dim, start, end, step)

    def put(self, index, source, accumulate=False):
        return _F.put(self, index, source, accumulate)

    def narrow_copy(self, dim, start, length):
        return _F.narrow_copy(self, dim, start, length)

    # -- matrix functions and decompositions (graphc/ops/decomp.py) --------------------------
    def det(self):
        return _F.det(self)

    def slogdet(self):
        return _F.slogdet(self)

    def logdet(self):
        return _F.logdet(self)

    def inverse(self):
        return _F.inverse(self)

    def cholesky(self, upper=False):
        return _F.cholesky(self, upper)

    def qr(self, some=True):
        return _F.qr(self, some)

    def svd(self, some=True, compute_uv=True):
        return _F.svd(self, some, compute_uv)

    def pinverse(self, rcond=1e-15):
        return _F.pinverse(self, rcond)

    def matrix_power(self, n):
        return _F.matrix_power(self, n)

    def matrix_exp(self):
        return _F.matrix_exp(self)

    # -- predicates, legacy constructor, resizing (graphc/ops/tensor_info.py) ----------------
    def is_nonzero(self):
        return _F.is_nonzero(self)

    def is_same_size(self, other):
        return _F.is_same_size(self, other)

    def is_signed(self):
        return _F.is_signed(self)

    def is_inference(self):
        return _F.is_inference(self)

    def get_device(self):
        return _F.get_device(self)

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    def new(self, *args, dtype=None, device=None):
        """Legacy constructor: ``x.new(2, 3)`` (or a Size) is uninitialized, ``x.new(data)``
        copies ``data``; both in ``x``'s dtype and on its device unless given."""
        from graphc.size import Size
        dtype = dtype or self.dtype
        device = device if device is not None else self.device
        if len(args) == 1 and not isinstance(args[0], (int, Size)):
            return _F.tensor(args[0], dtype=dtype, device=device)
        return _F.empty(*(args or (0,)), dtype=dtype, device=device)

    def resize_(self, *sizes, memory_format=None):
        return _F.tensor_info.resize_(self, *sizes)

    def resize_as_(self, the_template, *, memory_format=None):
        return _F.resize_as_(self, the_template)


def _inplace_method(fn_name: str):
    """``x.<fn_name>_(*args)``: the op's result written back into ``x``."""
    def method(self, *args, **kwargs):
        return _F.inplace(self, getattr(_F, fn_name), *args, **kwargs)
    method.__name__ = method.__qualname__ = fn_name + "_"
    return method


def _method(fn_name: str):
    def method(self, *args, **kwargs):
        return getattr(_F, fn_name)(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = fn_name
    return method


# Aliases whose out-of-place forms forward by name, and every in-place form that is only
# "compute, then write back" (the comparisons store 0/1 in the tensor's own dtype).
_ALIASES = ("greater", "greater_equal", "less", "less_equal", "not_equal")
_INPLACE = (
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
    "gcd", "lcm", "copysign", "heaviside", "erfc", "erfinv", "lgamma", "digamma", "i0",
    "nextafter", "ldexp", "sgn", "logit", "addmv", "addr", "baddbmm", "addbmm", "renorm",
    "index_fill", "index_copy", "masked_scatter", "put")
for _name in _ALIASES:
    setattr(ExtraTensorMethods, _name, _method(_name))
for _name in _INPLACE:
    setattr(ExtraTensorMethods, _name + "_", _inplace_method(_name))
del _name

_F = None  # graphc.ops, bound by tensor_methods.bind_ops


def bind_ops(ops_module) -> None:
    global _F
    _F = ops_module
