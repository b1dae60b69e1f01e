"""``graphc.compile``: autograd integration, the signature cache, modules, backends."""
from __future__ import annotations

import logging

import numpy as np
import pytest

import graphc
import graphc.nn.functional as F
from graphc import nn
from graphc.errors import AutogradError, DeviceError

rng = np.random.default_rng(0)


def _leaves(*shapes, dtype=graphc.float64):
    return [graphc.tensor(rng.uniform(-1, 1, s), dtype=dtype, requires_grad=True)
            for s in shapes]


def _clones(ts):
    return [t.detach().clone().requires_grad_(t.requires_grad) for t in ts]


def w1(a, b, c):
    return (a * b + c).tanh().sum()


def test_backward_accumulates_the_same_grads_as_eager():
    ga = _leaves(16, 16, 16, dtype=graphc.float32)
    ea = _clones(ga)
    f = graphc.compile(w1)
    for _ in range(3):                 # accumulation into .grad over several calls
        y = f(*ga)
        assert y.grad_fn.name() == "CompiledFunctionBackward"
        y.backward()
        w1(*ea).backward()
    for g, e in zip(ga, ea):
        np.testing.assert_allclose(g.grad.numpy(), e.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_against_torch():
    torch = pytest.importorskip("torch")
    arrays = [rng.uniform(-1, 1, 16) for _ in range(3)]
    ga = [graphc.tensor(a, requires_grad=True) for a in arrays]
    ta = [torch.tensor(a, requires_grad=True) for a in arrays]
    y = graphc.compile(w1)(*ga)
    y.backward()
    t = w1(*ta)
    t.backward()
    assert y.item() == pytest.approx(t.item(), abs=1e-12)
    for g, x in zip(ga, ta):
        np.testing.assert_allclose(g.grad.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_retain_graph_and_freed_graph_error():
    a, b, c = _leaves(4, 4, 4)
    y = graphc.compile(w1)(a, b, c)
    y.backward(retain_graph=True)
    first = a.grad.clone()
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * first.numpy())
    with pytest.raises(AutogradError, match="backward through the graph a second time"):
        y.backward()


def test_saved_input_modified_in_place_is_detected():
    a, b, c = _leaves(4, 4, 4)
    y = graphc.compile(w1)(a, b, c)
    with graphc.no_grad():
        b.mul_(2)
    with pytest.raises(AutogradError, match="modified by an inplace operation"):
        y.backward()


def test_non_scalar_output_with_gradient_argument_and_multiple_outputs():
    x, w = _leaves((3, 4), (4, 2))

    def f(x, w):
        h = x @ w
        return h.relu(), h.sum(0), h.argmax(1)
    ex, ew = _clones([x, w])
    r, s, idx = graphc.compile(f)(x, w)
    er, es, eidx = f(ex, ew)
    assert idx.dtype is graphc.int64 and not idx.requires_grad
    gr, gs = graphc.ones(3, 2), graphc.tensor([1.0, -2.0], dtype=graphc.float64)
    graphc.autograd.backward([r, s], [gr.double(), gs])
    graphc.autograd.backward([er, es], [gr.double(), gs])
    np.testing.assert_allclose(x.grad.numpy(), ex.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), ew.grad.numpy(), rtol=1e-12)
    assert graphc.equal(idx, eidx)


def test_only_one_output_used_in_backward():
    x = _leaves((5,))[0]
    _a, b = graphc.compile(lambda x: (x.sin(), x.cos()))(x)
    b.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -np.sin(x.detach().numpy()), rtol=1e-12)


def test_no_grad_and_detached_calls_skip_the_backward():
    a, b, c = _leaves(4, 4, 4)
    f = graphc.compile(w1)
    with graphc.no_grad():
        y = f(a, b, c)
    assert not y.requires_grad and y.grad_fn is None
    y2 = f(a.detach(), b.detach(), c.detach())
    assert not y2.requires_grad
    assert f.cache_info().misses == 2


def test_outputs_keep_identity_like_eager():
    x = graphc.randn(3)
    f = graphc.compile(lambda x: (x, x * 2, 7))
    same, doubled, seven = f(x)
    assert same is x and seven == 7
    assert graphc.allclose(doubled, x * 2)


