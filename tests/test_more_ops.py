"""Behaviour of the ops added in pointwise/matrix/rearrange/order/inplace_extra beyond the
conformance table: grad_fn names and named results against PyTorch, ``unique``'s outputs,
in-place semantics (values, version counters, autograd refusals, shape changes), random fills,
PyTorch's errors, second derivatives, and tracing."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from graphc.errors import AutogradError, GraphcError, TraceError


def _torch():
    return pytest.importorskip("torch")


def _rand(*shape, seed=0, low=-1.0, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def _pair(m, *arrays, requires_grad=True):
    """The arrays as tensors of library ``m`` (graphc or torch), floats requiring grad."""
    out = []
    for a in arrays:
        t = m.tensor(np.array(a))
        if requires_grad and t.is_floating_point():
            t.requires_grad_(True)
        out.append(t)
    return out


def _np(t):
    return np.asarray(t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy())


# -- grad_fn names -------------------------------------------------------------------------------
_X, _V, _M = _rand(3, 4), _rand(3, seed=1), _rand(3, 3, seed=2)
GRAD_FNS = {
    "asin": lambda m, x, v, s: m.asin(x), "acos": lambda m, x, v, s: m.acos(x),
    "atan": lambda m, x, v, s: x.atan(), "sinh": lambda m, x, v, s: m.sinh(x),
    "cosh": lambda m, x, v, s: m.cosh(x), "asinh": lambda m, x, v, s: m.asinh(x),
    "acosh": lambda m, x, v, s: m.acosh(x + 2), "atanh": lambda m, x, v, s: m.atanh(x * 0.5),
    "exp2": lambda m, x, v, s: m.exp2(x), "frac": lambda m, x, v, s: m.frac(x),
    "sinc": lambda m, x, v, s: m.sinc(x), "deg2rad": lambda m, x, v, s: m.deg2rad(x),
    "rad2deg": lambda m, x, v, s: m.rad2deg(x), "atan2": lambda m, x, v, s: m.atan2(x, v[0]),
    "hypot": lambda m, x, v, s: m.hypot(x, x), "logaddexp": lambda m, x, v, s: m.logaddexp(x, x),
    "xlogy": lambda m, x, v, s: m.xlogy(x, x.abs() + 1), "nan2num": lambda m, x, v, s:
        m.nan_to_num(x), "tril": lambda m, x, v, s: m.tril(x), "triu": lambda m, x, v, s: x.triu(1),
    "diag_vec": lambda m, x, v, s: m.diag(v), "diag_mat": lambda m, x, v, s: m.diag(s),
    "diag_embed": lambda m, x, v, s: m.diag_embed(x), "trace": lambda m, x, v, s: s.trace(),
    "cross": lambda m, x, v, s: m.cross(s, s * 2, dim=1), "cdist": lambda m, x, v, s:
        m.cdist(x, x * 2), "rot90": lambda m, x, v, s: m.rot90(x),
    "take": lambda m, x, v, s: m.take(x, m.tensor([0, 5])),
    "cumprod": lambda m, x, v, s: m.cumprod(x, 1), "median": lambda m, x, v, s: m.median(x),
    "median_dim": lambda m, x, v, s: m.median(x, 1).values,
    "mode": lambda m, x, v, s: m.mode(x).values, "cummax": lambda m, x, v, s: m.cummax(x, 0)[0],
    "cummin": lambda m, x, v, s: m.cummin(x, 1).values, "diff": lambda m, x, v, s: m.diff(x),
    "repeat_int": lambda m, x, v, s: m.repeat_interleave(x, 2, dim=0),
    "repeat_tensor": lambda m, x, v, s: m.repeat_interleave(x, m.tensor([1, 0, 2]), dim=0),
    "sum_to_size": lambda m, x, v, s: x.sum_to_size(1, 4),
    "sum_to_size_lead": lambda m, x, v, s: x.sum_to_size(4),
    "type_as": lambda m, x, v, s: x.type_as(m.ones(1, dtype=m.float32)),
    "broadcast": lambda m, x, v, s: m.broadcast_tensors(x, v[:1])[1],
    "atleast_3d": lambda m, x, v, s: m.atleast_3d(v), "H": lambda m, x, v, s: x.H,
    "squeeze_": lambda m, x, v, s: (x * 1)[None].squeeze_(),
    "squeeze_dim_": lambda m, x, v, s: (x * 1)[None].squeeze_(0),
    "unsqueeze_": lambda m, x, v, s: (x * 1).unsqueeze_(1),
    "t_": lambda m, x, v, s: (x * 1).t_(), "transpose_": lambda m, x, v, s: (x * 1).transpose_(0, 1),
    "sin_": lambda m, x, v, s: (x * 1).sin_(), "floor_": lambda m, x, v, s: (x * 1).floor_(),
    "frac_": lambda m, x, v, s: (x * 1).frac_(), "tril_": lambda m, x, v, s: (x * 1).tril_(),
}


@pytest.mark.parametrize("name", list(GRAD_FNS))
def test_grad_fn_names_match_torch(name):
    torch = _torch()
    fn = GRAD_FNS[name]
    g = fn(graphc, *_pair(graphc, _X, _V, _M))
    t = fn(torch, *_pair(torch, _X, _V, _M))
    assert type(g.grad_fn).__name__ == type(t.grad_fn).__name__


# -- named results -------------------------------------------------------------------------------
@pytest.mark.parametrize("name,args", [("median", (1,)), ("mode", (1,)), ("cummax", (1,)),
                                       ("cummin", (0,))])
def test_named_results(name, args):
    torch = _torch()
    a = np.array([[1.0, 2.0, 2.0, 3.0], [5.0, 5.0, 1.0, 1.0], [2.0, 0.0, 2.0, 0.0]])
    r = getattr(graphc, name)(graphc.tensor(a), *args)
    want = getattr(torch, name)(torch.tensor(a), *args)
    assert type(r).__name__ == name and r._fields == ("values", "indices")
    assert repr(r).startswith(f"graphc.return_types.{name}(\nvalues=")
    values, indices = r
    assert values is r.values and indices is r.indices and indices.dtype is graphc.int64
    np.testing.assert_array_equal(_np(r.values), want.values.numpy())
    np.testing.assert_array_equal(_np(r.indices), want.indices.numpy())


def test_median_and_mode_pick_torchs_indices_with_ties_and_nan():
    torch = _torch()
    a = np.array([[1.0, np.nan, 2.0, 3.0], [5.0, 5.0, np.nan, np.nan], [2.0, 1.0, 1.0, 2.0]])
    for fn in (lambda m, x: m.median(x, 1), lambda m, x: m.mode(x, 1),
               lambda m, x: m.cummax(x, 1), lambda m, x: m.cummin(x, 1)):
        g, t = fn(graphc, graphc.tensor(a)), fn(torch, torch.tensor(a))
        np.testing.assert_array_equal(_np(g.values), t.values.numpy())
        np.testing.assert_array_equal(_np(g.indices), t.indices.numpy())
    assert np.isnan(graphc.median(graphc.tensor(a)).item())


# -- unique --------------------------------------------------------------------------------------
UNIQUE_CASES = [
    (np.array([3, 1, 2, 3, 1, 5]), {}),
    (np.array([3, 1, 2, 3, 1, 5]), {"sorted": False, "return_inverse": True}),
    (np.array([[3, 1], [2, 3]]), {"return_counts": True}),
    (np.array([[3.5, 1.0], [3.5, -2.0]]), {"return_inverse": True, "return_counts": True}),
    (np.array([[1, 2], [0, 1], [1, 2]]), {"dim": 0, "return_inverse": True,
                                          "return_counts": True}),
    (np.array([[1, 0, 1], [2, 1, 2]]), {"dim": -1, "return_counts": True}),
    (np.array(7), {"return_inverse": True}),
    (np.zeros((0,), np.int64), {"return_counts": True}),
    (np.array([True, False, True]), {"return_inverse": True}),
]


@pytest.mark.parametrize("a,kwargs", UNIQUE_CASES)
def test_unique_matches_torch(a, kwargs):
    torch = _torch()
    g = graphc.unique(graphc.tensor(a), **kwargs)
    t = torch.unique(torch.tensor(a), **kwargs)
    g, t = (g, t) if isinstance(t, tuple) else ((g,), (t,))
    assert len(g) == len(t)
    for x, y in zip(g, t):
        assert tuple(x.shape) == tuple(y.shape) and x.dtype.name == str(y.dtype)[6:]
        np.testing.assert_array_equal(_np(x), y.numpy())
    method = graphc.tensor(a).unique(**kwargs)
    np.testing.assert_array_equal(_np(method[0] if isinstance(method, tuple) else method),
                                  _np(g[0]))


def test_unique_is_not_differentiable_and_not_traceable():
    x = graphc.tensor([1.0, 2.0, 1.0], requires_grad=True)
    u, inv = x.unique(return_inverse=True)
    assert u.grad_fn is None and not u.requires_grad and inv.dtype is graphc.int64
    for fn in (lambda t: t.unique(), lambda t: graphc.repeat_interleave(t, t.long(), dim=0),
               lambda t: t.repeat_interleave(t[:1].long())):
        with pytest.raises(TraceError, match="depends on the data"):
            graphc.trace(fn, graphc.tensor([1.0, 2.0, 1.0]))


# -- in-place elementwise methods ----------------------------------------------------------------
INPLACE = [("floor_", ()), ("ceil_", ()), ("round_", ()), ("trunc_", ()), ("frac_", ()),
           ("log_", ()), ("sin_", ()), ("cos_", ()), ("rsqrt_", ()), ("reciprocal_", ()),
           ("sign_", ()), ("clamp_min_", (0.3,)), ("clamp_max_", (0.3,)), ("asin_", ()),
           ("atanh_", ()), ("exp2_", ()), ("sinc_", ()), ("deg2rad_", ()), ("hypot_", (2.0,)),
           ("xlogy_", (3.0,)), ("nan_to_num_", (1.0,)), ("tril_", (-1,)), ("triu_", ()),
           ("cumprod_", (0,))]


@pytest.mark.parametrize("name,args", INPLACE)
def test_inplace_methods_match_torch_and_bump_versions(name, args):
    torch = _torch()
    a = _rand(3, 4, low=0.1, high=0.9)
    other = np.full((3, 4), 2.0)
    g, t = graphc.tensor(a), torch.tensor(a)
    view = g[0]
    v0 = g._version
    g_args = (graphc.tensor(other),) if name == "hypot_" else args
    t_args = (torch.tensor(other),) if name == "hypot_" else args
    assert getattr(g, name)(*g_args) is g
    getattr(t, name)(*t_args)
    np.testing.assert_allclose(_np(g), t.numpy(), rtol=1e-12, atol=1e-12)
    assert g._version == v0 + 1 and view._version == g._version
    np.testing.assert_array_equal(_np(view), _np(g)[0])   # the view sees the new values


def test_inplace_refusals():
    leaf = graphc.rand(2, 3, requires_grad=True)
    with pytest.raises(AutogradError, match="leaf Variable"):
        leaf.sin_()
    with pytest.raises(RuntimeError, match="can't be cast"):
        graphc.arange(4).sin_()
    y = leaf * 1
    z = y.exp()           # saves its output, then y changes under it
    y.cos_()
    z.sum().backward()    # z's saved value is its own output: still fine
    w = leaf * 1
    s = w.sin()           # saves w
    w.floor_()
    with pytest.raises(AutogradError, match="modified by an inplace operation"):
        s.sum().backward()


# -- in-place shape changes ----------------------------------------------------------------------
SHAPE_INPLACE = [("squeeze_", (), (1, 3, 1)), ("squeeze_", (0,), (1, 3, 1)),
                 ("squeeze_", ((0, 2),), (1, 3, 1)), ("unsqueeze_", (-1,), (3, 4)),
                 ("t_", (), (3, 4)), ("transpose_", (0, 2), (2, 3, 4)),
                 ("swapaxes_", (1, 0), (2, 3))]


@pytest.mark.parametrize("name,args,shape", SHAPE_INPLACE)
def test_inplace_shape_changes_match_torch(name, args, shape):
    torch = _torch()
    a = _rand(*shape)
    results = {}
    for m in (graphc, torch):
        leaf = m.tensor(a, requires_grad=True)
        y = leaf * 2
        before = y._version
        assert getattr(y, name)(*args) is y
        w = m.tensor(_rand(*tuple(y.shape), seed=5))
        (y * w).sum().backward()
        results[m] = (tuple(y.shape), y._version - before, _np(y), _np(leaf.grad),
                      type(y.grad_fn).__name__)
    g, t = results[graphc], results[torch]
    assert g[0] == t[0] and g[1] == t[1] == 1 and g[4] == t[4]
    np.testing.assert_allclose(g[2], t[2])
    np.testing.assert_allclose(g[3], t[3])


def test_inplace_shape_change_shares_storage_and_refuses_leaves():
    x = graphc.zeros(1, 3)
    base_view = x.view(3)
    x.unsqueeze_(0).squeeze_()
    assert tuple(x.shape) == (3,) and x._version == 2 and base_view._version == 2
    x[1] = 5.0
    assert base_view[1].item() == 5.0              # still the same memory
    leaf = graphc.rand(1, 3, requires_grad=True)
    with pytest.raises(AutogradError, match="leaf Variable"):
        leaf.squeeze_()
    with graphc.no_grad():
        leaf.squeeze_()
    assert tuple(leaf.shape) == (3,) and leaf.requires_grad and leaf.is_leaf
    y = graphc.rand(2, 3, requires_grad=True) * 1
    s = y * y                                      # saves y; a shape change bumps its version
    y.t_()
    with pytest.raises(AutogradError, match="modified by an inplace operation"):
        s.sum().backward()
    with pytest.raises(RuntimeError, match="<= 2 dimensions"):
        graphc.zeros(2, 2, 2).t_()


def test_inplace_shape_change_under_compile():
    def f(x):
        y = x * 2
        y.unsqueeze_(0)
        return y.transpose_(0, 1) + 1
    x = graphc.tensor(_rand(2, 3))
    np.testing.assert_allclose(_np(graphc.compile(f)(x)), _np(f(x)))
    with pytest.raises(TraceError, match="in-place shape change of an input"):
        graphc.trace(lambda t: t.squeeze_(), graphc.zeros(1, 2))


# -- fill_diagonal_ ------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,wrap,dtype", [((3, 3), False, "float64"), ((7, 3), True, "float64"),
                                              ((7, 3), False, "float64"), ((2, 5), False, "int64"),
                                              ((3, 3, 3), False, "float32")])
def test_fill_diagonal_matches_torch(shape, wrap, dtype):
    torch = _torch()
    a = np.arange(np.prod(shape)).reshape(shape).astype(dtype)
    g, t = graphc.tensor(a), torch.tensor(a)
    assert g.fill_diagonal_(2.5, wrap=wrap) is g
    t.fill_diagonal_(2.5, wrap=wrap)
    np.testing.assert_array_equal(_np(g), t.numpy())
    assert g._version == 1


def test_fill_diagonal_gradient_and_errors():
    torch = _torch()
    grads = []
    for m in (graphc, torch):
        leaf = m.tensor(_rand(3, 4), requires_grad=True)
        y = leaf * 3
        y.fill_diagonal_(0.0)
        (y * m.tensor(_rand(3, 4, seed=1))).sum().backward()
        grads.append(_np(leaf.grad))
    np.testing.assert_allclose(grads[0], grads[1])
    with pytest.raises(RuntimeError, match="dimensions must larger than 1"):
        graphc.zeros(3).fill_diagonal_(1)
    with pytest.raises(RuntimeError, match="equal length"):
        graphc.zeros(2, 3, 3).fill_diagonal_(1)


# -- random fills ---------------------------------------------------------------------------------
def test_random_fills_are_seeded_and_distributed():
    graphc.manual_seed(3)
    a = graphc.empty(20000).exponential_(2.0)
    graphc.manual_seed(3)
    assert graphc.equal(a, graphc.empty(20000).exponential_(2.0))
    assert a.min().item() >= 0 and abs(a.mean().item() - 0.5) < 0.03
    ln = graphc.empty(20000, dtype=graphc.float64).log_normal_(0.5, 0.25).log()
    assert abs(ln.mean().item() - 0.5) < 0.02 and abs(ln.std().item() - 0.25) < 0.02
    c = graphc.empty(20001).cauchy_(median=3.0, sigma=0.5)
    assert abs(c.median().item() - 3.0) < 0.05
    gen = graphc.Generator().manual_seed(1)
    geo = graphc.empty(20000, dtype=graphc.int64).geometric_(0.25, generator=gen)
    assert geo.dtype is graphc.int64 and geo.min().item() >= 1
    assert abs(geo.double().mean().item() - 4.0) < 0.2
    t = graphc.zeros(3)
    t.geometric_(0.5)
    assert t._version == 1


@pytest.mark.parametrize("call,msg", [
    (lambda t: t.exponential_(-1.0), "lambda > 0.0"),
    (lambda t: t.log_normal_(0.0, -1.0), "std > 0.0"),
    (lambda t: t.cauchy_(0.0, 0.0), "sigma > 0.0"),
    (lambda t: t.geometric_(0.0), r"p to be in \(0, 1\)"),
    (lambda t: t.long().exponential_(), "dtype must be a floating point"),
    (lambda t: t.requires_grad_().exponential_(), "leaf Variable"),
])
def test_random_fill_errors(call, msg):
    with pytest.raises(RuntimeError, match=msg) as e:
        call(graphc.zeros(3))
    assert isinstance(e.value, GraphcError)


# -- properties and small methods ----------------------------------------------------------------
def test_properties_match_torch():
    torch = _torch()
    for m_dtype in ("float32", "float64", "int16", "bool"):
        g = graphc.zeros(2, 3, dtype=getattr(graphc, m_dtype))
        t = torch.zeros(2, 3, dtype=getattr(torch, m_dtype))
        assert (g.nbytes, g.itemsize) == (t.nbytes, t.itemsize)
    a = _rand(2, 3)
    np.testing.assert_array_equal(_np(graphc.tensor(a).H), a.T)
    np.testing.assert_array_equal(_np(graphc.tensor(_rand(4, 2, 3)).mH), _rand(4, 2, 3)
                                  .transpose(0, 2, 1))
    np.testing.assert_array_equal(_np(graphc.tensor(a).adjoint()), a.T)
    with pytest.raises(RuntimeError, match="only supported on matrices"):
        _ = graphc.zeros(3).H


def test_type_as_and_sum_to_size_match_torch():
    torch = _torch()
    x = graphc.tensor(_rand(3, 4))
    assert x.type_as(graphc.zeros(1, dtype=graphc.float32)).dtype is graphc.float32
    assert x.type_as(x) is x
    assert graphc.arange(3).type_as(x).dtype is graphc.float64
    for size in [(1, 4), (3, 1), (4,), (1, 1), (3, 4), (1,)]:
        got = x.sum_to_size(*size)
        want = torch.tensor(_rand(3, 4)).sum_to_size(*size)
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(_np(got), want.numpy())
    with pytest.raises(RuntimeError, match=r"size \{\[3\]\} is not expandable to size"):
        x.sum_to_size(3)


def test_trace_names():
    """``graphc.trace`` stays the compiler's tracer; the matrix trace is ``Tensor.trace``."""
    assert callable(graphc.trace) and graphc.trace.__module__ == "graphc.compiler"
    assert graphc.tensor([[1.0, 2.0], [3.0, 4.0]]).trace().item() == 5.0


