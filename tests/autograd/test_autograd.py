"""One test per bullet of the autograd contract (PyTorch semantics), incl. the error cases."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from graphc.errors import DTypeError, GraphcError


def t(data, **kw):
    return graphc.tensor(data, dtype=graphc.float64, **kw)


# -- grad_fn names, next_functions, leaves --------------------------------------------------
def test_grad_fn_names_and_next_functions():
    x = t([1.0, 2.0], requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    assert y.grad_fn.name() == "AddBackward0"
    assert z.grad_fn.name() == "MulBackward0"
    assert out.grad_fn.name() == "MeanBackward0"
    assert repr(y.grad_fn).startswith("<AddBackward0 object at 0x")
    (acc, nr), (none, _) = y.grad_fn.next_functions
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x and nr == 0
    assert none is None  # the scalar 2 has no gradient edge
    assert z.grad_fn.next_functions[0][0].name() == "MulBackward0"
    assert x.grad_fn is None and x.is_leaf and not y.is_leaf


def test_reflected_operators_take_the_tensor_first():
    """``3 * a`` records MulBackward0 with next_functions (a's node, None) as PyTorch does, so
    walking ``grad_fn.next_functions[0][0]`` (the tutorials' graph walk) finds the tensor."""
    a = t([2.0, 3.0], requires_grad=True)
    for y in (3 * a, 3 + a, np.float64(2) * a):
        (node, _), (none, _) = y.grad_fn.next_functions
        assert type(node).__name__ == "AccumulateGrad" and none is None
    q = 3 * (a * a)
    assert q.grad_fn.next_functions[0][0].name() == "MulBackward0"


def test_reflected_division_is_reciprocal_times_scalar():
    """PyTorch computes ``s / x`` as ``x.reciprocal() * s``: its graph and its float32 bits."""
    x = graphc.tensor([3.0, 7.0, 11.0], requires_grad=True)
    y = 10 / x
    assert y.grad_fn.name() == "MulBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "ReciprocalBackward0"
    expected = (1 / np.array([3.0, 7.0, 11.0], np.float32)) * np.float32(10)
    np.testing.assert_array_equal(y.detach().numpy(), expected)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -10 / np.array([9.0, 49.0, 121.0]), rtol=1e-6)
    assert (3 / graphc.tensor([2, 4])).tolist() == [1.5, 0.75]  # integers divide as floats


def test_requires_grad_propagation():
    a = t([1.0])
    b = t([2.0], requires_grad=True)
    assert not (a * 2).requires_grad
    assert (a * b).requires_grad
    assert not (a * b).is_leaf
    assert (a * b).detach().is_leaf
    assert not (b > 1).requires_grad  # comparisons are not differentiable
    assert not b.long().requires_grad  # integer results never require grad


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(DTypeError, match="floating point"):
        graphc.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError):
        graphc.arange(3).requires_grad_()


# -- backward ---------------------------------------------------------------------------------
def test_backward_scalar_matches_tutorial():
    x = graphc.ones(2, 2, requires_grad=True)
    out = ((x + 2) * (x + 2) * 3).mean()
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 4.5))


