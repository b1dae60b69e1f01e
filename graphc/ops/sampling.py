"""Random sampling: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``
and the ``*_like`` forms, as registry ops.

Being ops (marked ``random=True``) is what lets them run inside ``graphc.compile``: the graph
records *where* numbers are drawn, and every run of the compiled program draws anew, from the
same generator eager mode uses and in the same order, so ``manual_seed(s)`` gives a compiled
function eager mode's numbers. Tracing itself draws nothing. Numbers come from the seeded NumPy
generator in ``creation`` (PCG64) and are moved to the target device afterwards, so a seed gives
the same numbers on CPU and GPU; they do not match PyTorch's stream. None of these has a
gradient.
"""
from __future__ import annotations

from graphc import dtypes as _dt
from graphc.device import as_device
from graphc.errors import ArgumentError, DTypeError, GraphcRuntimeError
from graphc.ops.creation import _rng, full_like, into_out
from graphc.ops.dispatch import apply
from graphc.ops.registry import NONDIFF, OpDef, register
from graphc.ops.shapes import as_shape
from graphc.tensor import Tensor


def _to_device(arr, device: str):
    """A freshly drawn host array on its target device (drawing on the host keeps one stream)."""
    dev = as_device(device)
    if dev.type == "cpu":
        return arr
    with dev.xp.cuda.Device(dev.index):
        return dev.xp.asarray(arr)


def _sampler(name: str, draw):
    """A random creation op: ``draw(rng, shape, **params) -> host array``; attrs are the shape,
    dtype, device, generator and the distribution's parameters."""
    def infer(*, shape, dtype, device, generator, **params):
        return tuple(shape), dtype

    def impl(xp, *, shape, dtype, device, generator, out=None, **params):
        arr = draw(_rng(generator), tuple(shape), **params).astype(dtype.np, copy=False)
        return _to_device(arr, device)
    return register(OpDef(name=name, infer=infer, impl=impl, vjp=NONDIFF, random=True,
                          moves_device=True))


RAND = _sampler("rand", lambda rng, shape: rng.random(shape))
RANDN = _sampler("randn", lambda rng, shape: rng.standard_normal(shape))
NORMAL = _sampler("normal", lambda rng, shape, mean, std: rng.normal(mean, std, shape))
RANDINT = _sampler("randint", lambda rng, shape, low, high: rng.integers(low, high, size=shape))
RANDPERM = _sampler("randperm", lambda rng, shape: rng.permutation(shape[0]))


def _bernoulli_impl(xp, probs, *, generator, out=None):
    u = xp.asarray(_rng(generator).random(probs.shape))  # drawn on the host, then moved
    return (u < probs).astype(probs.dtype)


BERNOULLI = register(OpDef(
    name="bernoulli", infer=lambda probs, *, generator: (tuple(probs.shape), probs.dtype),
    impl=_bernoulli_impl, vjp=NONDIFF, random=True))


def _sample(op: OpDef, shape, dtype, device, generator, requires_grad: bool, **params):
    t = apply(op, shape=tuple(shape), dtype=dtype, device=str(as_device(device)),
              generator=generator, **params)
    return t.requires_grad_(True) if requires_grad else t


def _float_dt(dtype):
    dt = _dt.as_dtype(dtype) if dtype is not None else _dt.get_default_dtype()
    if not dt.is_floating_point:
        raise DTypeError(f"random floats need a floating dtype, got {dt}")
    return dt


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False,
         out=None) -> Tensor:
    """Uniform on [0, 1)."""
    return into_out(out, lambda dt, dev: _sample(RAND, as_shape(size), _float_dt(dt), dev,
                                                 generator, requires_grad), dtype, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False,
          out=None) -> Tensor:
    """Standard normal."""
    return into_out(out, lambda dt, dev: _sample(RANDN, as_shape(size), _float_dt(dt), dev,
                                                 generator, requires_grad), dtype, device)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers uniform on [low, high) (``randint(high, size)`` means low=0)."""
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        raise ArgumentError("randint() missing the 'size' argument")
    if high <= low:
        raise GraphcRuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={low} >= to={high}")
    dt = _dt.as_dtype(dtype) if dtype is not None else _dt.int64
    return _sample(RANDINT, as_shape((size,)), dt, device, generator, requires_grad,
                   low=int(low), high=int(high))


def randperm(n, *, generator=None, dtype=None, device=None) -> Tensor:
    """A random permutation of ``0 .. n-1``."""
    if n < 0:
        raise GraphcRuntimeError(f"randperm: n must be non-negative, got {n}")
    dt = _dt.as_dtype(dtype) if dtype is not None else _dt.int64
    return _sample(RANDPERM, (int(n),), dt, device, generator, False)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False) -> Tensor:
    """``normal(mean, std, size)`` with floats, or elementwise with tensor mean/std."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        ref = mean if isinstance(mean, Tensor) else std
        noise = randn(*ref.shape, generator=generator, dtype=ref.dtype, device=ref.device)
        return (noise * std + mean).detach()
    if std < 0:
        raise GraphcRuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _sample(NORMAL, tuple(size or ()), _float_dt(dtype), device, generator, requires_grad,
                   mean=float(mean), std=float(std))


def _like(input: Tensor, dtype, device) -> tuple:
    return (tuple(input.shape), dtype or input.dtype,
            device if device is not None else input.device)


def rand_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    shape, dt, dev = _like(input, dtype, device)
    return rand(*shape, dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    shape, dt, dev = _like(input, dtype, device)
    return randn(*shape, dtype=dt, device=dev, requires_grad=requires_grad)


def randint_like(input, low, high=None, *, dtype=None, device=None) -> Tensor:
    if high is None:
        low, high = 0, low
    shape, dt, dev = _like(input, dtype, device)
    return randint(low, high, shape, dtype=dt, device=dev)


def bernoulli(input, p=None, *, generator=None) -> Tensor:
    """1 with probability ``input`` (or ``p``) elementwise, else 0; in ``input``'s dtype."""
    if not input.dtype.is_floating_point:
        raise DTypeError(f"bernoulli expects a floating point input, got {input.dtype}")
    probs = input.detach() if p is None else full_like(input, p)
    return apply(BERNOULLI, probs, generator=generator)


__all__ = ["rand", "randn", "randint", "randperm", "normal", "rand_like", "randn_like",
           "randint_like", "bernoulli"]
