"""Random sampling ops (graphc/ops/sampling.py): shapes, dtypes, errors, distributions, seeding,
and the same numbers from eager and compiled code for the same seed."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from graphc.errors import DTypeError, GraphcRuntimeError

SAMPLERS = {
    "rand": lambda: graphc.rand(2, 3),
    "randn": lambda: graphc.randn((2, 3)),
    "normal": lambda: graphc.normal(1.0, 2.0, (2, 3)),
    "randint": lambda: graphc.randint(0, 10, (2, 3)),
    "randint_high_only": lambda: graphc.randint(10, (2, 3)),
    "randperm": lambda: graphc.randperm(6),
    "bernoulli": lambda: graphc.bernoulli(graphc.full((2, 3), 0.5)),
    "rand_like": lambda: graphc.rand_like(graphc.zeros(2, 3, dtype=graphc.float64)),
    "randn_like": lambda: graphc.randn_like(graphc.zeros(2, 3)),
    "randint_like": lambda: graphc.randint_like(graphc.zeros(2, 3), 5),
}
EXPECTED = {  # (shape, dtype)
    "rand": ((2, 3), "float32"), "randn": ((2, 3), "float32"), "normal": ((2, 3), "float32"),
    "randint": ((2, 3), "int64"), "randint_high_only": ((2, 3), "int64"),
    "randperm": ((6,), "int64"), "bernoulli": ((2, 3), "float32"),
    "rand_like": ((2, 3), "float64"), "randn_like": ((2, 3), "float32"),
    "randint_like": ((2, 3), "float32"),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_shape_dtype_and_seeding(name):
    graphc.manual_seed(3)
    a = SAMPLERS[name]()
    graphc.manual_seed(3)
    b = SAMPLERS[name]()
    c = SAMPLERS[name]()
    shape, dtype = EXPECTED[name]
    assert tuple(a.shape) == shape and a.dtype.name == dtype
    assert not a.requires_grad and a.grad_fn is None
    assert graphc.equal(a, b)
    if name != "bernoulli":  # a different draw (a 6-coin bernoulli may repeat by chance)
        assert not graphc.equal(b, c)


def test_requires_grad_and_dtype_arguments():
    x = graphc.randn(3, dtype=graphc.float64, requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.dtype == graphc.float64
    graphc.set_default_dtype(graphc.float64)
    try:
        assert graphc.rand(2).dtype == graphc.float64
    finally:
        graphc.set_default_dtype(graphc.float32)
    assert graphc.randint(0, 3, (2,), dtype=graphc.int32).dtype == graphc.int32


def test_generator_argument_is_its_own_stream():
    g1 = graphc.Generator().manual_seed(5)
    g2 = graphc.Generator().manual_seed(5)
    graphc.randn(10)  # the default stream moving on does not affect g1/g2
    assert graphc.equal(graphc.randn(4, generator=g1), graphc.randn(4, generator=g2))


def test_distributions():
    graphc.manual_seed(0)
    n = 40000
    u = graphc.rand(n, dtype=graphc.float64).numpy()
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    z = graphc.randn(n, dtype=graphc.float64).numpy()
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02
    y = graphc.normal(2.0, 3.0, (n,), dtype=graphc.float64).numpy()
    assert abs(y.mean() - 2) < 0.06 and abs(y.std() - 3) < 0.06
    k = graphc.randint(-2, 3, (n,)).numpy()
    assert set(np.unique(k)) == {-2, -1, 0, 1, 2}
    assert sorted(graphc.randperm(50).tolist()) == list(range(50))
    b = graphc.bernoulli(graphc.full((n,), 0.3, dtype=graphc.float64)).numpy()
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.3) < 0.01
    m = graphc.normal(graphc.tensor([0.0, 100.0]), graphc.tensor([1.0, 0.0]))
    assert m[1].item() == 100.0 and not m.requires_grad


def test_errors():
    with pytest.raises(DTypeError, match="floating"):
        graphc.randn(2, dtype=graphc.int64)
    with pytest.raises(GraphcRuntimeError, match="'from' to be less than 'to'"):
        graphc.randint(5, 5, (2,))
    with pytest.raises(GraphcRuntimeError, match="non-negative"):
        graphc.randperm(-1)
    with pytest.raises(GraphcRuntimeError, match="std >= 0.0"):
        graphc.normal(0.0, -1.0, (2,))
    with pytest.raises(DTypeError, match="floating point"):
        graphc.bernoulli(graphc.tensor([0, 1]))


def _noisy(x):
    """A reparameterized sample, as in a VAE: every sampler inside one function."""
    eps = graphc.randn_like(x)
    keep = graphc.bernoulli(graphc.full(tuple(x.shape), 0.8))
    shift = graphc.rand(*x.shape) + graphc.normal(0.0, 0.1, tuple(x.shape))
    pick = graphc.randint(0, 2, tuple(x.shape)) + graphc.randperm(x.shape[0])
    return ((x + x.exp() * eps) * keep + shift + pick).tanh()


def test_compiled_draws_equal_eager_draws():
    x = graphc.randn(5, dtype=graphc.float64, requires_grad=True)
    f = graphc.compile(_noisy)
    for _ in range(3):  # the first call (trace, then run) and cached calls alike
        graphc.manual_seed(11)
        want = _noisy(x)
        (want_grad,) = graphc.autograd.grad(want.sum(), x)
        graphc.manual_seed(11)
        got = f(x)
        (got_grad,) = graphc.autograd.grad(got.sum(), x)
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
        np.testing.assert_allclose(got_grad.numpy(), want_grad.numpy(), rtol=1e-12)
    assert not graphc.equal(f(x), f(x))  # each run draws anew
    assert f.cache_info().misses == 1
    text = str(f.graph)
    for op in ("randn[", "bernoulli[", "rand[", "normal[", "randint[", "randperm["):
        assert op in text


def test_compiled_create_graph_sees_the_same_draws():
    x = graphc.randn(5, dtype=graphc.float64, requires_grad=True)
    f = graphc.compile(_noisy)
    graphc.manual_seed(2)
    y = f(x)
    (g1,) = graphc.autograd.grad(y.sum(), x, retain_graph=True)
    (g2,) = graphc.autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g2.detach().numpy(), g1.numpy(), rtol=1e-12)
    assert g2.requires_grad


def test_graphc_grad_of_a_sampling_function():
    x = graphc.randn(4, dtype=graphc.float64)
    graphc.manual_seed(4)
    got = graphc.grad(lambda x: _noisy(x).sum())(x)
    graphc.manual_seed(4)
    xe = x.detach().requires_grad_(True)
    (want,) = graphc.autograd.grad(_noisy(xe).sum(), xe)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_eager_only_draws_still_refuse_tracing():
    def f(x):
        return x + graphc.multinomial(graphc.ones(3), 1).float()
    with pytest.raises(graphc.errors.TraceError, match="drawing random numbers"):
        graphc.compile(f)(graphc.zeros(1))


def test_rng_state_round_trip():
    """``get_rng_state``/``set_rng_state`` (the reproducibility note): a uint8 tensor, as
    PyTorch's ByteTensor, that replays the stream; generators have the same pair."""
    graphc.manual_seed(5)
    state = graphc.get_rng_state()
    assert state.dtype is graphc.uint8 and state.ndim == 1
    a = graphc.rand(4)
    graphc.set_rng_state(state)
    assert graphc.equal(a, graphc.rand(4))
    g = graphc.Generator().manual_seed(1)
    saved = g.get_state()
    b = graphc.randn(3, generator=g)
    g.set_state(saved)
    assert graphc.equal(b, graphc.randn(3, generator=g))
    with pytest.raises(TypeError, match="ByteTensor"):
        graphc.set_rng_state({"not": "a tensor"})
    with pytest.raises(ValueError, match="not a state from get_state"):
        graphc.set_rng_state(graphc.tensor([1, 2], dtype=graphc.uint8))


@pytest.mark.gpu
def test_same_numbers_on_gpu():
    for fn in (lambda d: graphc.randn(4, device=d), lambda d: graphc.randint(0, 9, (4,), device=d)):
        graphc.manual_seed(1)
        cpu = fn("cpu")
        graphc.manual_seed(1)
        gpu = fn("cuda")
        assert gpu.device.type == "cuda" and graphc.equal(gpu.cpu(), cpu)
