"""Behaviour of the reduction and matrix-product ops beyond the conformance table: grad_fn names,
``max(dim)``'s named result, dtype promotion, PyTorch's error messages, the ``needs`` mask that
skips unneeded GEMMs, and second derivatives (``create_graph=True``)."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from graphc.errors import DimError, DTypeError, GraphcError, ShapeError
from graphc.ops import linalg as _linalg


def _t(a, requires_grad=False, dtype=None):
    return graphc.tensor(np.asarray(a, dtype=dtype or np.float64), requires_grad=requires_grad)


def _rand(*shape, requires_grad=True, seed=0):
    a = np.random.default_rng(seed).uniform(-1, 1, size=shape)
    return graphc.tensor(a, requires_grad=requires_grad)


def _np(t):
    return t.detach().numpy()


# -- grad_fn names -------------------------------------------------------------------------------
GRAD_FNS = [
    (lambda m, x, w, v: x.sum(), "SumBackward0"),
    (lambda m, x, w, v: x.sum(1), "SumBackward1"),
    (lambda m, x, w, v: x.sum(()), "SumBackward1"),
    (lambda m, x, w, v: x.sum(None, keepdim=True), "SumBackward1"),
    (lambda m, x, w, v: x.sum(dtype=m.float64), "SumBackward0"),
    (lambda m, x, w, v: x.mean(), "MeanBackward0"),
    (lambda m, x, w, v: x.mean((0, 1)), "MeanBackward1"),
    (lambda m, x, w, v: x.prod(), "ProdBackward0"),
    (lambda m, x, w, v: x.prod(1), "ProdBackward1"),
    (lambda m, x, w, v: x.var(), "VarBackward0"),
    (lambda m, x, w, v: x.var(1), "VarBackward0"),
    (lambda m, x, w, v: x.std(0), "StdBackward0"),
    (lambda m, x, w, v: x.norm(), "LinalgVectorNormBackward0"),
    (lambda m, x, w, v: x.norm(1, dim=1), "LinalgVectorNormBackward0"),
    (lambda m, x, w, v: x.logsumexp(1), "LogsumexpBackward0"),
    (lambda m, x, w, v: x.cumsum(0), "CumsumBackward0"),
    (lambda m, x, w, v: x.max(), "MaxBackward1"),
    (lambda m, x, w, v: x.max(1)[0], "MaxBackward0"),
    (lambda m, x, w, v: x.min(), "MinBackward1"),
    (lambda m, x, w, v: x.min(0).values, "MinBackward0"),
    (lambda m, x, w, v: x.amax(1), "AmaxBackward0"),
    (lambda m, x, w, v: x.amin(), "AminBackward0"),
    (lambda m, x, w, v: m.max(x, -x), "MaximumBackward0"),
    (lambda m, x, w, v: x.softmax(1), "SoftmaxBackward0"),
    (lambda m, x, w, v: x.log_softmax(0), "LogSoftmaxBackward0"),
    (lambda m, x, w, v: x @ w, "MmBackward0"),
    (lambda m, x, w, v: m.mm(x, w), "MmBackward0"),
    (lambda m, x, w, v: w.mT @ v, "MvBackward0"),
    (lambda m, x, w, v: v @ v, "DotBackward0"),
    (lambda m, x, w, v: m.bmm(x.unsqueeze(0), w.unsqueeze(0)), "BmmBackward0"),
    (lambda m, x, w, v: x.unsqueeze(0).expand(2, 3, 4) @ w, "UnsafeViewBackward0"),
    (lambda m, x, w, v: x.unsqueeze(0) @ w.unsqueeze(0), "UnsafeViewBackward0"),
    (lambda m, x, w, v: m.addmm(v[:2], x, w), "AddmmBackward0"),
    (lambda m, x, w, v: m.outer(v, v), "MulBackward0"),
]


def _grad_fn_inputs(lib):
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(-1, 1, s) for s in [(3, 4), (4, 2), (4,)]]
    return [lib.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("fn,name", GRAD_FNS, ids=[n + str(i) for i, (_, n) in
                                                  enumerate(GRAD_FNS)])
def test_grad_fn_names(fn, name):
    out = fn(graphc, *_grad_fn_inputs(graphc))
    assert out.grad_fn.name() == name
    assert type(out.grad_fn).__name__ == name


@pytest.mark.parametrize("fn,name", GRAD_FNS, ids=[n + str(i) for i, (_, n) in
                                                  enumerate(GRAD_FNS)])
def test_grad_fn_names_match_torch(fn, name):
    torch = pytest.importorskip("torch")
    t_out = fn(torch, *_grad_fn_inputs(torch))
    g_out = fn(graphc, *_grad_fn_inputs(graphc))
    assert g_out.grad_fn.name() == type(t_out.grad_fn).__name__


def test_nondifferentiable_results_have_no_grad_fn():
    x = _rand(3, 4)
    for r in (x.argmax(), x.argmin(1), (x > 0).all(), (x > 0).any(1), x.max(1).indices):
        assert r.grad_fn is None and not r.requires_grad
    assert x.argmax().dtype is graphc.int64


# -- max/min(dim): the named (values, indices) result --------------------------------------------
def test_max_dim_returns_named_values_and_indices():
    x = _t([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], requires_grad=True)
    r = x.max(1)
    assert isinstance(r, tuple) and len(r) == 2
    values, indices = r
    assert values is r.values and indices is r.indices and r[0] is r.values
    assert _np(values).tolist() == [5.0, 7.0]
    assert indices.tolist() == [1, 0]  # the first of tied maxima, as PyTorch on CPU
    assert indices.dtype is graphc.int64 and not indices.requires_grad
    assert values.requires_grad and values.grad_fn.name() == "MaxBackward0"
    assert repr(r).startswith("graphc.return_types.max(\nvalues=tensor(")
    assert "indices=tensor([1, 0])" in repr(r)
    assert type(r).__name__ == "max" and type(graphc.min(x, 0)).__name__ == "min"


def test_max_dim_keepdim_and_gradient_goes_to_the_selected_index():
    x = _t([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]], requires_grad=True)
    values, indices = graphc.max(x, dim=-1, keepdim=True)
    assert tuple(values.shape) == (2, 1) and indices.tolist() == [[1], [0]]
    values.sum().backward()
    assert _np(x.grad).tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_max_dim_gradient_matches_torch_with_ties():
    torch = pytest.importorskip("torch")
    a = np.array([[3.0, 1.0, 3.0, 3.0], [2.0, 2.0, 0.0, -1.0], [0.0, 0.0, 0.0, 0.0]])
    for name in ("max", "min"):
        g = graphc.tensor(a, requires_grad=True)
        t = torch.tensor(a, requires_grad=True)
        gv, gi = getattr(graphc, name)(g, 1)
        tv, ti = getattr(torch, name)(t, 1)
        assert gi.tolist() == ti.tolist()
        (gv * graphc.tensor([1.0, 2.0, 3.0])).sum().backward()
        (tv * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
        np.testing.assert_array_equal(_np(g.grad), t.grad.numpy())


def test_amax_and_full_max_split_the_gradient_among_ties():
    a = np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]])
    x = graphc.tensor(a, requires_grad=True)
    x.amax(1).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [[0.5, 0, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = graphc.tensor(a, requires_grad=True)
    y.max().backward()
    np.testing.assert_allclose(_np(y.grad), [[0.5, 0, 0.5], [0, 0, 0]])
    torch = pytest.importorskip("torch")
    t = torch.tensor(a, requires_grad=True)
    t.amax(1).sum().backward()
    np.testing.assert_allclose(_np(x.grad), t.grad.numpy())


def test_max_with_a_tensor_second_argument_is_maximum():
    a, b = _t([1.0, 4.0]), _t([3.0, 2.0])
    assert graphc.max(a, b).tolist() == [3.0, 4.0]
    assert graphc.min(a, b).tolist() == [1.0, 2.0]


def test_max_of_empty_tensor_needs_a_dim():
    with pytest.raises(ShapeError, match="Expected reduction dim to be specified"):
        graphc.zeros(0).max()
    with pytest.raises(ShapeError, match="amax"):
        graphc.zeros(0, 3).amax()
    with pytest.raises(ShapeError, match="Expected reduction dim 0 to have non-zero size"):
        graphc.zeros(0, 3).amax(0)
    with pytest.raises(ShapeError, match="max"):
        graphc.zeros(0, 3).max(0)
    assert tuple(graphc.zeros(0, 3).amax(1).shape) == (0,)
    assert tuple(graphc.zeros(0, 3).max(1).indices.shape) == (0,)
    assert graphc.zeros(0, 3).logsumexp(0).tolist() == [-np.inf] * 3
    assert tuple(graphc.zeros(0, 3).softmax(0).shape) == (0, 3)


def test_argmax_without_dim_indexes_the_flattened_tensor():
    x = _t([[1.0, 9.0, 3.0], [9.0, 0.0, 2.0]])
    assert x.argmax().item() == 1 and x.argmax().ndim == 0
    assert tuple(x.argmax(keepdim=True).shape) == (1, 1)
    assert x.argmin(dim=1).tolist() == [0, 1]
    assert x.argmax(0, keepdim=True).tolist() == [[1, 0, 0]]


# -- dtypes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("np_dtype", [np.int32, np.int16, np.uint8, np.bool_])
def test_integer_and_bool_sums_promote_to_int64(np_dtype):
    x = graphc.tensor(np.array([[1, 0, 1], [1, 1, 0]], dtype=np_dtype))
    assert x.sum().dtype is graphc.int64 and x.sum().item() == 4
    assert x.sum(0).dtype is graphc.int64 and x.sum(0).tolist() == [2, 1, 1]
    assert x.cumsum(1).dtype is graphc.int64
    assert x.prod(1).dtype is graphc.int64


def test_float_sums_keep_their_dtype_unless_asked():
    x = graphc.ones(2, 3, dtype=graphc.float32)
    assert x.sum().dtype is graphc.float32
    assert x.sum(1, dtype=graphc.float64).dtype is graphc.float64
    assert graphc.tensor([1, 2, 3]).sum(dtype=graphc.float32).dtype is graphc.float32


def test_mean_of_integers_raises_like_pytorch():
    x = graphc.tensor([1, 2, 3])
    msg = ("mean(): could not infer output dtype. Input dtype must be either a floating point "
           "or complex dtype. Got: Long")
    with pytest.raises(DTypeError) as e:
        x.mean()
    assert str(e.value) == msg
    with pytest.raises(RuntimeError, match="Got: Long"):  # PyTorch's exception type, too
        graphc.mean(x, 0)
    assert x.mean(dtype=graphc.float64).item() == 2.0


def test_var_std_norm_softmax_reject_integers():
    x = graphc.tensor([1, 2, 3])
    with pytest.raises(DTypeError, match="std and var only support floating point"):
        x.var()
    with pytest.raises(DTypeError, match="std and var"):
        x.std(0)
    with pytest.raises(DTypeError, match="Expected a floating point or complex tensor"):
        x.norm()
    with pytest.raises(DTypeError, match="Long"):
        x.softmax(0)
    assert x.logsumexp(0).dtype is graphc.float32  # logsumexp computes ints in the default float


def test_all_any_results():
    x = _t([[1.0, 0.0], [2.0, 3.0]])
    assert x.all().dtype is graphc.bool and not x.all().item()
    assert x.all(1).tolist() == [False, True] and x.any(0).tolist() == [True, True]
    u = graphc.tensor(np.array([1, 2], dtype=np.uint8))
    assert u.all().dtype is graphc.uint8


# -- argument errors -----------------------------------------------------------------------------
def test_bad_dims_raise_index_errors():
    x = graphc.zeros(2, 3, 4)
    with pytest.raises(DimError, match=r"Dimension out of range \(expected to be in range of "
                                       r"\[-3, 2\], but got 3\)"):
        x.sum(3)
    with pytest.raises(IndexError):
        x.mean(-4)
    with pytest.raises(DimError, match="multiple times"):
        x.sum((1, -2))
    with pytest.raises(IndexError):
        x.max(5)
    with pytest.raises(IndexError):
        x.softmax(3)
    with pytest.raises(IndexError):
        x.cumsum(-5)
    with pytest.raises(IndexError):
        x.argmax(7)


def test_var_unbiased_and_correction_together_is_an_error():
    with pytest.raises(GraphcError, match="Cannot specify both unbiased and correction"):
        graphc.zeros(3).var(0, True, correction=0)


def test_zero_dim_reductions():
    x = graphc.tensor(3.0, requires_grad=True)
    assert x.sum(0).item() == 3.0 and x.max(0).indices.item() == 0
    assert x.softmax(0).item() == 1.0 and x.log_softmax(-1).item() == 0.0
    x.sum(0).backward()
    assert x.grad.item() == 1.0


@pytest.mark.parametrize("fn,exc,msg", [
    (lambda: graphc.mm(graphc.zeros(2, 3), graphc.zeros(4, 5)), ShapeError,
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    (lambda: graphc.zeros(2, 3) @ graphc.zeros(4, 5), ShapeError,
     "matmul: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    (lambda: graphc.zeros(3) @ graphc.zeros(4, 5), ShapeError,
     "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)"),
    (lambda: graphc.zeros(2, 2, 3) @ graphc.zeros(2, 4, 5), ShapeError,
     "(2x2x3 and 2x4x5)"),
    (lambda: graphc.zeros(2, 2, 3) @ graphc.zeros(3, 3, 5), ShapeError,
     "batch dimensions of shapes [2, 2, 3] and [3, 3, 5] cannot be broadcast together"),
    (lambda: graphc.mm(graphc.zeros(2, 2, 3), graphc.zeros(3, 5)), ShapeError,
     "self must be a matrix"),
    (lambda: graphc.mm(graphc.zeros(2, 3), graphc.zeros(3)), ShapeError, "mat2 must be a matrix"),
    (lambda: graphc.dot(graphc.zeros(3), graphc.zeros(4)), ShapeError,
     "inconsistent tensor size, expected tensor [3] and src [4]"),
    (lambda: graphc.zeros(3) @ graphc.zeros(4), ShapeError, "inconsistent tensor size"),
    (lambda: graphc.dot(graphc.zeros(2, 2), graphc.zeros(2, 2)), ShapeError,
     "1D tensors expected, but got 2D and 2D tensors"),
    (lambda: graphc.mv(graphc.zeros(2, 3), graphc.zeros(4)), ShapeError, "size mismatch"),
    (lambda: graphc.bmm(graphc.zeros(2, 3), graphc.zeros(3, 2)), ShapeError,
     "batch1 must be a 3D tensor"),
    (lambda: graphc.bmm(graphc.zeros(2, 3, 4), graphc.zeros(1, 4, 2)), ShapeError,
     "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [1, 4]"),
    (lambda: graphc.matmul(graphc.tensor(1.0), graphc.zeros(2, 2)), ShapeError,
     "both arguments to matmul need to be at least 1D, but they are 0D and 2D"),
    (lambda: graphc.addmm(graphc.zeros(4), graphc.zeros(3, 2), graphc.zeros(2, 3)), ShapeError,
     "addmm: input of shape [4]"),
    (lambda: graphc.zeros(2, 3) @ graphc.zeros(3, 2, dtype=graphc.float64), DTypeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (lambda: graphc.mm(graphc.zeros(2, 3, dtype=graphc.int64), graphc.zeros(3, 2)), DTypeError,
     "but got: long int != float"),
    (lambda: graphc.zeros(2, 2, 3) @ graphc.zeros(3, dtype=graphc.float64), DTypeError,
     "float != double"),
    (lambda: graphc.dot(graphc.zeros(3), graphc.zeros(3, dtype=graphc.float64)), DTypeError,
     "dot : expected both vectors to have same dtype, but found Float and Double"),
    (lambda: graphc.addmm(graphc.zeros(3, dtype=graphc.float64), graphc.zeros(3, 2),
                          graphc.zeros(2, 3)), DTypeError,
     "self and mat2 must have the same dtype, but got Double and Float"),
])
def test_matmul_family_errors(fn, exc, msg):
    with pytest.raises(exc) as e:
        fn()
    assert msg in str(e.value)
    assert isinstance(e.value, RuntimeError)  # what PyTorch raises, so `except` clauses port


def test_integer_matmul_stays_integer():
    a = graphc.tensor([[1, 2], [3, 4]])
    assert (a @ a).tolist() == [[7, 10], [15, 22]] and (a @ a).dtype is graphc.int64


# -- the needs mask: no GEMM for an operand nobody differentiates --------------------------------
def _count_gemms(monkeypatch):
    calls = []
    for op in (_linalg.MM, _linalg.ADDMM, _linalg.MATMUL):
        impl = op.impl

        def counted(xp, *arrays, _impl=impl, _name=op.name, **kw):
            calls.append(_name)
            return _impl(xp, *arrays, **kw)
        monkeypatch.setattr(op, "impl", counted)
    return calls


def test_backward_skips_the_gemm_for_the_data_batch(monkeypatch):
    calls = _count_gemms(monkeypatch)
    x = _rand(8, 5, requires_grad=False)  # a data batch
    w = _rand(5, 3, seed=1)
    b = _rand(3, seed=2)
    y = graphc.addmm(b, x, w)
    assert calls == ["addmm"]
    y.sum().backward()
    assert calls == ["addmm", "mm"]  # only dL/dw = x^T g; dL/dx is never computed
    assert x.grad is None
    np.testing.assert_allclose(_np(w.grad), _np(x).T @ np.ones((8, 3)))
    np.testing.assert_allclose(_np(b.grad), np.full(3, 8.0))


def test_batched_matmul_folds_a_shared_weight_into_one_gemm(monkeypatch):
    calls = _count_gemms(monkeypatch)
    x = _rand(4, 6, 5, requires_grad=False)
    w = _rand(5, 3, seed=1)
    y = x @ w
    y.sum().backward()
    assert calls == ["matmul", "mm"]
    np.testing.assert_allclose(_np(w.grad), _np(x).reshape(-1, 5).T @ np.ones((24, 3)))


def test_backward_twice_through_ops_that_save_nothing():
    x = _rand(3, 4)
    y = x.sum(1).mean()
    y.backward(retain_graph=False)
    y.backward()  # SumBackward1 and MeanBackward0 keep only shapes, as in PyTorch
    np.testing.assert_allclose(_np(x.grad), np.full((3, 4), 2 / 3))


def test_gradients_at_special_points():
    z = graphc.zeros(3, dtype=graphc.float64, requires_grad=True)
    z.norm().backward()
    assert _np(z.grad).tolist() == [0.0, 0.0, 0.0]  # not nan: PyTorch's subgradient 0
    c = graphc.ones(4, dtype=graphc.float64, requires_grad=True)
    c.std().backward()
    assert _np(c.grad).tolist() == [0.0] * 4
    p = _t([2.0, 0.0, 3.0], requires_grad=True)
    p.prod().backward()
    assert _np(p.grad).tolist() == [0.0, 6.0, 0.0]
    q = _t([[0.0, 0.0, 3.0]], requires_grad=True)
    q.prod(1).sum().backward()
    assert _np(q.grad).tolist() == [[0.0, 0.0, 0.0]]


def test_stable_kernels():
    x = _t([1000.0, 0.0, -1000.0])
    np.testing.assert_allclose(_np(x.softmax(0)), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(_np(x.log_softmax(0)), [0.0, -1000.0, -2000.0])
    assert x.logsumexp(0).item() == 1000.0
    ninf = _t([-np.inf, -np.inf])
    assert ninf.logsumexp(0).item() == -np.inf
    assert _t([np.inf, 1.0]).logsumexp(0).item() == np.inf


def test_out_argument():
    x = _t([[1.0, 2.0], [3.0, 4.0]])
    out = graphc.empty(2, dtype=graphc.float64)
    r = graphc.sum(x, 1, out=out)
    assert r is out and out.tolist() == [3.0, 7.0]
    o2 = graphc.empty(2, 2, dtype=graphc.float64)
    assert graphc.matmul(x, x, out=o2) is o2 and o2.tolist() == [[7.0, 10.0], [15.0, 22.0]]


# -- second derivatives --------------------------------------------------------------------------
SECOND_ORDER = [
    ("softmax", lambda m, x, w: (m.softmax(x, 1) * w).sum(), [(3, 4), (3, 4)]),
    ("log_softmax", lambda m, x, w: (m.log_softmax(x, -1) * w).sum(), [(3, 4), (3, 4)]),
    ("logsumexp", lambda m, x, w: (m.logsumexp(x, 1) * w).sum(), [(3, 4), (3,)]),
    ("matmul", lambda m, x, w: ((x @ w) ** 2).sum(), [(3, 4), (4, 2)]),
    ("matmul_batched", lambda m, x, w: ((x @ w).tanh()).sum(), [(2, 3, 4), (4, 2)]),
    ("addmm", lambda m, x, w: (m.addmm(w[0], x, w) ** 2).sum(), [(3, 4), (4, 4)]),
    ("var", lambda m, x, w: (x.var(1) * w).sum(), [(3, 4), (3,)]),
    ("norm", lambda m, x, w: (x.norm(dim=1) * w).sum(), [(3, 4), (3,)]),
    ("prod", lambda m, x, w: (x.prod(1) * w).sum(), [(3, 4), (3,)]),
]


def _second_order(lib, fn, arrays):
    xs = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
    y = fn(lib, *xs)
    gx = lib.autograd.grad(y, xs[0], create_graph=True)[0]
    v = np.random.default_rng(7).uniform(-1, 1, size=arrays[0].shape)
    (hv,) = lib.autograd.grad((gx * lib.tensor(v)).sum(), xs[0])
    return gx.detach().numpy(), hv.detach().numpy()


@pytest.mark.parametrize("name,fn,shapes", SECOND_ORDER, ids=[s[0] for s in SECOND_ORDER])
def test_second_derivatives_match_torch(name, fn, shapes):
    torch = pytest.importorskip("torch")
    arrays = [np.random.default_rng(i).uniform(-1, 1, size=s) for i, s in enumerate(shapes)]
    g_grad, g_hvp = _second_order(graphc, fn, arrays)
    t_grad, t_hvp = _second_order(torch, fn, arrays)
    np.testing.assert_allclose(g_grad, t_grad, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_hvp, t_hvp, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("name,fn,shapes", SECOND_ORDER, ids=[s[0] for s in SECOND_ORDER])
def test_second_derivatives_match_finite_differences(name, fn, shapes):
    """Hessian-vector products from create_graph against central differences of the gradient."""
    arrays = [np.random.default_rng(i).uniform(-1, 1, size=s) for i, s in enumerate(shapes)]
    _, hvp = _second_order(graphc, fn, arrays)
    v = np.random.default_rng(7).uniform(-1, 1, size=arrays[0].shape)

    def grad_at(x0):
        xs = [graphc.tensor(a, requires_grad=True) for a in [x0] + arrays[1:]]
        return graphc.autograd.grad(fn(graphc, *xs), xs[0])[0].detach().numpy()
    eps = 1e-6
    numeric = (grad_at(arrays[0] + eps * v) - grad_at(arrays[0] - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hvp, numeric, rtol=1e-5, atol=1e-6)
