"""``graphc.Tensor``: a backend array (or, under tracing, a symbolic IR value) plus autograd state.

Methods are thin: each forwards to the op's public function in ``graphc.ops``, where the op's
shape rule, kernel and gradient live together. Views share storage with their base and a version
counter (``_vbox``, a one-element list) that in-place ops bump and saved tensors check.
"""
from __future__ import annotations

import numpy as np

from graphc import dtypes as _dt
from graphc.device import CPU, as_device
from graphc.errors import AutogradError, DTypeError, ShapeError
from graphc.size import Size
from graphc.tensor_methods import TensorMethods

_from_np = _dt._FROM_NP


class Tensor(TensorMethods):
    """A multi-dimensional array with PyTorch's semantics (see the README's tour)."""

    # The public name, so ``type(x)`` prints ``<class 'graphc.Tensor'>`` as PyTorch's prints
    # ``<class 'torch.Tensor'>`` (and names the class as users write it).
    __module__ = "graphc"

    __slots__ = ("_data", "_device", "_vbox", "_base", "_requires_grad", "grad_fn",
                 "_output_nr", "grad", "_accumulator", "_retains_grad", "_hv", "__weakref__")
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
        self._vbox = [0, 0]  # [data version, history version]
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
        t._vbox = [0, 0]
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
        if self._base is not None and self._vbox[1] != self._hv:
            _sync_view(self)
        return self.grad_fn is None

    def _mark_view(self, src: "Tensor") -> None:
        """Make this tensor a view of ``src``'s memory: shared version box, the root base, and
        the history version its grad_fn describes (see graphc/ops/view_history.py)."""
        self._vbox = src._vbox
        self._base = src if src._base is None else src._base
        self._hv = src._vbox[1]

    @property
    def requires_grad(self) -> bool:
        if self._base is not None and self._vbox[1] != self._hv:
            _sync_view(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self.grad_fn is not None:
            if not requires_grad:
                raise AutogradError("you can only change requires_grad flags of leaf variables. "
                                    "If you want to use a computed variable in a subgraph that "
                                    "doesn't require differentiation use "
                                    "var_no_grad = var.detach().")
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
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other)``; copies only
        when something changes."""
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

    def register_post_accumulate_grad_hook(self, hook):
        """``hook(tensor)`` runs after a backward pass has accumulated this leaf's ``.grad``
        (PyTorch's way to step an optimizer inside backward)."""
        if not self._requires_grad:
            raise AutogradError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise AutogradError("post accumulate grad hooks cannot be registered on non-leaf "
                                "tensors")
        return self._get_accumulator().register_post_accumulate_hook(hook)

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
        # As in PyTorch: a plain 0-d tensor formats as its Python number (f"Label: {label}"
        # prints "Label: 7", with or without a spec); anything else as its repr, which takes
        # no spec (TypeError). Subclasses (Parameter) keep their repr.
        if self._data.ndim == 0 and type(self) is Tensor:
            return format(self.item(), spec)
        return object.__format__(self, spec)

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

    # Reflected operators take the tensor first, as PyTorch's do, so ``3 * x`` records
    # ``MulBackward0`` with next_functions ``(x's node, None)`` like ``x * 3``.
    def __radd__(self, other):
        return _apply(_ADD, self, other)

    def __sub__(self, other):  # through ``sub``, which refuses bool operands as PyTorch does
        return _F.sub(self, other)

    def __rsub__(self, other):
        return _F.sub(other, self)

    def __mul__(self, other):
        return _apply(_MUL, self, other)

    def __rmul__(self, other):
        return _apply(_MUL, self, other)

    def __truediv__(self, other):
        return _apply(_DIV, self, other)

    def __rtruediv__(self, other):
        # PyTorch computes ``2 / x`` as ``x.reciprocal() * 2`` (MulBackward0 over
        # ReciprocalBackward0); doing the same gives its graph and its exact float results.
        return _apply(_MUL, _F.reciprocal(self), other)

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



def _sync_view(view: "Tensor") -> None:
    """Regenerate a stale view's grad_fn (see graphc/ops/view_history.py)."""
    from graphc.ops.view_history import sync_view
    sync_view(view)


# The ops package imports this module; bind it once everything above exists.
from graphc import autograd as _autograd  # noqa: E402
from graphc import ops as _F  # noqa: E402
from graphc.tensor_methods import bind_ops as _bind_ops  # noqa: E402
from graphc.ops.dispatch import apply as _apply  # noqa: E402
from graphc.ops.elementwise import ADD as _ADD, DIV as _DIV, MUL as _MUL  # noqa: E402

_bind_ops(_F)
