"""``graphc.Tensor``: a backend array (or, under tracing, a symbolic IR value) plus autograd state.

Methods are thin: each forwards to the op's public function in ``graphc.ops``, where the op's
shape rule, kernel and gradient live together. Views share storage with their base and a version
counter (``_vbox``, a one-element list) that in-place ops bump and saved tensors check.
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.device import CPU, as_device, device_of_array
from graphc.errors import AutogradError, DTypeError, ShapeError
from graphc.size import Size

_from_np = _dt._FROM_NP


class Tensor:
    """A multi-dimensional array with PyTorch's semantics (see the README's tour)."""

    __slots__ = ("_data", "_device", "_vbox", "_base", "_requires_grad", "grad_fn",
                 "_output_nr", "grad", "_accumulator", "_retains_grad", "__weakref__")
    __array_priority__ = 1000  # numpy scalars defer to our reflected operators

    # -- construction -----------------------------------------------------------------------
    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, dtype=None, device=None, requires_grad: bool = False) -> None:
        """Legacy constructor: ``Tensor([1, 2])`` copies data as float32, ``Tensor(2, 3)``
        makes an uninitialized 2x3 tensor, ``Tensor()`` an empty one."""
        from graphc.ops import creation
        if len(args) == 1 and not isinstance(args[0], int):
            t = creation.tensor(args[0], dtype=dtype or _dt.get_default_dtype(), device=device)
        else:
            t = creation.empty(*args, dtype=dtype, device=device) if args else \
                creation.empty(0, dtype=dtype, device=device)
        self._init_from(t._data, t._device)
        if requires_grad:
            self.requires_grad_(True)

    def _init_from(self, data, device) -> None:
        self._data = data
        self._device = device
        self._vbox = [0]
        self._base = None
        self._requires_grad = False
        self.grad_fn = None
        self._output_nr = 0
        self.grad = None
        self._accumulator = None
        self._retains_grad = False

    @classmethod
    def _wrap(cls, data, device=CPU) -> "Tensor":
        """Internal fast constructor around an existing array (no copy)."""
        t = object.__new__(cls)
        t._data = data
        t._device = device
        t._vbox = [0]
        t._base = None
        t._requires_grad = False
        t.grad_fn = None
        t._output_nr = 0
        t.grad = None
        t._accumulator = None
        t._retains_grad = False
        return t

    # -- metadata ---------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        from graphc.ops.shapes import wrap_dim
        return self._data.shape[wrap_dim("size", dim, self._data.ndim)]

    @property
    def dtype(self) -> _dt.dtype:
        return _from_np[self._data.dtype]

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self.dtype.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous) if hasattr(self._data, "flags") else True

    def stride(self, dim: int | None = None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[dim]

    def data_ptr(self) -> int:
        return int(self._data.__array_interface__["data"][0]) if self._device.type == "cpu" \
            else int(self._data.data.ptr)

    @property
    def _version(self) -> int:
        return self._vbox[0]

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self.grad_fn is not None:
            if not requires_grad:
                raise AutogradError("you can only change requires_grad flags of leaf variables. "
                                    "If you want to use a computed variable in a subgraph that "
                                    "doesn't require differentiation use var_no_grad = var.detach().")
            return self
        if requires_grad and self._data.dtype.kind != "f":
            raise DTypeError(f"only Tensors of floating point dtype can require gradients "
                             f"(got {self.dtype})")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def T(self) -> "Tensor":
        return _F.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        return _F.transpose(self, -2, -1)

    @property
    def data(self) -> "Tensor":
        """A detached alias: same storage, own version counter, invisible to autograd."""
        t = Tensor._wrap(self._data, self._device)
        return t

    @data.setter
    def data(self, other: "Tensor") -> None:
        self._data = other._data
        self._device = other._device

    @property
    def _base_tensor(self):
        return self._base

    # -- conversion -------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise ShapeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                             f"Scalar")
        return self._data.reshape(()).item() if self._device.type == "cpu" else \
            self._data.reshape(()).get().item()

    def tolist(self):
        return _F.to_host(self).tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array (shared memory), as PyTorch's ``numpy()``."""
        if self._device.type != "cpu":
            if not force:
                raise _type_error("can't convert cuda tensor to numpy. Use Tensor.cpu() to copy "
                                  "the tensor to host memory first.")
            return _F.to_host(self)
        if self._requires_grad and not force:
            raise AutogradError("Can't call numpy() on Tensor that requires grad. Use "
                                "tensor.detach().numpy() instead.")
        return _F.to_host(self)

    def __array__(self, dtype=None, copy=None):
        arr = _F.to_host(self)
        return arr if dtype is None else arr.astype(dtype)

    def __dlpack__(self, *args, **kwargs):
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def to(self, *args, **kwargs) -> "Tensor":
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other)``; copies only if needed."""
        device, dtype = kwargs.get("device"), kwargs.get("dtype")
        copy = kwargs.get("copy", False)
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, _dt.dtype) or a in (float, int, bool):
                dtype = a
            elif a is not None:
                device = a
        return _F.to_copy(self, dtype=dtype, device=device, copy=copy)

    def type(self, dtype=None):
        if dtype is None:
            return f"graphc.{_LEGACY_NAMES[self.dtype.name]}"
        return self.to(dtype)

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def half(self):
        return self.to(_dt.float16)

    def long(self):
        return self.to(_dt.int64)

    def int(self):
        return self.to(_dt.int32)

    def short(self):
        return self.to(_dt.int16)

    def char(self):
        return self.to(_dt.int8)

    def byte(self):
        return self.to(_dt.uint8)

    def bool(self):
        return self.to(_dt.bool_)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to(as_device("cuda" if device is None else device))

    # -- autograd ---------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
                 inputs=None) -> None:
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """Same storage and version counter, no history."""
        t = Tensor._wrap(self._data, self._device)
        t._vbox = self._vbox
        return t

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise AutogradError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        import weakref
        ref = weakref.ref(self)

        def store(g):
            t = ref()
            if t is not None:
                t.grad = g.detach().clone() if t.grad is None else t.grad + g.detach()
        self.grad_fn._tensor_hook(self._output_nr, store)
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        """``hook(grad) -> Tensor | None`` runs when this tensor's gradient is computed."""
        if not self._requires_grad:
            raise AutogradError("cannot register a hook on a tensor that doesn't require gradient")
        node = self.grad_fn if self.grad_fn is not None else self._get_accumulator()
        return node._tensor_hook(self._output_nr, hook)

    def _get_accumulator(self):
        acc = self._accumulator
        if acc is None:
            from graphc.autograd.node import AccumulateGrad
            acc = self._accumulator = AccumulateGrad(self)
        return acc

    # -- printing ---------------------------------------------------------------------------
    def __repr__(self, *, tensor_contents=None) -> str:
        from graphc._formatting import format_tensor
        if not hasattr(self._data, "strides"):  # a traced value: no data to show
            return f"tensor(<symbolic {self._data}>)"
        suffixes = []
        if self._device.type != "cpu":
            suffixes.append(f"device='{self._device}'")
        if self.dtype not in (_dt.float32, _dt.int64, _dt.bool_) or self._data.size == 0 and \
                self.dtype is not _dt.float32:
            suffixes.append(f"dtype={self.dtype!r}")
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        return format_tensor(_F.to_host(self), suffixes)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self)

    # -- Python protocol --------------------------------------------------------------------
    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise _type_error("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise _type_error("iteration over a 0-d tensor")
        return iter(_F.unbind(self, 0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ShapeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise _type_error("only integer tensors of a single element can be converted to "
                              "an index")
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __contains__(self, item) -> bool:
        return bool((self == item).any().item())

    def __reduce_ex__(self, proto):
        # Plain pickling works (for copy/multiprocessing); graphc.save is the safe file format.
        if not self.is_leaf:
            raise AutogradError("only leaf tensors (graph leaves) can be pickled")
        return (_rebuild_tensor, (_F.to_host(self).copy(), str(self._device),
                                  self._requires_grad, type(self)))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise AutogradError("Only Tensors created explicitly by the user (graph leaves) "
                                "support the deepcopy protocol at the moment.")
        t = type(self)._wrap(self._data.copy(), self._device) if type(self) is Tensor else \
            _F.clone_leaf(self)
        t._requires_grad = self._requires_grad
        if self.grad is not None:
            t.grad = self.grad.clone()
        memo[id(self)] = t
        return t

    # -- operators --------------------------------------------------------------------------
    def __add__(self, other):
        return _apply(_ADD, self, other)

    def __radd__(self, other):
        return _apply(_ADD, other, self)

    def __sub__(self, other):
        return _apply(_SUB, self, other)

    def __rsub__(self, other):
        return _apply(_SUB, other, self)

    def __mul__(self, other):
        return _apply(_MUL, self, other)

    def __rmul__(self, other):
        return _apply(_MUL, other, self)

    def __truediv__(self, other):
        return _apply(_DIV, self, other)

    def __rtruediv__(self, other):
        return _apply(_DIV, other, self)

    def __floordiv__(self, other):
        return _F.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _F.floor_divide(other, self)

    def __mod__(self, other):
        return _F.remainder(self, other)

    def __rmod__(self, other):
        return _F.remainder(other, self)

    def __pow__(self, other):
        return _F.pow(self, other)

    def __rpow__(self, other):
        return _F.pow(other, self)

    def __matmul__(self, other):
        return _F.matmul(self, other)

    def __rmatmul__(self, other):
        return _F.matmul(other, self)

    def __neg__(self):
        return _F.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _F.abs(self)

    def __invert__(self):
        return _F.bitwise_not(self)

    def __and__(self, other):
        return _F.bitwise_and(self, other)

    __rand__ = __and__

    def __or__(self, other):
        return _F.bitwise_or(self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return _F.bitwise_xor(self, other)

    __rxor__ = __xor__

    def __eq__(self, other):
        return _F.eq(self, other)

    def __ne__(self, other):
        return _F.ne(self, other)

    def __lt__(self, other):
        return _F.lt(self, other)

    def __le__(self, other):
        return _F.le(self, other)

    def __gt__(self, other):
        return _F.gt(self, other)

    def __ge__(self, other):
        return _F.ge(self, other)

    def __getitem__(self, index):
        return _F.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        _F.setitem(self, index, value)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

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
        if self.ndim != 2:
            raise ShapeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                             f"{self.ndim}-D tensor.")
        return _F.transpose(self, 0, 1)

    @property
    def mH(self) -> Tensor:
        if self.ndim < 2:
            raise ShapeError(f"tensor.mH is only supported on matrices or batches of matrices. "
                             f"Got {self.ndim}-D tensor.")
        return _F.transpose(self, -2, -1)

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


def _rebuild_tensor(array, device, requires_grad, cls=None):
    t = (cls or Tensor)._wrap(array)
    if device != "cpu":
        t = t.to(device)
    return t.requires_grad_(requires_grad) if requires_grad else t


def _type_error(msg: str) -> TypeError:
    from graphc.errors import ArgumentError
    return ArgumentError(msg)


_LEGACY_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                 "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
                 "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}

# The ops package imports this module; bind it once everything above exists.
from graphc import autograd as _autograd  # noqa: E402
from graphc import ops as _F  # noqa: E402
from graphc.ops.dispatch import apply as _apply  # noqa: E402
from graphc.ops.elementwise import ADD as _ADD, DIV as _DIV, MUL as _MUL, SUB as _SUB  # noqa: E402