def test_cross_without_dim_warns_and_picks_first_size_3_dim():
    torch = _torch()
    a, b = _rand(3, 3), _rand(3, 3, seed=1)
    with pytest.warns(UserWarning, match="without specifying the dim"):
        got = graphc.cross(graphc.tensor(a), graphc.tensor(b))
    np.testing.assert_allclose(_np(got), torch.linalg.cross(torch.tensor(a), torch.tensor(b),
                                                            dim=0).numpy())


def test_nan_to_num_defaults_follow_dtype():
    torch = _torch()
    a = np.array([np.nan, np.inf, -np.inf, 1.0])
    for dt in ("float16", "float32", "float64"):
        got = graphc.nan_to_num(graphc.tensor(a.astype(dt)))
        np.testing.assert_array_equal(_np(got), torch.nan_to_num(torch.tensor(a.astype(dt)))
                                      .numpy())


# -- errors --------------------------------------------------------------------------------------
ERRORS = [
    ("frac_int", lambda m: m.frac(m.tensor([1, 2])), "not implemented for 'Long'"),
    ("hypot_int", lambda m: m.hypot(m.tensor([1]), m.tensor([2])), "not implemented for"),
    ("logaddexp_int", lambda m: m.logaddexp(m.tensor([1]), m.tensor([2])), "not implemented"),
    ("tril_1d", lambda m: m.tril(m.ones(3)), "at least 2 dimensions"),
    ("diag_3d", lambda m: m.diag(m.ones(2, 2, 2)), r"Supports 1D or 2D tensors. Got 3D"),
    ("trace_1d", lambda m: m.ones(3).trace(), "expected a matrix"),
    ("diag_embed_same_dims", lambda m: m.diag_embed(m.ones(2, 2), 0, 1, 1),
     "cannot be identical"),
    ("cross_len", lambda m: m.cross(m.ones(3, 4), m.ones(3, 4), dim=1), "must have length 3"),
    ("cross_dtype", lambda m: m.cross(m.ones(3), m.ones(3, dtype=m.float64), dim=0),
     "same dtype"),
    ("cross_ndim", lambda m: m.cross(m.ones(2, 3), m.ones(3), dim=-1),
     "same number of dimensions"),
    ("cdist_1d", lambda m: m.cdist(m.ones(3), m.ones(3)), "at least 2D tensors, X1 got: 1D"),
    ("cdist_cols", lambda m: m.cdist(m.ones(2, 3), m.ones(4, 4)), "same number of columns"),
    ("cdist_long", lambda m: m.cdist(m.ones(2, 3).long(), m.ones(4, 3).long()),
     "floating-point dtypes, X1 got: Long"),
    ("cdist_p", lambda m: m.cdist(m.ones(2, 3), m.ones(4, 3), p=-1), "non-negative p"),
    ("take_oob", lambda m: m.take(m.ones(2, 3), m.tensor([6])), "out of range"),
    ("take_int32", lambda m: m.take(m.ones(2, 3), m.tensor([1], dtype=m.int32)),
     "Expected a long tensor for index, but got Int"),
    ("rot90_dims", lambda m: m.rot90(m.ones(2, 3), 1, [0]), "rotation dims == 2"),
    ("rot90_same", lambda m: m.rot90(m.ones(2, 3), 1, [0, 0]), "to be different"),
    ("rot90_1d", lambda m: m.rot90(m.ones(3), 1, [0, 1]), "total dims >= 2"),
    ("repeat_size", lambda m: m.repeat_interleave(m.ones(3), m.tensor([1, 2])), "same size"),
    ("repeat_neg", lambda m: m.repeat_interleave(m.ones(3), -1), "non-negative"),
    ("repeat_neg_t", lambda m: m.repeat_interleave(m.ones(3), m.tensor([1, -2, 1])),
     "can not be negative"),
    ("diff_0d", lambda m: m.diff(m.tensor(1.0)), "at least one-dimensional"),
    ("diff_n", lambda m: m.diff(m.ones(3), n=-1), "order must be non-negative"),
    ("diff_prepend", lambda m: m.diff(m.ones(3), prepend=m.ones(2, 2)), "same dimension"),
    ("tensordot_sizes", lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 5), 1),
     "contracted dimensions need to match, but first has size 3 in dim -1"),
    ("tensordot_neg", lambda m: m.tensordot(m.ones(2, 3), m.ones(3, 5), -1), "dims >= 0"),
    ("median_empty_dim", lambda m: m.median(m.ones(0, 3), 0), "non-zero size"),
    ("mode_dim", lambda m: m.mode(m.ones(2, 3), 2), "out of range"),
    ("unique_dim", lambda m: m.unique(m.ones(3), dim=1), "out of range"),
    ("cummax_dim", lambda m: m.cummax(m.ones(3), 1), "out of range"),
]


