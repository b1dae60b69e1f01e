"""The autodiff pass against finite differences, eager autograd and PyTorch (first and second
order), and the driver's rules: detach/no_grad stop gradients, integer inputs get none, fan-in
is summed, broadcasts are reduced, disconnected inputs get a typed "no gradient"."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
import graphc.nn.functional as F
from graphc.errors import GradNotImplemented
from graphc.ir import TensorSpec
from graphc.passes import autodiff

rng = np.random.default_rng(0)


def _t(*shape, requires_grad=True):
    return graphc.tensor(rng.uniform(-1, 1, shape), dtype=graphc.float64,
                         requires_grad=requires_grad)


def mlp(x, w1, b1, w2):
    h = F.gelu(x @ w1 + b1)
    return (h @ w2).tanh().logsumexp(dim=1).mean()


def fan_in(x, y):
    a = x * y
    return (a * a.sin() + x.exp() * y + (a / (y * y + 1))).sum()


def broadcasting(x, b):
    return ((x + b) * b).pow(3).sum(dim=0).softmax(0).max()


CASES = [
    (mlp, lambda: [_t(4, 3), _t(3, 5), _t(5), _t(5, 2)]),
    (fan_in, lambda: [_t(3, 2), _t(3, 2)]),
    (broadcasting, lambda: [_t(4, 3), _t(3)]),
]


@pytest.mark.parametrize("fn,make", CASES, ids=[c[0].__name__ for c in CASES])
def test_grad_matches_gradcheck(fn, make):
    xs = make()
    compiled = graphc.compile(fn)
    assert graphc.autograd.gradcheck(compiled, xs, eps=1e-6, atol=1e-6, rtol=1e-5)
    argnums = tuple(range(len(xs)))
    grads = graphc.grad(fn, argnums=argnums)(*[x.detach() for x in xs])
    eager = graphc.autograd.grad(fn(*xs), xs)
    for g, e in zip(grads, eager):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn,make", CASES, ids=[c[0].__name__ for c in CASES])
def test_second_order_matches_gradgradcheck(fn, make):
    xs = make()
    assert graphc.autograd.gradgradcheck(graphc.compile(fn), xs, eps=1e-6, atol=1e-5,
                                         rtol=1e-4)


@pytest.mark.parametrize("fn,make", CASES, ids=[c[0].__name__ for c in CASES])
def test_grad_of_grad_matches_eager_create_graph(fn, make):
    xs = make()

    def first_sum(*a):
        return graphc.grad(fn, argnums=0)(*a).sum()
    hv = graphc.grad(first_sum, argnums=tuple(range(len(xs))))(*[x.detach() for x in xs])
    (g0,) = graphc.autograd.grad(fn(*xs), xs[0], create_graph=True)
    eager = graphc.autograd.grad(g0.sum(), xs, allow_unused=True, materialize_grads=True)
    for a, b in zip(hv, eager):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


def test_hessian_vector_product_against_finite_differences():
    x0 = rng.uniform(-1, 1, 5)
    v = graphc.tensor(rng.uniform(-1, 1, 5), dtype=graphc.float64)

    def f(x):
        return (x.sin() * x.flip(0)).sum() + (x ** 4).sum()

    def hvp(x):
        return (graphc.grad(f)(x) * v).sum()
    got = graphc.grad(hvp)(graphc.tensor(x0, dtype=graphc.float64)).numpy()
    eps = 1e-5
    gf = graphc.grad(f)

    def g_at(a):
        return gf(graphc.tensor(a, dtype=graphc.float64)).numpy()
    want = (g_at(x0 + eps * v.numpy()) - g_at(x0 - eps * v.numpy())) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_grad_of_grad_against_torch():
    torch = pytest.importorskip("torch")
    x0 = rng.uniform(0.5, 1.5, (3, 4))

    def f(lib, x):
        return (x.log() * x.sigmoid()).sum() * (x ** 2).mean()
    d2 = graphc.grad(lambda x: graphc.grad(lambda y: f(graphc, y))(x).sum())(
        graphc.tensor(x0))
    t = torch.tensor(x0, requires_grad=True)
    (g,) = torch.autograd.grad(f(torch, t), t, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), t)
    np.testing.assert_allclose(d2.numpy(), h.numpy(), rtol=1e-12, atol=1e-12)


def test_create_graph_through_a_compiled_function():
    x = _t(3, 2)
    w = _t(2, 2)
    f = graphc.compile(lambda x, w: ((x @ w).tanh() ** 2).sum())
    (gx,) = graphc.autograd.grad(f(x, w), x, create_graph=True)
    assert gx.requires_grad and gx.grad_fn is not None
    (gg,) = graphc.autograd.grad(gx.sum(), w)
    (ex,) = graphc.autograd.grad(((x @ w).tanh() ** 2).sum(), x, create_graph=True)
    (eg,) = graphc.autograd.grad(ex.sum(), w)
    np.testing.assert_allclose(gx.detach().numpy(), ex.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(gg.numpy(), eg.numpy(), rtol=1e-10, atol=1e-12)


# -- the driver's rules, on the graph ----------------------------------------------------------
def _joint(fn, *specs, outputs=None):
    g = graphc.trace(fn, *specs)
    outs = outputs(g) if outputs else g.outputs
    wrt = [v for v in g.inputs if v.requires_grad]
    return g, autodiff.backward(g, outs, [None] * len(outs), wrt)


def test_disconnected_input_gets_typed_no_gradient():
    g, grads = _joint(lambda x, y: (x * 2).sum(), TensorSpec((3,), requires_grad=True),
                      TensorSpec((3,), requires_grad=True))
    assert grads[0] is not None and grads[1] is None
    assert not any(n.op.name in ("zeros", "full") for n in g.nodes)
    g.outputs = list(g.outputs) + grads
    assert str(g).rstrip().endswith(", none)\n}")
    g.verify()


def test_detach_and_no_grad_stop_gradients():
    def f(x):
        with graphc.no_grad():
            s = x.sum()
        return (x.detach() * x + s).sum()
    g, (_gx,) = _joint(f, TensorSpec((3,), "f64", requires_grad=True))
    g.verify()
    x = graphc.tensor([1.0, 2.0, 3.0], dtype=graphc.float64, requires_grad=True)
    f(x).backward()
    np.testing.assert_allclose(graphc.grad(f)(x.detach()).numpy(), x.grad.numpy())
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 2.0, 3.0])


def test_integer_inputs_get_no_gradient():
    def f(x, idx):
        return (x.gather(0, idx) * idx).sum()
    g, grads = _joint(f, TensorSpec((4,), requires_grad=True), TensorSpec((3,), "i64"))
    assert len(grads) == 1 and grads[0] is not None
    assert g.inputs[1].requires_grad is False


def test_fan_in_is_summed_and_broadcasts_reduced():
    x = graphc.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=graphc.float64)
    b = graphc.tensor([10.0, 20.0], dtype=graphc.float64)
    gx, gb = graphc.grad(lambda x, b: (x * x + x * b + b).sum(), argnums=(0, 1))(x, b)
    np.testing.assert_allclose(gx.numpy(), 2 * x.numpy() + b.numpy())
    np.testing.assert_allclose(gb.numpy(), x.numpy().sum(0) + 2)
    assert tuple(gb.shape) == (2,)


def test_grad_cast_to_input_dtype():
    def f(x, y):
        return (x * y).sum()
    gx, gy = graphc.grad(f, argnums=(0, 1))(graphc.ones(3, dtype=graphc.float32),
                                             graphc.ones(3, dtype=graphc.float64))
    assert gx.dtype is graphc.float32 and gy.dtype is graphc.float64


def test_missing_rule_raises_grad_not_implemented(monkeypatch):
    from graphc.ops.registry import REGISTRY
    op = REGISTRY["sin"]

    def no_rule(g, x, out):
        raise NotImplementedError("sin's rule was removed for this test")
    monkeypatch.setattr(op, "vjp", no_rule)
    with pytest.raises(GradNotImplemented, match="derivative for 'sin'") as info:
        graphc.grad(lambda x: x.sin().sum())(graphc.randn(3))
    assert "test_autodiff.py" in str(info.value)


def test_backward_nodes_point_at_the_forward_line():
    g, _ = _joint(lambda x: x.tanh().sum(), TensorSpec((3,), requires_grad=True))
    locs = {n.loc[1] for n in g.nodes}
    assert len(locs) == 1
