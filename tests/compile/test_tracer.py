"""The tracer: TraceErrors that point at the user's line, captures, constants, in-place ops."""
from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

import graphc
from graphc.errors import AutogradError, TraceError

HERE = "test_tracer.py"


def _line_of(fn, needle: str) -> int:
    """The line number (in this file) of the line of ``fn`` containing ``needle``."""
    src, start = inspect.getsourcelines(fn)
    for k, text in enumerate(src):
        if needle in text:
            return start + k
    raise AssertionError(needle)


def _assert_points_here(err, fn, needle: str, what: str) -> None:
    msg = str(err)
    assert what in msg, msg
    assert f"{HERE}:{_line_of(fn, needle)}" in msg, msg
    assert "Fix:" in msg and ("graph op" in msg or "outside" in msg), msg


def branchy(x):
    if x.sum() > 0:           # needs a value
        return x
    return -x


def uses_item(x):
    return x * x.max().item()


def uses_tolist(x):
    return graphc.tensor(x.tolist())


def uses_numpy(x):
    return x.numpy() * 2


def uses_float(x):
    return x * float(x.mean())


def uses_int_index(x):
    return x[int(x.argmax())]


@pytest.mark.parametrize("fn,needle,what", [
    (branchy, "if x.sum() > 0", "bool() of a traced tensor"),
    (uses_item, ".item()", "Tensor.item()"),
    (uses_tolist, ".tolist()", "Tensor.tolist()"),
    (uses_numpy, ".numpy()", "Tensor.numpy()"),
    (uses_float, "float(x.mean())", "float() of a traced tensor"),
    (uses_int_index, "int(x.argmax())", "int() of a traced tensor"),
])
def test_trace_error_names_operation_and_line(fn, needle, what):
    x = graphc.randn(4)
    with pytest.raises(TraceError) as info:
        graphc.compile(fn)(x)
    _assert_points_here(info.value, fn, needle, what)
    with pytest.raises(RuntimeError):   # TraceError subclasses PyTorch's RuntimeError
        graphc.trace(fn, x)


def test_bool_in_trace_error_is_a_trace_error_not_a_crash():
    x = graphc.randn(3)
    with pytest.raises(TraceError, match="bool"):
        graphc.trace(lambda x: x if (x > 0).all() else -x, x)


def test_repr_of_a_traced_tensor_does_not_crash():
    seen = []
    graphc.trace(lambda x: seen.append(repr(x * 2)) or x, graphc.randn(2, 3))
    assert re.fullmatch(r"tensor\(<symbolic .*f32\[2,3\]>.*\)", seen[0]), seen[0]


def train_step(x, w):
    loss = (x * w).sum()
    loss.backward()
    return loss


def test_backward_inside_compiled_function_is_refused():
    x, w = graphc.randn(3), graphc.randn(3, requires_grad=True)
    with pytest.raises(TraceError) as info:
        graphc.compile(train_step)(x, w)
    _assert_points_here(info.value, train_step, "loss.backward()", "loss.backward()")
    assert w.grad is None


def test_optimizer_step_inside_compiled_function_is_refused():
    w = graphc.randn(3, requires_grad=True)
    w.grad = graphc.ones(3)

    def step(x):
        with graphc.no_grad():
            w.sub_(0.1 * w.grad)
        return (w * x).sum()
    before = w.detach().clone()
    with pytest.raises(TraceError, match="optimizer.step"):
        graphc.compile(step)(graphc.randn(3))
    assert graphc.equal(w.detach(), before)


def test_eager_only_random_draws_while_tracing_are_refused():
    # randn & co. are graph ops (tests/test_sampling.py); an in-place fill draws eagerly
    with pytest.raises(TraceError, match="random numbers"):
        graphc.compile(lambda x: x + graphc.empty(3).uniform_())(graphc.randn(3))


def test_parameters_are_inputs_fed_with_current_values():
    w = graphc.ones(3, requires_grad=True)
    f = graphc.compile(lambda x: (x * w).sum())
    x = graphc.tensor([1.0, 2.0, 3.0])
    assert f(x).item() == 6.0
    with graphc.no_grad():
        w.mul_(2)                      # an optimizer-style in-place update
    assert f(x).item() == 12.0
    assert f.cache_info().misses == 1
    assert [v.name for v in f.graph.inputs] == ["x", "w"]


def test_captured_global_tensor_named_and_tracked():
    scale = graphc.tensor([2.0])

    def f(x):
        return x * scale
    g = graphc.trace(f, graphc.randn(3))
    assert g.inputs[1].name == "scale" and g.inputs[1].kind == "capture"
    cf = graphc.compile(f)
    cf(graphc.ones(3))
    scale.fill_(5.0)
    assert cf(graphc.ones(3)).tolist() == [5.0, 5.0, 5.0]


def test_tensor_created_inside_is_a_constant():
    g = graphc.trace(lambda x: x + graphc.arange(3.0), graphc.randn(3))
    assert len(g.inputs) == 1 and len(g.consts) == 1
    np.testing.assert_array_equal(g.consts[0].const, [0.0, 1.0, 2.0])


