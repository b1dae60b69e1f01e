"""Creating tensors: from data, filled, ranges, and the ``*_like`` forms; the random generator.

Random numbers come from one seeded NumPy generator (``manual_seed``) and are moved to the target
device, so a seed gives the same numbers on CPU and GPU. They do not match PyTorch's stream.
Sampling functions that also work inside ``graphc.compile`` (``randn`` …) are ops in
``graphc.ops.sampling``; ``multinomial`` and the in-place fills draw eagerly only.
"""
from __future__ import annotations

import json
import numbers

import numpy as np

from graphc import dtypes as _dt
from graphc.device import as_device
from graphc.errors import ArgumentError, GraphcValueError
from graphc.ops.shapes import as_shape
from graphc.tensor import Tensor


class Generator:
    """A seeded random stream (``graphc.Generator().manual_seed(0)``), backed by NumPy's PCG64."""

    def __init__(self, device="cpu") -> None:
        self.device = as_device(device)
        self._seed = 67280421310721
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> "Generator":
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self.manual_seed(s)
        return s

    def get_state(self) -> Tensor:
        """The stream's position as a uint8 tensor (PyTorch's ByteTensor), so it can be saved
        with the rest of a checkpoint; its bytes are the PCG64 state as JSON."""
        text = json.dumps(self._rng.bit_generator.state)
        return Tensor._wrap(np.frombuffer(text.encode(), np.uint8).copy())

    def set_state(self, new_state: Tensor) -> "Generator":
        if not isinstance(new_state, Tensor) or new_state.dtype is not _dt.uint8:
            raise ArgumentError(f"expected a graphc.ByteTensor (from get_state()), but got "
                                f"{type(new_state).__name__}")
        from graphc.ops.conversion import to_host
        try:
            self._rng.bit_generator.state = json.loads(to_host(new_state).tobytes().decode())
        except (ValueError, TypeError, KeyError) as e:
            raise GraphcValueError(f"set_state: not a state from get_state(): {e}") from None
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The default generator's state (``set_rng_state`` replays the stream from there)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    default_generator.set_state(new_state)


def _rng(generator) -> np.random.Generator:
    return (generator or default_generator)._rng