def test_backward_with_gradient_vector():
    x = t([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.backward(t([0.1, 1.0, 0.0001]))
    np.testing.assert_allclose(x.grad.numpy(), [0.2, 2.0, 0.0002])


def test_implicit_gradient_for_non_scalar_raises():
    x = t([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2).backward()


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        t([1.0]).sum().backward()


def test_gradient_accumulates_across_backward_calls():
    x = t([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_grad_is_not_aliased_to_callers_gradient():
    x = t([1.0, 2.0], requires_grad=True)
    g = t([1.0, 1.0])
    (x + 0).backward(g)
    (x + 0).backward(g)
    np.testing.assert_allclose(g.numpy(), [1.0, 1.0])  # accumulation must not write into g
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_diamond_graph():
    x = t([3.0], requires_grad=True)
    a = x * 2
    b = x * 3
    (a * b).sum().backward()  # d(6x^2)/dx = 12x
    np.testing.assert_allclose(x.grad.numpy(), [36.0])


def test_broadcast_gradient_is_reduced_to_input_shape():
    x = t(np.ones((2, 3)), requires_grad=True)
    b = t([1.0, 2.0, 3.0], requires_grad=True)
    (x * b).sum().backward()
    assert b.grad.shape == (3,)
    np.testing.assert_allclose(b.grad.numpy(), [2.0, 2.0, 2.0])


# -- retain_graph and freed graphs --------------------------------------------------------------
def test_backward_twice_through_freed_graph_raises():
    x = t([2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = t([2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0])


# -- autograd.grad, create_graph, higher order ------------------------------------------------
def test_autograd_grad_does_not_touch_dot_grad():
    x = t([1.0, 2.0], requires_grad=True)
    (g,) = graphc.autograd.grad((x ** 3).sum(), x)
    np.testing.assert_allclose(g.numpy(), [3.0, 12.0])
    assert x.grad is None


def test_autograd_grad_unused_input():
    x = t([1.0], requires_grad=True)
    y = t([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used"):
        graphc.autograd.grad((x * 2).sum(), [x, y])
    gx, gy = graphc.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gy is None and gx.item() == 2.0


def test_second_derivative():
    x = t([0.5, -1.0], requires_grad=True)
    y = (x.tanh() * x ** 3).sum()
    (g,) = graphc.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad
    (h,) = graphc.autograd.grad(g.sum(), x)
    xv = np.array([0.5, -1.0])
    th = np.tanh(xv)
    sech2 = 1 - th ** 2
    # f = tanh(x) x^3;  f'' = -2 sech^2 tanh x^3 + 6 sech^2 x^2 + 6 x tanh
    expected = -2 * sech2 * th * xv ** 3 + 6 * sech2 * xv ** 2 + 6 * xv * th
    np.testing.assert_allclose(h.numpy(), expected, rtol=1e-10)


def test_backward_create_graph_then_grad_of_grad():
    x = t([2.0], requires_grad=True)
    y = (x ** 3).sum()
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [12.0])


def test_gradient_penalty():
    w = t([[0.5, -0.3], [0.2, 0.8]], requires_grad=True)
    x = t([[1.0, 2.0]], requires_grad=True)
    out = (x @ w).tanh().sum()
    (gx,) = graphc.autograd.grad(out, x, create_graph=True)
    penalty = ((gx.norm(2) - 1) ** 2)
    penalty.backward()
    torch = pytest.importorskip("torch")
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    (tgx,) = torch.autograd.grad((tx @ tw).tanh().sum(), tx, create_graph=True)
    ((tgx.norm(2) - 1) ** 2).backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), atol=1e-12)


# -- retain_grad, hooks, detach ---------------------------------------------------------------
def test_retain_grad_on_non_leaf():
    x = t([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [6.0, 12.0])
    assert y.retains_grad


def test_non_leaf_grad_is_none_without_retain_grad():
    x = t([1.0], requires_grad=True)
    y = x * 3
    y.sum().backward()
    assert y.grad is None


def test_tensor_hook_modifies_gradient_and_removes():
    x = t([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: g * 10)
    y = x * 2
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0])
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    h.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        t([1.0]).register_hook(lambda g: g)


def test_detach_shares_storage_and_version():
    x = t([1.0, 2.0], requires_grad=True)
    y = x.detach()
    assert not y.requires_grad and y.is_leaf
    y[0] = 5.0
    assert x[0].item() == 5.0
    assert x._version == y._version == 1


def test_detach_in_place():
    x = t([1.0], requires_grad=True)
    y = x * 2
    y.detach_()
    assert y.grad_fn is None and not y.requires_grad


def test_requires_grad_flag_on_non_leaf_cannot_be_cleared():
    y = t([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_data_is_detached_and_invisible_to_autograd():
    x = t([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data.mul_(2)  # autograd does not see it: no version error, values changed
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


# -- grad modes -------------------------------------------------------------------------------
def test_no_grad_enable_grad_set_grad_enabled():
    x = t([1.0], requires_grad=True)
    with graphc.no_grad():
        assert not (x * 2).requires_grad
        with graphc.enable_grad():
            assert (x * 2).requires_grad
    with graphc.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert graphc.is_grad_enabled()
    graphc.set_grad_enabled(False)
    try:
        assert not graphc.is_grad_enabled()
    finally:
        graphc.set_grad_enabled(True)


def test_grad_modes_as_decorators():
    x = t([1.0], requires_grad=True)

    @graphc.no_grad()
    def f(v):
        return v * 2

    @graphc.enable_grad()
    def g(v):
        return v * 2
    assert not f(x).requires_grad
    with graphc.no_grad():
        assert g(x).requires_grad
    assert graphc.is_grad_enabled()


# -- in-place errors --------------------------------------------------------------------------
def test_inplace_on_leaf_requiring_grad_raises():
    x = t([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with graphc.no_grad():
        x.add_(1)  # allowed: optimizers do this
    assert x.item() == 2.0


def test_inplace_change_of_saved_tensor_is_detected():
    x = t([1.0, 2.0], requires_grad=True)
    y = x.tanh()  # saves its output
    z = y * 1
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as e:
        z.sum().backward(retain_graph=True)
        y.sum().backward()
    assert "is at version 1; expected version 0" in str(e.value)
    assert "TanhBackward0" in str(e.value)


def test_inplace_error_names_the_op_and_the_current_history():
    """PyTorch's wording: "which is output 0 of Relu", naming the op (not its node) that last
    wrote the saved tensor, i.e. its grad_fn now."""
    x = t([1.0, 2.0, 3.0], requires_grad=True)
    b = x * 1
    c = b * b  # saves b
    b.relu_()
    with pytest.raises(RuntimeError, match=r"\[graphc.DoubleTensor \[3\]\], which is output 0 "
                                           r"of Relu, is at version 1; expected version 0"):
        c.sum().backward()
    y = x.sigmoid()  # saves its output
    z = y * 2
    y.mul_(2)
    with pytest.raises(RuntimeError, match="which is output 0 of Sigmoid, is at version 1"):
        (z + y).sum().backward()


def test_copy_of_a_constant_into_a_non_leaf_keeps_its_history():
    """PyTorch's CopyBackwards: the old value gets a zero gradient; graphc used to drop the
    history and leave a tensor that requires grad with no grad_fn."""
    x = t([float("inf"), 1.0], requires_grad=True)
    b = x + 2
    b.copy_(t([5.0, 6.0]))
    assert b.requires_grad and b.grad_fn is not None and not b.is_leaf
    b.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("fill", ["uniform_", "normal_", "bernoulli_"])
def test_random_fills_are_recorded_in_place_ops(fill):
    """A random fill of a non-leaf cuts its old history off (zero gradient), and a leaf that
    requires grad refuses it, as in PyTorch; before, the old history passed its gradient on."""
    x = t([1.0, 2.0], requires_grad=True)
    b = x * 2
    getattr(b, fill)()
    (b * b).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation."):
        getattr(x, fill)()
    with graphc.no_grad():
        getattr(x, fill)()  # what nn.init does


def test_inplace_on_non_leaf_records_history():
    x = t([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.add_(1)
    y.mul_(3)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_inplace_mul_by_tensor_keeps_old_value_for_gradient():
    x = t([1.0, 2.0], requires_grad=True)
    w = t([3.0, 4.0], requires_grad=True)
    y = x * 1
    y.mul_(w)
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_failed_op_leaves_inputs_untouched():
    x = t(np.ones((2, 3)))
    v0 = x._version
    with pytest.raises(GraphcError):
        x.add_(t(np.ones((4,))))
    assert x._version == v0
    np.testing.assert_allclose(x.numpy(), np.ones((2, 3)))


def test_inplace_result_dtype_must_fit():
    x = graphc.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        x.add_(0.5)


# -- gradcheck, Variable, Function ------------------------------------------------------------
def test_gradcheck_accepts_correct_and_rejects_wrong_gradients():
    x = t([0.3, -0.7], requires_grad=True)
    assert graphc.autograd.gradcheck(lambda v: (v.sin() * v).sum(), (x,))

    class Wrong(graphc.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            return v * v

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2 v g
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        graphc.autograd.gradcheck(lambda v: Wrong.apply(v), (x,))


def test_custom_function():
    class Cube(graphc.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            ctx.save_for_backward(v)
            return v ** 3

        @staticmethod
        def backward(ctx, g):
            (v,) = ctx.saved_tensors
            return 3 * v ** 2 * g
    x = t([2.0], requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.item() == 12.0


def test_custom_function_node_is_named_after_the_function():
    """One node class per Function, ``<Name>Backward`` in graphc.autograd.function, as in
    PyTorch (the polynomial tutorial prints ``<LegendrePolynomial3Backward object at …>``)."""
    class LegendrePolynomial3(graphc.autograd.Function):
        @staticmethod
        def forward(ctx, v):
            return 0.5 * (5 * v ** 3 - 3 * v)

        @staticmethod
        def backward(ctx, g):
            return g

    y = LegendrePolynomial3.apply(t([0.5], requires_grad=True))
    assert type(y.grad_fn).__name__ == "LegendrePolynomial3Backward"
    assert y.grad_fn.name() == "LegendrePolynomial3Backward"
    assert repr(y.grad_fn).startswith(
        "<graphc.autograd.function.LegendrePolynomial3Backward object at 0x")
    assert "grad_fn=<LegendrePolynomial3Backward>" in repr(y)


def test_custom_function_backward_sees_zeros_for_unused_outputs():
    """PyTorch materializes the gradient of an output that did not reach the loss as zeros
    (the double-backward tutorial's MyCube reads ``grad_dx * 6 * x``);
    ``ctx.set_materialize_grads(False)`` passes None instead."""
    seen = []

    class TwoOutputs(graphc.autograd.Function):
        materialize = True

        @staticmethod
        def forward(ctx, v):
            ctx.set_materialize_grads(TwoOutputs.materialize)
            return v * 2, v * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append(g2)
            return g1 * 2 + (0 if g2 is None else g2 * 3)

    x = t([1.0, 2.0], requires_grad=True)
    TwoOutputs.apply(x)[0].sum().backward()
    assert seen[-1].tolist() == [0.0, 0.0] and x.grad.tolist() == [2.0, 2.0]
    TwoOutputs.materialize = False
    TwoOutputs.apply(x)[0].sum().backward()
    assert seen[-1] is None


def test_post_accumulate_grad_hook_runs_once_with_the_whole_gradient():
    w = t([1.0, -1.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    (w * w + w * 3).sum().backward()  # two contributions, one hook call
    assert seen == [[5.0, 1.0]]
    handle.remove()
    (w * w).sum().backward()
    assert len(seen) == 1
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on "
                                           "non-leaf tensors"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)


def test_variable_is_a_deprecated_alias():
    v = graphc.autograd.Variable(graphc.ones(2), requires_grad=True)
    assert isinstance(v, graphc.Tensor) and v.requires_grad