def test_inplace_ops_are_functionalized():
    def f(x):
        y = x * 2
        y.add_(1)
        y[0] = 0.0
        return y
    x = graphc.tensor([1.0, 2.0, 3.0])
    g = graphc.trace(f, x)
    assert "add(" in str(g)
    assert graphc.compile(f)(x).tolist() == [0.0, 5.0, 7.0]
    assert x.tolist() == [1.0, 2.0, 3.0]


def test_inplace_on_an_input_is_written_back():
    def f(x, buf):
        buf.mul_(0.5).add_(x)        # a running statistic
        return x.sum()
    x, buf = graphc.ones(3), graphc.full((3,), 4.0)
    cf = graphc.compile(f)
    v0 = buf._version
    cf(x, buf)
    assert buf.tolist() == [3.0, 3.0, 3.0] and buf._version > v0
    cf(x, buf)
    assert buf.tolist() == [2.5, 2.5, 2.5]


def test_inplace_on_captured_buffer_is_written_back():
    running = graphc.zeros(2)

    def f(x):
        running.mul_(0.9).add_(0.1 * x.mean(0))
        return x * 2
    cf = graphc.compile(f)
    x = graphc.ones(4, 2)
    cf(x)
    cf(x)
    np.testing.assert_allclose(running.numpy(), [0.19, 0.19], rtol=1e-6)


def test_inplace_on_a_leaf_requiring_grad_is_an_autograd_error_as_in_eager():
    x = graphc.randn(3, requires_grad=True)
    with pytest.raises(AutogradError, match="leaf Variable"):
        graphc.compile(lambda x: x.add_(1))(x)


def test_inplace_on_a_view_is_functionalized():
    """The root's new value is index_put(root, view positions, new view value); more in
    tests/autograd/test_inplace_views.py."""
    def f(x):
        y = x * 1
        y[0].add_(1)
        return y
    g = graphc.trace(f, graphc.randn(3, 2))
    assert [n.op.name for n in g.nodes][:4] == ["mul", "select", "add", "index_put"]
    assert g.outputs[0].node.op.name == "index_put"


def test_stale_alias_after_inplace_is_refused():
    def f(x):
        y = x * 1
        z = y.detach()
        y.add_(1)
        return z + 1
    with pytest.raises(TraceError, match="alias"):
        graphc.trace(f, graphc.randn(3))


def test_autograd_grad_inside_compiled_function():
    def f(x):
        y = (x ** 3).sum()
        (g,) = graphc.autograd.grad(y, x, create_graph=True)
        return g.sum()
    x = graphc.tensor([1.0, 2.0], requires_grad=True)
    out = graphc.compile(f)(x)
    assert out.item() == pytest.approx(3 * (1 + 4))
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 12.0])


def test_no_grad_and_detach_under_tracing():
    def f(x):
        with graphc.no_grad():
            a = x * 2
        return (x * x.detach() + a).sum()
    x = graphc.tensor([1.0, 3.0], requires_grad=True)
    y = graphc.compile(f)(x)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 3.0])


def test_traced_tensors_report_non_leaf_grad_fn():
    seen = {}

    def f(x):
        y = x * 2
        seen["leaf"], seen["name"] = y.is_leaf, y.grad_fn.name()
        return y
    graphc.trace(f, graphc.randn(2, requires_grad=True))
    assert seen == {"leaf": False, "name": "MulBackward0"}


def test_layout_is_tracked_statically():
    seen = {}

    def f(x, w):
        xt = x.t()
        seen["x"], seen["xt"] = x.is_contiguous(), xt.is_contiguous()
        seen["sum"] = (x + 1).is_contiguous()
        return xt.contiguous().view(-1) + (x @ w).sum()
    x, w = graphc.randn(3, 4), graphc.randn(4, 2)
    cf = graphc.compile(f)
    assert graphc.allclose(cf(x, w), f(x, w))
    assert seen == {"x": True, "xt": False, "sum": True}
    assert "clone" in str(cf.graph)              # contiguous() copied the transposed view
    xs = graphc.randn(4, 3).t()                  # a non-contiguous argument: a new trace
    assert graphc.allclose(cf(xs, w), f(xs, w))
    assert cf.cache_info().reasons[-1] == "arg 0 contiguous True -> False"


def test_weight_gradient_through_t_lands_contiguous():
    w = graphc.randn(5, 3, requires_grad=True)
    x = graphc.randn(4, 3)
    graphc.compile(lambda x: (x @ w.t()).sum())(x).backward()
    assert w.grad.is_contiguous()
    np.testing.assert_allclose(w.grad.numpy(), np.tile(x.numpy().sum(0), (5, 1)), rtol=1e-5)


def test_trace_of_a_tensor_is_the_matrix_trace():
    """graphc.trace(fn, ...) traces; graphc.trace(matrix) is torch.trace (the diagonal sum)."""
    import graphc as _g
    x = _g.arange(9.0).reshape(3, 3)
    assert _g.trace(x).item() == 12.0
    assert "mul" in str(_g.trace(lambda v: v * 2, x))