def test_decorator_kwargs_and_static_arguments():
    @graphc.compile
    def scale(x, *, factor=2.0, bias=None):
        return x * factor + (0 if bias is None else bias)
    x = graphc.ones(2)
    assert scale(x).tolist() == [2.0, 2.0]
    assert scale(x, factor=3.0).tolist() == [3.0, 3.0]
    assert scale(x, factor=3.0, bias=graphc.ones(2)).tolist() == [4.0, 4.0]
    assert scale.cache_info().misses == 3

    @graphc.compile(backend="interpreter")
    def pytree(d):
        return {"s": d["a"] + d["b"][0], "t": [d["b"][1] * 2]}
    out = pytree({"a": graphc.ones(2), "b": (graphc.ones(2), graphc.full((2,), 3.0))})
    assert out["s"].tolist() == [2.0, 2.0] and out["t"][0].tolist() == [6.0, 6.0]


# -- the cache --------------------------------------------------------------------------------
def test_recompile_reasons_logged_and_reported(caplog):
    f = graphc.compile(lambda x, w: (x @ w).relu())
    w = graphc.randn(784, 16)
    with caplog.at_level(logging.INFO, logger="graphc.compile"):
        f(graphc.randn(128, 784), w)
        f(graphc.randn(128, 784), w)
        f(graphc.randn(64, 784), w)
        f(graphc.randn(64, 784).double(), w.double())
        f(graphc.randn(64, 784).double(), w.double().requires_grad_())
        with graphc.no_grad():
            f(graphc.randn(64, 784).double(), w.double().requires_grad_())
    info = f.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 5, 5)
    assert info.reasons == (
        "first call",
        "arg 0 shape (128, 784) -> (64, 784)",
        "arg 0 dtype float32 -> float64",
        "arg 1 requires_grad False -> True",
        "grad mode enabled -> disabled",
    )
    logged = [r.getMessage() for r in caplog.records if r.name == "graphc.compile"]
    assert "recompiling lambda: arg 0 shape (128, 784) -> (64, 784)" in logged
    assert sum(m.startswith("recompiling") for m in logged) == 4


def test_static_value_change_recompiles():
    f = graphc.compile(lambda x, n: x * n)
    x = graphc.ones(2)
    f(x, 2)
    f(x, 2)
    f(x, 3)
    assert f.cache_info().reasons[-1] == "arg 1 value 2 -> 3"
    assert f(x, 3).tolist() == [3.0, 3.0]


def test_cache_is_bounded():
    f = graphc.compile(lambda x: x + 1, cache_size=2)
    for n in (1, 2, 3):
        f(graphc.ones(n))
    info = f.cache_info()
    assert info.currsize == 2 and info.maxsize == 2
    assert "evicted" in info.reasons[-1]
    f(graphc.ones(1))                  # evicted: compiled again
    assert f.cache_info().misses == 4


def test_captured_tensor_shape_change_recompiles():
    w = graphc.ones(3)
    f = graphc.compile(lambda x: x * w)
    f(graphc.ones(3))
    w.data = graphc.ones(1)            # replaced storage: different shape
    assert f(graphc.ones(3)).tolist() == [1.0, 1.0, 1.0]
    assert f.cache_info().reasons[-1] == "captured tensor %w shape (3,) -> (1,)"


def test_code_is_kept_and_frees_intermediates():
    f = graphc.compile(w1)
    a, b, c = _leaves(4, 4, 4)
    f(a, b, c).backward()
    code = f.code
    assert "def w1(a, b, c):" in code and "def w1_backward(" in code
    assert "del v0" in code and "_k0(a, b)" in code


# -- modules ----------------------------------------------------------------------------------
def _mlp():
    graphc.manual_seed(0)
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Linear(16, 4))


def test_compiled_module_training_step_equals_eager():
    model = _mlp()
    ref = _mlp()
    cm = graphc.compile(model)
    opt = graphc.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref_opt = graphc.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    x, y = graphc.randn(8, 12), graphc.randint(0, 4, (8,))
    for _ in range(3):
        for m, o, fwd in ((model, opt, cm), (ref, ref_opt, ref)):
            o.zero_grad()
            loss = F.cross_entropy(fwd(x), y)
            loss.backward()
            o.step()
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    assert cm.cache_info().misses == 1
    assert [v.name for v in cm.graph.inputs][:3] == ["input", "self.0.weight", "self.0.bias"]