@pytest.mark.parametrize("name,call,msg", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torchs_exception_types(name, call, msg):
    torch = _torch()
    with pytest.raises(Exception) as te:
        call(torch)
    builtin = next(c for c in type(te.value).__mro__ if c.__module__ == "builtins")
    with pytest.raises(builtin, match=msg) as ge:
        call(graphc)
    assert isinstance(ge.value, GraphcError)


# -- gradients PyTorch defines at kinks, and second derivatives -----------------------------------
KINKS = {
    "median_ties": (lambda m, x: m.median(x), np.array([[1.0, 2.0], [2.0, 3.0]])),
    "median_dim_ties": (lambda m, x: m.median(x, 1).values,
                        np.array([[1.0, 2.0, 2.0, 3.0], [5.0, 5.0, 1.0, 1.0]])),
    "mode": (lambda m, x: m.mode(x, 1).values, np.array([[1.0, 2.0, 2.0, 1.0, 3.0]])),
    "cummax_ties": (lambda m, x: m.cummax(x, 1).values, np.array([[1.0, 3.0, 3.0, 2.0, 4.0]])),
    "cummin_ties": (lambda m, x: m.cummin(x, 0).values, np.array([[2.0], [1.0], [1.0]])),
    "xlogy_x0": (lambda m, x: m.xlogy(x, x + 2), np.array([0.0, 1.0, 0.0, -2.0])),
    "xlogy_x0_scalar": (lambda m, x: m.xlogy(x, 0.0), np.array([0.0, 1.0])),
    "sinc_0": (lambda m, x: m.sinc(x), np.array([0.0, 0.5, -1.0])),
    "cumprod_zeros": (lambda m, x: m.cumprod(x, 1),
                      np.array([[2.0, 0.0, 3.0, 0.0, 4.0], [0.0, 1.5, 2.0, 3.0, 1.0]])),
    "cdist_same_point": (lambda m, x: m.cdist(x, x * 1), np.array([[0.0, 1.0], [2.0, 1.0]])),
    "nan_to_num": (lambda m, x: m.nan_to_num(x), np.array([np.nan, np.inf, 1.0])),
}


@pytest.mark.parametrize("name", list(KINKS))
def test_gradients_at_special_points_match_torch(name):
    torch = _torch()
    fn, a = KINKS[name]
    grads = []
    for m in (graphc, torch):
        (x,) = _pair(m, a)
        out = fn(m, x)
        (out * m.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)))).sum() \
            .backward()
        grads.append(_np(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12)


SECOND_ORDER = {
    "cumprod_zeros": (lambda x: graphc.cumprod(x, 1), np.array([[2.0, 0.0, 3.0], [0.5, 1.5, 0.0]])),
    "sinc": (lambda x: graphc.sinc(x), np.array([0.0, 0.3, -1.2])),
    "acosh": (lambda x: graphc.acosh(x + 2), _rand(3)),
    "atan2_hypot": (lambda x: graphc.atan2(x, x.flip(0)) * graphc.hypot(x, x + 1), _rand(4)),
    "logaddexp_xlogy": (lambda x: graphc.logaddexp(x, -x) + graphc.xlogy(x, x + 2), _rand(4)),
    "cdist_p2": (lambda x: graphc.cdist(x, x.flip(0) + 0.5), _rand(3, 2)),
    "cdist_p3": (lambda x: graphc.cdist(x, x.flip(0) + 0.5, p=3), _rand(3, 2)),
    "cross": (lambda x: graphc.cross(x, x * x, dim=1), _rand(2, 3)),
    "median_dim": (lambda x: graphc.median(x * x, 1).values, _rand(2, 5)),
    "take_tril_trace": (lambda x: graphc.take(x.tril() * x, graphc.tensor([0, 3, 3])).sum()
                        + (x * x).trace(), _rand(3, 3)),
    "diag_embed_rot90": (lambda x: graphc.diag_embed(x * x, 1).rot90() * 2, _rand(2, 3)),
    "cummax": (lambda x: graphc.cummax(x * x, 0).values, _rand(4, 2)),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_derivatives(name):
    fn, a = SECOND_ORDER[name]
    x = graphc.tensor(a, requires_grad=True)
    assert graphc.autograd.gradgradcheck(fn, (x,), atol=1e-5, rtol=1e-4)
