"""Conformance rows for in-place methods: shape changes (graphc/ops/inplace_extra.py) and the
in-place forms of elementwise/matrix ops, applied to a non-leaf so gradients flow through."""
import numpy as np

from tests.ops.spec import OpSpec

S = (3, 4)


def _inplace(method, *args, **kwargs):
    """``y = x * 1; y.<method>(*args); return y`` (in-place on a non-leaf)."""
    def fn(m, x):
        y = x * 1
        r = getattr(y, method)(*args, **kwargs)
        assert r is y
        return y
    return fn


def _off_integers(rng, dt):
    return [(rng.integers(-3, 3, S) + rng.uniform(0.1, 0.4, S)).astype(dt)]


def _pos(rng, dt):
    return [rng.uniform(0.5, 2.0, S).astype(dt)]


SPECS = [
    OpSpec("squeeze_", _inplace("squeeze_"), [(1, 3, 1)], lambda x: x.squeeze()),
    OpSpec("squeeze_dim_", _inplace("squeeze_", 0), [(1, 3, 1)], lambda x: x.squeeze(0)),
    OpSpec("squeeze_dims_", _inplace("squeeze_", (0, -1)), [(1, 3, 1)],
           lambda x: x.squeeze((0, 2))),
    OpSpec("unsqueeze_", _inplace("unsqueeze_", -1), [S], lambda x: x[..., None]),
    OpSpec("t_", _inplace("t_"), [S], lambda x: x.T),
    OpSpec("transpose_", _inplace("transpose_", 0, 2), [(2, 3, 4)],
           lambda x: x.transpose(2, 1, 0)),
    OpSpec("fill_diagonal_", _inplace("fill_diagonal_", 0.5), [(4, 3)],
           lambda x: np.where(np.eye(4, 3, dtype=bool), 0.5, x)),
    OpSpec("tril_", _inplace("tril_", 1), [S], lambda x: np.tril(x, 1)),
    OpSpec("triu_", _inplace("triu_"), [S], np.triu),
    OpSpec("floor_", _inplace("floor_"), [], np.floor, make=_off_integers),
    OpSpec("ceil_", _inplace("ceil_"), [], np.ceil, make=_off_integers),
    OpSpec("round_", _inplace("round_"), [], np.round, make=_off_integers),
    OpSpec("trunc_", _inplace("trunc_"), [], np.trunc, make=_off_integers),
    OpSpec("frac_", _inplace("frac_"), [], lambda x: x - np.trunc(x), make=_off_integers),
    OpSpec("log_", _inplace("log_"), [], np.log, make=_pos),
    OpSpec("sin_", _inplace("sin_"), [S], np.sin),
    OpSpec("cos_", _inplace("cos_"), [S], np.cos),
    OpSpec("rsqrt_", _inplace("rsqrt_"), [], lambda x: 1 / np.sqrt(x), make=_pos),
    OpSpec("reciprocal_", _inplace("reciprocal_"), [], np.reciprocal, make=_pos),
    OpSpec("sign_", _inplace("sign_"), [], np.sign, make=_off_integers),
    OpSpec("clamp_min_", _inplace("clamp_min_", 0.25), [], lambda x: np.maximum(x, 0.25),
           make=_off_integers),
    OpSpec("clamp_max_", _inplace("clamp_max_", 0.25), [], lambda x: np.minimum(x, 0.25),
           make=_off_integers),
    OpSpec("sinh_", _inplace("sinh_"), [S], np.sinh),
    OpSpec("atan2_", lambda m, x, y: (x * 1).atan2_(y), [S, S], np.arctan2),
    OpSpec("nan_to_num_", _inplace("nan_to_num_", posinf=3.0), [S], lambda x: x),
    OpSpec("cumprod_", _inplace("cumprod_", 1), [S], lambda x: np.cumprod(x, 1)),
]