def test_compiled_loss_function_with_module_matches_eager_grads():
    model = _mlp()
    x, y = graphc.randn(8, 12), graphc.randint(0, 4, (8,))
    f = graphc.compile(lambda x, y: F.cross_entropy(model(x), y))
    f(x, y).backward()
    got = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    for g, p in zip(got, model.parameters()):
        np.testing.assert_allclose(g.numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_module_train_eval_switch_recompiles():
    model = nn.Sequential(nn.Linear(3, 64), nn.Dropout(0.5))
    cm = graphc.compile(model)
    model.eval()
    x = graphc.randn(2, 3)
    assert graphc.allclose(cm(x), model(x))
    model.train()
    a, b = cm(x), cm(x)                # dropout is a graph op: fresh masks every run
    assert not graphc.equal(a, b)
    assert cm.cache_info().reasons == ("first call", "module training False -> True")
    assert "dropout_mask" in str(cm.graph)


def test_create_graph_replay_sees_the_forward_dropout_mask():
    """create_graph replays the joint graph eagerly; it must reuse the forward's random draws
    (a fresh mask would pair the output of one mask with the gradient of another)."""
    import graphc.nn.functional as F
    x = graphc.randn(400, dtype=graphc.float64, requires_grad=True)
    f = graphc.compile(lambda x: (F.dropout(x, 0.5, True) + 1.0).tanh())
    for create_graph in (False, True):
        y = f(x)
        (g,) = graphc.autograd.grad(y.sum(), x, create_graph=create_graph)
        kept = (y.detach() != np.tanh(1.0)).numpy()
        expected = np.where(kept, 2.0 * (1 - y.detach().numpy() ** 2), 0.0)
        np.testing.assert_allclose(g.detach().numpy(), expected, atol=1e-12)
        if create_graph:  # and the gradient is itself differentiable
            (gg,) = graphc.autograd.grad(g.sum(), x)
            assert gg.shape == x.shape and np.all(gg.numpy()[~kept] == 0)


def test_backend_argument():
    x = graphc.randn(3)
    for backend in ("numpy", "interpreter", None):
        assert graphc.allclose(graphc.compile(lambda x: x.exp(), backend=backend)(x), x.exp())
    with pytest.raises(graphc.errors.GraphcValueError, match="unknown backend"):
        graphc.compile(lambda x: x, backend="tpu")
    with pytest.raises(DeviceError):
        graphc.compile(lambda x: x.exp(), backend="cupy")(x)


def test_runtime_failure_names_node_and_line():
    def f(x, i):
        return x.gather(0, i) * 2      # an out-of-range index only shows at run time
    cf = graphc.compile(f)
    x = graphc.randn(4)
    cf(x, graphc.tensor([0, 1]))
    with pytest.raises(graphc.errors.GraphcError) as info:
        cf(x, graphc.tensor([0, 9]))
    assert "gather" in str(info.value) and "test_compile.py" in str(info.value)


@pytest.mark.gpu
def test_cuda_compiled_equals_cpu():
    x = graphc.randn(8, 4)
    w = graphc.randn(4, 3, requires_grad=True)
    f = graphc.compile(lambda x, w: (x @ w).tanh().sum())
    f(x, w).backward()
    wc = w.detach().cuda().requires_grad_()
    y = f(x.cuda(), wc)
    y.backward()
    assert y.device.type == "cuda"
    np.testing.assert_allclose(wc.grad.cpu().numpy(), w.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_saved_views_and_outputs_are_version_checked():
    w = graphc.randn(3, 2, requires_grad=True)
    x = graphc.randn(4, 3, requires_grad=True)
    y = graphc.compile(lambda x, w: (x @ w.t().t()).sum())(x, w)
    with graphc.no_grad():
        w.mul_(2)                       # saved only through a view of w
    with pytest.raises(AutogradError, match="modified by an inplace operation"):
        y.backward()
    e = graphc.compile(lambda x: x.exp())(x)     # exp saves its own output
    e.add_(1)
    with pytest.raises(AutogradError, match="modified by an inplace operation"):
        e.sum().backward()


def test_mutated_input_saved_for_backward_keeps_its_old_value():
    w = graphc.tensor([1.0, 2.0], requires_grad=True)
    buf = graphc.tensor([3.0, 4.0])

    def f(w, buf):
        y = (w * buf).sum()
        buf.add_(10)
        return y
    f_c = graphc.compile(f)
    f_c(w, buf).backward()
    assert buf.tolist() == [13.0, 14.0]
    assert w.grad.tolist() == [3.0, 4.0]
