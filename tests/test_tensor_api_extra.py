"""Behaviour of the Tensor API added with the special/floating/bitwise/products/statistics/
strided/index-write/decomposition families that the conformance table cannot express:
operators and in-place forms (identity, versions, dtype rules), storage semantics (views,
``as_strided`` offsets, ``resize_``), errors, return types, namespaces, tracing refusals and
double backward. Comparisons with PyTorch skip when it is not installed."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import graphc
from graphc.errors import (
    AutogradError,
    DTypeError,
    GradNotImplemented,
    GraphcError,
    LinAlgError,
    ShapeError,
    TraceError,
)


def _torch():
    return pytest.importorskip("torch")


# -- operators and in-place forms --------------------------------------------------------------
def test_shift_operators_and_reflected_forms():
    x = graphc.tensor([1, -8, 3])
    assert (x << 2).tolist() == [4, -32, 12]
    assert (x >> 1).tolist() == [0, -4, 1]
    assert (2 << graphc.tensor([1, 70, -1])).tolist() == [4, 0, 0]   # past the width, negative
    assert (-16 >> graphc.tensor([2, 70])).tolist() == [-4, -1]       # sign fill
    with pytest.raises(GraphcError, match="not implemented for 'Float'"):
        graphc.tensor([1.0]) << 1


@pytest.mark.parametrize("op, other, expected", [
    (operator.ilshift, 2, [4, 8]), (operator.irshift, 1, [0, 1]), (operator.iand, 1, [1, 0]),
    (operator.ior, 1, [1, 3]), (operator.ixor, 3, [2, 1])])
def test_inplace_operators_keep_the_tensor(op, other, expected):
    x = graphc.tensor([1, 2])
    version = x._version
    assert op(x, other) is x  # ``x <<= 2`` writes into x, as in PyTorch
    assert x.tolist() == expected and x._version > version


def test_inplace_method_variants():
    x = graphc.tensor([0.5, 1.5])
    assert x.erfc_() is x and np.allclose(x.numpy(), [0.4795, 0.0339], atol=1e-4)
    y = graphc.tensor([1.0, 2.0, 3.0])
    y.greater_(2)  # comparisons store 0/1 in the tensor's own dtype
    assert y.dtype is graphc.float32 and y.tolist() == [0.0, 0.0, 1.0]
    z = graphc.tensor([2.0, 3.0])
    assert z.polygamma_(1) is z
    with pytest.raises(DTypeError, match="requires dtype Double"):
        graphc.tensor([1.0]).float_power_(2)
    w = graphc.tensor([2.0], dtype=graphc.float64)
    assert w.float_power_(3).tolist() == [8.0]


def test_function_forms_of_inplace_methods():
    x = graphc.tensor([0.25, 0.5])
    assert graphc.logit_(x) is x
    a = graphc.tensor([4, 6])
    assert graphc.gcd_(a, graphc.tensor([6, 4])) is a and a.tolist() == [2, 2]


def test_inplace_records_gradient():
    x = graphc.tensor([0.5, 1.0], requires_grad=True)
    y = x * 1
    y.erfinv_()
    y.sum().backward()
    expected = np.sqrt(np.pi) / 2 * np.exp(np.array([0.4769362762, np.inf]) ** 2)
    assert np.isclose(x.grad.numpy()[0], expected[0], rtol=1e-5)


# -- gradients PyTorch refuses, return types -----------------------------------------------------
def test_heaviside_has_no_derivative():
    x = graphc.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    y = graphc.heaviside(x, graphc.tensor(0.5))
    assert y.tolist() == [0.0, 0.5, 1.0] and y.requires_grad
    with pytest.raises(GradNotImplemented, match="heaviside"):
        y.sum().backward()
    with pytest.raises(DTypeError, match="different dtypes"):
        graphc.heaviside(x, graphc.tensor(1))


def test_named_results():
    _, e = graphc.frexp(graphc.tensor([8.0]))
    r = graphc.frexp(graphc.tensor([8.0]))
    assert r.mantissa.tolist() == [0.5] and r.exponent.dtype is graphc.int32 and e.tolist() == [4]
    mm = graphc.tensor([[1.0, 5.0], [-2.0, 0.0]]).aminmax(dim=1)
    assert mm.min.tolist() == [1.0, -2.0] and mm.max.tolist() == [5.0, 0.0]
    a = graphc.tensor([[2.0, 0.0], [0.0, -3.0]])
    s = graphc.linalg.slogdet(a)
    assert s.sign.item() == -1.0 and np.isclose(s.logabsdet.item(), np.log(6.0))
    assert "graphc.return_types.linalg_slogdet" in repr(s)
    U, S, V = graphc.svd(a)  # PyTorch's older form returns V, not Vh
    assert np.allclose((U @ graphc.diag(S) @ V.mT).numpy(), a.numpy())


# -- storage semantics ---------------------------------------------------------------------------
def test_unfold_is_a_writable_view():
    x = graphc.arange(6.0)
    w = x.unfold(0, 3, 2)
    assert w.tolist() == [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0]]
    w[1, 0] = 9.0
    assert x[2].item() == 9.0 and w._version == x._version


def test_as_strided_counts_from_the_storage():
    x = graphc.arange(6.0)
    v = x[2:]
    assert v.storage_offset() == 2
    assert v.as_strided((2,), (1,)).tolist() == [2.0, 3.0]           # starts where v starts
    assert v.as_strided((2,), (1,), 0).tolist() == [0.0, 1.0]        # an absolute offset
    with pytest.raises(ShapeError, match="out of bounds for storage"):
        v.as_strided((4,), (2,))
    view = x.as_strided((2, 2), (1, 2))
    view[0, 1] = -1.0
    assert x[2].item() == -1.0


def test_as_strided_matches_torch_on_views():
    torch = _torch()
    base = np.arange(12.0)
    g, t = graphc.tensor(base)[3:].reshape(3, 3), torch.tensor(base)[3:].reshape(3, 3)
    for args in [((2, 2), (3, 1)), ((3,), (4,), 1), ((2, 3), (1, 2), 5)]:
        assert np.array_equal(g.as_strided(*args).numpy(), t.as_strided(*args).numpy()), args


def test_as_strided_inplace_changes_geometry():
    x = graphc.arange(6.0)
    y = x.as_strided_((3, 2), (2, 1))
    assert y is x and x.shape == (3, 2) and x[2, 1].item() == 5.0


def test_tensor_split_returns_views():
    x = graphc.arange(7.0)
    a, b, c = x.tensor_split(3)
    assert [p.numel() for p in (a, b, c)] == [3, 2, 2]
    b[0] = 100.0
    assert x[3].item() == 100.0
    with pytest.raises(ShapeError, match="not divisible"):
        graphc.hsplit(graphc.zeros(2, 6), 4)


def test_resize_keeps_storage_when_it_fits():
    x = graphc.arange(6.0)
    view = x[:4]
    x.resize_(2, 2)
    assert x.shape == (2, 2) and x.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    x[0, 0] = 7.0
    assert view[0].item() == 7.0            # still the same memory
    x.resize_(3, 3)                          # grows: the old elements come first
    assert x.shape == (3, 3) and x.reshape(-1)[:4].tolist() == [7.0, 1.0, 2.0, 3.0]
    y = graphc.zeros(5)
    assert y.resize_as_(graphc.zeros(1, 2)).shape == (1, 2)
    with pytest.raises(AutogradError, match="require grad"):
        graphc.zeros(2, requires_grad=True).resize_(4)


# -- predicates and the legacy constructor -------------------------------------------------------
def test_predicates():
    assert graphc.tensor([3]).is_nonzero() and not graphc.is_nonzero(graphc.tensor(0.0))
    with pytest.raises(ShapeError, match="more than one value"):
        graphc.tensor([1, 2]).is_nonzero()
    with pytest.raises(ShapeError, match="no values"):
        graphc.zeros(0).is_nonzero()
    assert graphc.is_same_size(graphc.zeros(2, 3), graphc.ones(2, 3))
    assert not graphc.tensor([1], dtype=graphc.uint8).is_signed() and graphc.zeros(1).is_signed()
    x = graphc.zeros(1)
    assert x.is_cpu and x.get_device() == -1 and graphc.get_device(x) == -1
    assert not x.is_inference()


def test_legacy_new():
    x = graphc.zeros(2, dtype=graphc.float64)
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype is graphc.float64
    assert x.new([1, 2]).tolist() == [1.0, 2.0] and x.new([1, 2]).dtype is graphc.float64
    assert x.new().shape == (0,) and x.new(graphc.Size([4])).shape == (4,)


# -- products, writes ----------------------------------------------------------------------------
def test_beta_zero_ignores_nan_but_keeps_a_zero_gradient():
    inp = graphc.tensor([float("nan"), 1.0], requires_grad=True)
    mat = graphc.tensor([[1.0, 2.0], [3.0, 4.0]])
    out = graphc.addmv(inp, mat, graphc.tensor([1.0, 1.0]), beta=0)
    assert out.tolist() == [3.0, 7.0]
    out.sum().backward()
    assert inp.grad.tolist() == [0.0, 0.0]


def test_inplace_index_writes():
    x = graphc.zeros(2, 3)
    assert x.index_fill_(1, graphc.tensor([0, 2]), 1.0) is x
    x.index_copy_(0, graphc.tensor([1]), graphc.ones(1, 3) * 5)
    x.put_(graphc.tensor([1]), graphc.tensor([7.0]))
    x.masked_scatter_(graphc.tensor([True, False, False]), graphc.tensor([-1.0, -2.0]))
    x.scatter_reduce_(1, graphc.tensor([[0], [0]]), graphc.tensor([[3.0], [4.0]]), "amax")
    assert x.tolist() == [[3.0, 7.0, 1.0], [4.0, 5.0, 5.0]]
    with pytest.raises(ShapeError):
        graphc.zeros(3).masked_scatter_(graphc.tensor([[True], [False]]), graphc.ones(6))
    with pytest.raises(GraphcError, match="source < number of ones"):
        graphc.zeros(3).masked_scatter(graphc.tensor([True, True, True]), graphc.ones(2))


def test_integer_result_refuses_a_gradient_source():
    src = graphc.ones(3, requires_grad=True)
    with pytest.raises(AutogradError, match="Autograd not support dtype: Long"):
        graphc.diagonal_scatter(graphc.zeros(3, 3, dtype=graphc.int64), src)


# -- linear algebra ------------------------------------------------------------------------------
def test_linalg_errors():
    with pytest.raises(LinAlgError, match="singular"):
        graphc.linalg.inv(graphc.zeros(2, 2))
    with pytest.raises(RuntimeError, match="positive-definite"):  # LinAlgError is one
        graphc.linalg.cholesky(-graphc.eye(2))
    assert graphc.linalg.LinAlgError is LinAlgError
    with pytest.raises(ShapeError, match="square matrices"):
        graphc.linalg.det(graphc.zeros(2, 3))
    with pytest.raises(DTypeError, match="floating point"):
        graphc.linalg.det(graphc.zeros(2, 2, dtype=graphc.int64))
    with pytest.raises(ShapeError, match="Incompatible shapes"):
        graphc.linalg.solve(graphc.eye(3), graphc.ones(4))


def test_qr_gradients_refused_as_in_pytorch():
    a = graphc.tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)
    q, r = graphc.linalg.qr(a, mode="complete")
    with pytest.raises(GradNotImplemented, match="mode='complete' and nrows > ncols"):
        (q.sum() + r.sum()).backward()
    _, r = graphc.linalg.qr(a, mode="r")
    with pytest.raises(GradNotImplemented, match="mode='r'"):
        r.sum().backward()


@pytest.mark.parametrize("name, fn", [
    ("det", lambda m, a: m.linalg.det(a)),
    ("inv", lambda m, a: m.linalg.inv(a).sum()),
    ("matrix_exp", lambda m, a: (m.linalg.matrix_exp(a) ** 2).sum()),
    ("cholesky", lambda m, a: m.linalg.cholesky(a @ a.mT + 3 * m.eye(3, dtype=a.dtype)).sum()),
    ("svdvals", lambda m, a: m.linalg.svdvals(a).prod()),
    ("eigvalsh", lambda m, a: (m.linalg.eigvalsh(a + a.mT) ** 3).sum()),
])
def test_second_derivatives_match_torch(name, fn):
    """Double backward through the decompositions' vjps (graphc ops all the way down)."""
    torch = _torch()
    a = np.random.default_rng(1).uniform(-1, 1, (3, 3)) + 2 * np.eye(3)
    v = np.random.default_rng(2).uniform(-1, 1, (3, 3))
    ga = graphc.tensor(a, requires_grad=True)
    (g,) = graphc.autograd.grad(fn(graphc, ga), ga, create_graph=True)
    (gg,) = graphc.autograd.grad((g * graphc.tensor(v)).sum(), ga)
    ta = torch.tensor(a, requires_grad=True)
    (tg,) = torch.autograd.grad(fn(torch, ta), ta, create_graph=True)
    (tgg,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), ta)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-6, atol=1e-8, err_msg=name)


def test_linalg_namespace_mirrors_torch():
    torch = _torch()
    for name in graphc.linalg.__all__:
        assert hasattr(torch.linalg, name), name
    for name in graphc.special.__all__:
        assert hasattr(torch.special, name), name


# -- tracing -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [
    lambda x: graphc.bincount(x),
    lambda x: graphc.unique_consecutive(x),
])
def test_data_dependent_shapes_refuse_to_trace(fn):
    with pytest.raises(TraceError, match="depends on the data"):
        graphc.trace(fn, graphc.tensor([0, 1, 1, 3]))


def test_compiled_histc_and_logcumsumexp_match_eager():
    x = graphc.tensor(np.random.default_rng(3).normal(size=(4, 5)))
    f = graphc.compile(lambda t: (graphc.histc(t, 6), t.logcumsumexp(1)))
    for got, want in zip(f(x), (graphc.histc(x, 6), x.logcumsumexp(1))):
        np.testing.assert_allclose(got.numpy(), want.numpy())
