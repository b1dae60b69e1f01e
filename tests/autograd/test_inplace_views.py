"""In-place ops through views while recording gradients (PyTorch's CopySlices semantics), and
views whose base changed history afterwards. Each scenario runs the same code on graphc and, when
installed, on PyTorch; the expected gradients are also written out, so the tests mean something
without PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from graphc.errors import AutogradError
from graphc.ops.view_history import positions_in_base

try:
    import torch
except ImportError:
    torch = None


def _mul_view(lib, x):
    z = x * 1
    z[1:].mul_(3)
    return z


def _base_then_old_view(lib, x):
    z = x * 1
    a = z[0:2]
    z.mul_(2)
    return a * 1


def _view_then_sibling(lib, x):
    z = x * 1
    a, b = z[0:2], z[1:3]
    a.mul_(2)
    return b * 1


def _setitem_on_view(lib, x):
    z = (x * 1).reshape(1, 3)
    row = z[0]
    row[1:] = x[:2] * x[:2]
    return z


def _augmented_column(lib, x):
    z = x.reshape(3, 1) * lib.ones(3, 2, dtype=x.dtype)
    z[:, 0] += x
    return z


def _copy_into_plain_tensor(lib, x):
    w = lib.zeros(2, 3, dtype=x.dtype)
    w[:, 1].copy_(x[:2])
    return w * lib.arange(6, dtype=x.dtype).reshape(2, 3)


def _transposed_view(lib, x):
    z = x.reshape(3, 1) * x.reshape(1, 3)
    z.t()[0].add_(x)  # the first column of z, through a transposed view
    return z


def _nested_views(lib, x):
    z = (x * 1).repeat(2)  # 6 elements
    v = z.view(2, 3)[1]
    v[::2].mul_(x[:2])
    return z


SCENARIOS = {
    "mul_on_view": (_mul_view, [1, 3, 3]),
    "base_then_old_view": (_base_then_old_view, [2, 2, 0]),
    "view_then_sibling": (_view_then_sibling, [0, 2, 1]),
    "setitem_on_view": (_setitem_on_view, None),
    "augmented_column": (_augmented_column, None),
    "copy_into_plain_tensor": (_copy_into_plain_tensor, None),
    "transposed_view": (_transposed_view, None),
    "nested_views": (_nested_views, None),
}


def _grad_of(lib, fn, data):
    x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
    out = fn(lib, x)
    out.sum().backward()
    return np.asarray(x.grad.tolist()), np.asarray(out.detach().tolist())


@pytest.mark.parametrize("name", SCENARIOS)
def test_gradient(name):
    fn, expected = SCENARIOS[name]
    grad, _ = _grad_of(graphc, fn, [1.0, 2.0, 3.0])
    if expected is not None:
        np.testing.assert_allclose(grad, expected)
    if torch is not None:
        t_grad, t_out = _grad_of(torch, fn, [1.0, 2.0, 3.0])
        g_grad, g_out = _grad_of(graphc, fn, [1.0, 2.0, 3.0])
        np.testing.assert_allclose(g_out, t_out)
        np.testing.assert_allclose(g_grad, t_grad)


@pytest.mark.parametrize("name", SCENARIOS)
def test_gradcheck_and_second_order(name):
    """Finite differences, first and second order: the regenerated histories are ordinary ops."""
    fn = SCENARIOS[name][0]
    x = graphc.tensor([0.7, -1.3, 2.1], dtype=graphc.float64, requires_grad=True)
    assert graphc.autograd.gradcheck(lambda x: fn(graphc, x), (x,))
    assert graphc.autograd.gradgradcheck(lambda x: fn(graphc, x) ** 2, (x,))


def test_view_of_a_leaf_is_refused():
    x = graphc.ones(3, requires_grad=True)
    with pytest.raises(AutogradError, match="a view of a leaf Variable that requires grad"):
        x[1:].mul_(2)
    with pytest.raises(AutogradError, match="a view of a leaf Variable that requires grad"):
        x[1:][0] = 5.0
    with graphc.no_grad():  # what optimizers do: allowed, and no history changes
        x[1:].mul_(2)
    assert x.tolist() == [1.0, 2.0, 2.0] and x.grad_fn is None


def test_saved_view_values_overwritten_raise():
    x = graphc.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = x * 1
    v = z[1:]
    y = v * v  # saves v
    v.mul_(2)
    with pytest.raises(AutogradError, match="modified by an inplace operation"):
        y.sum().backward()


def test_view_gains_history_when_base_does():
    x = graphc.tensor([1.0, 2.0], requires_grad=True)
    w = graphc.zeros(2, 2)
    row = w[1]  # made before w required grad
    assert not row.requires_grad
    w[1].copy_(x)
    assert row.requires_grad and row.grad_fn is not None
    (row * graphc.tensor([3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]


def test_fill_and_zero_on_non_leaf_give_zero_gradient():
    x = graphc.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.fill_(1.0)
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x.grad = None
    y = x * 2
    y[1:].zero_()
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 0.0]
    v = graphc.tensor(2.0, requires_grad=True)
    z = graphc.tensor([float("inf"), 1.0])
    z.fill_(v)
    assert z.tolist() == [2.0, 2.0]  # not inf * 0 + v
    z.sum().backward()
    assert v.grad.item() == 2.0


@pytest.mark.parametrize("name", SCENARIOS)
def test_compiled_equals_eager(name):
    """The tracer functionalizes the same way (graphc/ir/tracer.py): compiled values and
    gradients equal eager ones, and the graph holds index_put/index instead of aliasing."""
    fn = SCENARIOS[name][0]
    want_grad, want_out = _grad_of(graphc, fn, [1.0, 2.0, 3.0])
    compiled = graphc.compile(lambda x: fn(graphc, x))
    x = graphc.tensor([1.0, 2.0, 3.0], dtype=graphc.float64, requires_grad=True)
    for _ in range(2):
        x.grad = None
        out = compiled(x)
        out.sum().backward()
        np.testing.assert_allclose(out.detach().numpy(), want_out)
        np.testing.assert_allclose(x.grad.numpy(), want_grad)


def test_compiled_write_through_view_of_an_input_is_written_back():
    def f(x):
        x[1:].mul_(2)
        x.t()[0].add_(10)  # a second write, through another view
        return x.sum()
    x, xe = graphc.ones(2, 3), graphc.ones(2, 3)
    assert graphc.compile(f)(x).item() == f(xe).item() == 29.0
    assert x.tolist() == xe.tolist() == [[11, 1, 1], [12, 2, 2]]
    with pytest.raises(AutogradError, match="a view of a leaf Variable"):
        graphc.compile(f)(graphc.ones(2, 3, requires_grad=True))


@pytest.mark.parametrize("make", [
    lambda a: a,                                   # C-contiguous
    lambda a: np.asfortranarray(a),                # column-major
    lambda a: a[::-1],                             # negative strides
    lambda a: a.T,                                 # transposed
])
def test_positions_in_base_any_layout(make):
    base = make(np.arange(24.0).reshape(4, 6))
    for view in (base[1:3, ::2], base[:, 3], base.T[::2], base[2:3, 1:2].reshape(())):
        pos = positions_in_base(view, base, np)
        np.testing.assert_array_equal(base[pos], view)