# -- helpers ---------------------------------------------------------------------------------
def _finish(arr: np.ndarray, device, requires_grad: bool) -> Tensor:
    dev = as_device(device)
    if dev.type != "cpu":
        with dev.xp.cuda.Device(dev.index):
            arr = dev.xp.asarray(arr)
    t = Tensor._wrap(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_data_dtype(data) -> _dt.dtype:
    """PyTorch's dtype for nested Python data: bool < int64 < default float."""
    kinds = set()

    def walk(x):
        if isinstance(x, Tensor):
            kinds.add(x.dtype)
        elif isinstance(x, np.ndarray):
            kinds.add(_dt.from_numpy(x.dtype))
        elif isinstance(x, (list, tuple, range)):
            for v in x:
                walk(v)
        elif isinstance(x, (bool, np.bool_)):
            kinds.add(_dt.bool_)
        elif isinstance(x, numbers.Integral):
            kinds.add(_dt.int64)
        elif isinstance(x, numbers.Real):
            kinds.add(_dt.get_default_dtype())
        elif isinstance(x, np.generic):
            kinds.add(_dt.from_numpy(x.dtype))
        else:
            raise ArgumentError(f"tensor(): could not infer dtype of {type(x).__name__}")
    walk(data)
    if not kinds:
        return _dt.get_default_dtype()
    out = None
    for k in kinds:
        out = k if out is None else _dt.promote_types(out, k)
    return out


def _to_host_nested(data):
    if isinstance(data, Tensor):
        from graphc.ops.conversion import to_host
        return to_host(data)
    if isinstance(data, (list, tuple)):
        return [_to_host_nested(v) for v in data]
    return data


# -- from data -------------------------------------------------------------------------------
def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """Copy ``data`` (nested lists, scalars, arrays, tensors) into a new leaf tensor."""
    if isinstance(data, Tensor):
        dt = _dt.as_dtype(dtype) if dtype is not None else data.dtype
        from graphc.ops.conversion import to_host
        arr = np.array(to_host(data), dtype=dt.np, copy=True)
        return _finish(arr, device if device is not None else data.device, requires_grad)
    if isinstance(data, np.ndarray) and dtype is None:
        dt = _dt.from_numpy(data.dtype)
    else:
        dt = _dt.as_dtype(dtype) if dtype is not None else _infer_data_dtype(data)
    try:
        arr = np.array(_to_host_nested(data), dtype=dt.np, copy=True)
    except ValueError as e:
        raise GraphcValueError(f"tensor(): could not build a tensor from the data: {e}") from e
    return _finish(arr, device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor``, but shares memory with a tensor or array when no conversion is needed."""
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device)
    if isinstance(data, np.ndarray) and (dtype is None or _dt.as_dtype(dtype).np == data.dtype) \
            and (device is None or as_device(device).type == "cpu"):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``: writes through either are visible in both."""
    if not isinstance(ndarray, np.ndarray):
        raise ArgumentError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy(ndarray.dtype)  # raises for unsupported dtypes
    return Tensor._wrap(ndarray)


# -- filled ----------------------------------------------------------------------------------
def _filled(fill, size, dtype, device, requires_grad):
    shape = as_shape(size)
    dt = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    dev = as_device(device)
    if dev.type == "cpu":
        arr = np.empty(shape, dt.np) if fill is None else np.full(shape, fill, dt.np)
        t = Tensor._wrap(arr, dev)
    else:
        xp = dev.xp
        with xp.cuda.Device(dev.index):
            arr = xp.empty(shape, dt.np) if fill is None else xp.full(shape, fill, dt.np)
        t = Tensor._wrap(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def into_out(out, make, dtype, device):
    """A factory's ``out=``: ``make(dtype, device)`` builds the result, in ``out``'s dtype and on
    its device unless those are given (as PyTorch does: ``zeros(2, out=long_tensor)`` fills with
    integer zeros), and it is written into ``out``, which is returned."""
    if out is None:
        return make(dtype, device)
    from graphc.ops.inplace import write_out
    return write_out(out, make(out.dtype if dtype is None else dtype,
                               out.device if device is None else device))


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return into_out(out, lambda dt, dev: _filled(0, size, dt, dev, requires_grad), dtype, device)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return into_out(out, lambda dt, dev: _filled(1, size, dt, dev, requires_grad), dtype, device)


def empty(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return into_out(out, lambda dt, dev: _filled(None, size, dt, dev, requires_grad), dtype,
                    device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = _infer_data_dtype(fill_value.item() if isinstance(fill_value, Tensor)
                                  else fill_value)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _filled(fill_value, (tuple(size),) if not isinstance(size, int) else (size,), dtype,
                   device, requires_grad)


def _like(fn, input, dtype, device, requires_grad, *args):
    return fn(*args, input.shape, dtype=dtype or input.dtype,
              device=device if device is not None else input.device,
              requires_grad=requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(ones, input, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _like(empty, input, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return full(input.shape, fill_value, dtype=dtype or input.dtype,
                device=device if device is not None else input.device,
                requires_grad=requires_grad)


# -- ranges ----------------------------------------------------------------------------------
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise GraphcValueError("arange: step must be nonzero")
    if dtype is None:
        dtype = _dt.int64 if all(isinstance(v, numbers.Integral) for v in vals) \
            else _dt.get_default_dtype()
    dt = _dt.as_dtype(dtype)
    arr = np.arange(*vals, dtype=np.float64 if dt.is_floating_point else np.int64).astype(dt.np)
    return _finish(arr, device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    arr = np.linspace(float(start), float(end), int(steps)).astype(dt.np)
    return _finish(arr, device, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None) -> Tensor:
    dt = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    arr = np.logspace(float(start), float(end), int(steps), base=base).astype(dt.np)
    return _finish(arr, device, False)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    return _finish(np.eye(n, m, dtype=dt.np), device, requires_grad)


# -- random: sampling ops live in graphc.ops.sampling; what stays here draws eagerly only ----
def multinomial(input, num_samples, replacement=False, *, generator=None) -> Tensor:
    from graphc.ops.conversion import to_host
    p = to_host(input).astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    rng = _rng(generator)
    out = np.stack([rng.choice(r.size, num_samples, replace=replacement, p=r / r.sum())
                    for r in rows])
    return _finish(out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64), input.device,
                   False)


def _random_fill(t: Tensor, arr: np.ndarray) -> Tensor:
    from graphc.autograd.grad_mode import is_grad_enabled
    from graphc.ops.inplace import inplace, write_data
    if is_grad_enabled() and t.requires_grad:
        # Recorded like any in-place op: a leaf that requires grad is refused, and a non-leaf's
        # old history gets a zero gradient instead of passing its gradient through.
        value = tensor(arr, dtype=t.dtype, device=t.device)
        return inplace(t, lambda s: value)
    return write_data(t, arr)


def uniform_(t: Tensor, a=0.0, b=1.0, *, generator=None) -> Tensor:
    return _random_fill(t, _rng(generator).uniform(a, b, tuple(t.shape)))


def normal_(t: Tensor, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    return _random_fill(t, _rng(generator).normal(mean, std, tuple(t.shape)))


def bernoulli_(t: Tensor, p=0.5, *, generator=None) -> Tensor:
    return _random_fill(t, _rng(generator).random(tuple(t.shape)) < p)


def random_(t: Tensor, low=0, high=None, *, generator=None) -> Tensor:
    if high is None:
        low, high = 0, low if low else 2 ** 24
    return _random_fill(t, _rng(generator).integers(low, high, tuple(t.shape)))


__all__ = [
    "Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
    "set_rng_state", "tensor",
    "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
    "ones_like", "empty_like", "full_like", "arange", "linspace", "logspace", "eye",
    "multinomial", "uniform_", "normal_", "bernoulli_", "random_",
]
