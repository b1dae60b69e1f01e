"""``graphc.grad``, ``value_and_grad`` and ``vjp``: JAX-style, composable with ``compile``."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from graphc.errors import DTypeError, ShapeError

rng = np.random.default_rng(1)


def _x(*shape):
    return graphc.tensor(rng.uniform(-1, 1, shape), dtype=graphc.float64)


def loss(w, x, y):
    return ((x @ w - y) ** 2).mean()


def _eager_grads(fn, args, argnums):
    xs = [a.detach().clone().requires_grad_(i in argnums) for i, a in enumerate(args)]
    out = fn(*xs)
    return out, graphc.autograd.grad(out, [xs[i] for i in argnums])


def test_grad_argnums_int_and_tuple():
    w, x, y = _x(3, 1), _x(5, 3), _x(5, 1)
    gw = graphc.grad(loss)(w, x, y)
    _, (ew,) = _eager_grads(loss, [w, x, y], (0,))
    np.testing.assert_allclose(gw.numpy(), ew.numpy(), rtol=1e-12)
    gw2, gx = graphc.grad(loss, argnums=(0, 1))(w, x, y)
    _, (ew2, ex) = _eager_grads(loss, [w, x, y], (0, 1))
    np.testing.assert_allclose(gw2.numpy(), ew2.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), ex.numpy(), rtol=1e-12)
    assert not gw.requires_grad


def test_value_and_grad_and_has_aux():
    w, x, y = _x(3, 1), _x(5, 3), _x(5, 1)
    value, gw = graphc.value_and_grad(loss)(w, x, y)
    assert value.item() == pytest.approx(loss(w, x, y).item(), rel=1e-12)

    def with_aux(w, x, y):
        pred = x @ w
        return ((pred - y) ** 2).mean(), {"pred": pred, "n": 5}
    (v2, aux), g2 = graphc.value_and_grad(with_aux, has_aux=True)(w, x, y)
    assert v2.item() == pytest.approx(value.item()) and aux["n"] == 5
    np.testing.assert_allclose(aux["pred"].numpy(), (x @ w).numpy())
    np.testing.assert_allclose(g2.numpy(), gw.numpy())
    g3, _aux3 = graphc.grad(with_aux, has_aux=True)(w, x, y)
    np.testing.assert_allclose(g3.numpy(), gw.numpy())


def test_grad_of_pytree_argument_and_unused_input():
    params = {"w": _x(3), "b": _x(1)}
    unused = _x(2)

    def f(p, z, x):
        return ((x * p["w"]).sum() + p["b"] ** 2).sum()
    g = graphc.grad(f)(params, unused, _x(3))
    assert set(g) == {"w", "b"}
    gz = graphc.grad(f, argnums=1)(params, unused, _x(3))
    assert gz.tolist() == [0.0, 0.0]            # JAX: zeros for an input that is not used


def test_grad_requires_scalar_float_output():
    with pytest.raises(ShapeError, match="scalar"):
        graphc.grad(lambda x: x * 2)(_x(3))
    with pytest.raises(DTypeError, match="floating point"):
        graphc.grad(lambda i: (i * 2).sum())(graphc.tensor([1, 2]))


def test_grad_composes_with_compile_and_itself():
    f = lambda x: (x.sin() * x).sum()
    x = _x(4)
    g = graphc.compile(graphc.grad(f))
    np.testing.assert_allclose(g(x).numpy(), (x.sin() + x * x.cos()).numpy(), rtol=1e-12)
    assert g.cache_info().misses == 1
    g(x)
    assert g.cache_info().hits == 1
    d2 = graphc.grad(lambda x: graphc.grad(f)(x).sum())(x)
    np.testing.assert_allclose(d2.numpy(), (2 * x.cos() - x * x.sin()).numpy(), rtol=1e-12)
    scalar = graphc.tensor(0.7, dtype=graphc.float64)
    h = graphc.grad(graphc.grad(lambda t: t ** 4))(scalar)
    assert h.item() == pytest.approx(12 * 0.7 ** 2)


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = 1 (the inner derivative must not see the outer x).
    def outer(x):
        return x * graphc.grad(lambda y: (x + y).sum())(graphc.ones_like(x)).sum()
    assert graphc.grad(lambda x: outer(x).sum())(_x(1)).item() == pytest.approx(1.0)


def test_grad_inside_a_compiled_training_step_function():
    w, x, y = _x(3, 1), _x(5, 3), _x(5, 1)

    @graphc.compile
    def step(w, x, y):
        value, g = graphc.value_and_grad(loss)(w, x, y)
        return w - 0.1 * g, value
    new_w, _v = step(w, x, y)
    _, (ew,) = _eager_grads(loss, [w, x, y], (0,))
    np.testing.assert_allclose(new_w.numpy(), (w - 0.1 * ew).numpy(), rtol=1e-12)
    assert "mm" in str(step.graph)


def test_grad_result_is_differentiable_by_eager_autograd():
    x = _x(3).requires_grad_()
    g = graphc.grad(lambda x: (x ** 3).sum())(x)
    assert g.requires_grad
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.detach().numpy(), rtol=1e-12)


def test_vjp():
    x, w = _x(2, 3), _x(3, 4)

    def f(x, w):
        return (x @ w).tanh()
    out, vjp_fn = graphc.vjp(f, x, w)
    ct = _x(2, 4)
    gx, gw = vjp_fn(ct)
    xs = [x.detach().clone().requires_grad_(), w.detach().clone().requires_grad_()]
    eo = f(*xs)
    ex, ew = graphc.autograd.grad(eo, xs, ct)
    np.testing.assert_allclose(out.numpy(), eo.detach().numpy())
    np.testing.assert_allclose(gx.numpy(), ex.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), ew.numpy(), rtol=1e-12)
    with pytest.raises(ShapeError, match="cotangents"):
        vjp_fn(_x(4, 2))


def test_vjp_against_torch():
    torch = pytest.importorskip("torch")
    x0 = rng.uniform(-1, 1, (3, 3))
    _out, vjp_fn = graphc.vjp(lambda x: x.softmax(1) * x, graphc.tensor(x0))
    ct = rng.uniform(-1, 1, (3, 3))
    (g,) = vjp_fn(graphc.tensor(ct))
    t = torch.tensor(x0, requires_grad=True)
    (tg,) = torch.autograd.grad(t.softmax(1) * t, t, torch.tensor(ct))
    np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12, atol=1e-14)
