"""Recurrent layers (RNN, LSTM, GRU, the cells) and ``nn.utils.rnn`` padding/packing.

Against ``torch.nn`` with torch's weights loaded through ``load_state_dict`` (float64): outputs,
final states and the gradients of the input, h_0/c_0 and every parameter; then names, repr,
checkpoints, a short Adam training run, ``graphc.compile`` against eager, and the errors. Tests
that need no reference run without PyTorch.
"""
from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import graphc
import graphc.nn as nn
from graphc import errors
from graphc.nn.utils import rnn as grnn

try:
    import torch
    from torch.nn.utils import rnn as trnn
except ImportError:
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch not installed")

ATOL, RTOL = 1e-10, 1e-8
I, H = 3, 5  # input_size, hidden_size


def _make(lib, kind: str, **kw):
    """``kind``: a class name, or "RNN_relu" / "LSTM_proj" for the variants."""
    if kind == "RNN_relu":
        return lib.RNN(I, H, nonlinearity="relu", **kw)
    if kind == "LSTM_proj":
        return lib.LSTM(I, H, proj_size=2, **kw)
    return getattr(lib, kind)(I, H, **kw)


def _load_from_torch(gm, tm) -> None:
    res = gm.load_state_dict({k: graphc.tensor(v.detach().numpy())
                              for k, v in tm.state_dict().items()})
    assert res.missing_keys == [] and res.unexpected_keys == []


def _pair(kind: str, **kw):
    torch.manual_seed(0)
    tm = _make(torch.nn, kind, **kw).double()
    gm = _make(nn, kind, **kw).double()
    _load_from_torch(gm, tm)
    return gm, tm


def _close(g, t, what: str) -> None:
    assert g is not None, f"{what}: graphc has no value where torch has one"
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=RTOL, atol=ATOL,
                               err_msg=what)


def _leaves(out):
    """The tensors of a result in a fixed order: output, then h_n (and c_n)."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _leaves(o)]
    return [out]


def _compare(gm, tm, arrays: dict, call, rng) -> None:
    """Run ``call(module, lib, inputs)`` on both; compare results and every gradient."""
    g_in = {k: graphc.tensor(a, requires_grad=True) for k, a in arrays.items()}
    t_in = {k: torch.tensor(a, requires_grad=True) for k, a in arrays.items()}
    g_out, t_out = _leaves(call(gm, graphc, g_in)), _leaves(call(tm, torch, t_in))
    assert len(g_out) == len(t_out)
    for n, (g, t) in enumerate(zip(g_out, t_out)):
        assert tuple(g.shape) == tuple(t.shape), f"result {n}"
        _close(g, t, f"result {n}")
    ups = [rng.standard_normal(tuple(t.shape)) for t in t_out]
    sum((g * graphc.tensor(u)).sum() for g, u in zip(g_out, ups)).backward()
    sum((t * torch.tensor(u)).sum() for t, u in zip(t_out, ups)).backward()
    for k in arrays:
        _close(g_in[k].grad, t_in[k].grad, f"grad of {k}")
    gparams = dict(gm.named_parameters())
    for name, tp in tm.named_parameters():
        _close(gparams[name].grad, tp.grad, f"grad of {name}")


def _state_arrays(kind, rng, rows, batch, batched):
    """h_0 (and c_0) as NumPy arrays, 2-D for unbatched input."""
    lead = (rows, batch) if batched else (rows,)
    h = rng.standard_normal(lead + (2 if kind == "LSTM_proj" else H,))
    if kind.startswith("LSTM"):
        return {"h0": h, "c0": rng.standard_normal(lead + (H,))}
    return {"h0": h}


def _hx(kind, inputs):
    if "h0" not in inputs:
        return None
    return (inputs["h0"], inputs["c0"]) if kind.startswith("LSTM") else inputs["h0"]


# -- layers against torch --------------------------------------------------------------------
KINDS = ["RNN", "RNN_relu", "LSTM", "GRU", "LSTM_proj"]
GRID = list(itertools.product([False, True], [False, True], [1, 2], [False, True],
                              [True, False]))


@needs_torch
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch_first,bidirectional,num_layers,with_h0,batched", GRID,
                         ids=[f"bf{int(a)}-bi{int(b)}-L{c}-h0{int(d)}-{'b' if e else 'u'}"
                              for a, b, c, d, e in GRID])
def test_layer_matches_torch(kind, batch_first, bidirectional, num_layers, with_h0, batched):
    rng = np.random.default_rng(1)
    gm, tm = _pair(kind, num_layers=num_layers, batch_first=batch_first,
                   bidirectional=bidirectional)
    T, B = 4, 3
    shape = ((B, T) if batch_first else (T, B)) if batched else (T,)
    arrays = {"x": rng.standard_normal(shape + (I,))}
    if with_h0:
        arrays.update(_state_arrays(kind, rng, num_layers * (1 + bidirectional), B, batched))
    _compare(gm, tm, arrays, lambda m, lib, a: m(a["x"], _hx(kind, a)), rng)


@needs_torch
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU", "LSTM_proj"])
def test_no_bias_and_three_layers_match_torch(kind):
    rng = np.random.default_rng(2)
    gm, tm = _pair(kind, num_layers=3, bias=False, bidirectional=True)
    _compare(gm, tm, {"x": rng.standard_normal((6, 2, I))}, lambda m, lib, a: m(a["x"]), rng)


@needs_torch
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_dropout_eval_matches_torch_and_train_p0_equals_eval(kind):
    rng = np.random.default_rng(3)
    gm, tm = _pair(kind, num_layers=3, dropout=0.5)
    gm.eval(), tm.eval()
    _compare(gm, tm, {"x": rng.standard_normal((4, 2, I))}, lambda m, lib, a: m(a["x"]), rng)
    x = graphc.tensor(rng.standard_normal((4, 2, I)))
    eval_out = _leaves(gm(x))
    gm.train()
    train_out = _leaves(gm(x))
    assert [tuple(t.shape) for t in train_out] == [tuple(t.shape) for t in eval_out]
    assert not graphc.allclose(train_out[0], eval_out[0])  # dropout acted between layers
    gm.dropout = 0.0
    for a, b in zip(_leaves(gm(x)), eval_out):
        assert graphc.equal(a, b)


@needs_torch
@pytest.mark.parametrize("kind,nonlinearity", [("RNNCell", "tanh"), ("RNNCell", "relu"),
                                               ("LSTMCell", None), ("GRUCell", None)])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_cell_matches_torch(kind, nonlinearity, batched, with_h0, bias):
    rng = np.random.default_rng(4)
    kw = {"bias": bias} if nonlinearity is None else {"bias": bias,
                                                      "nonlinearity": nonlinearity}
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(I, H, **kw).double()
    gm = getattr(nn, kind)(I, H, **kw).double()
    _load_from_torch(gm, tm)
    lead = (3,) if batched else ()
    arrays = {"x": rng.standard_normal(lead + (I,))}
    if with_h0:
        arrays["h0"] = rng.standard_normal(lead + (H,))
        if kind == "LSTMCell":
            arrays["c0"] = rng.standard_normal(lead + (H,))
    _compare(gm, tm, arrays, lambda m, lib, a: m(a["x"], _hx(kind, a)), rng)


def test_cell_unrolled_equals_layer():
    """A cell stepped by hand over a sequence gives the single-layer module's output."""
    for cell_kind, layer_kind in (("LSTMCell", "LSTM"), ("GRUCell", "GRU"), ("RNNCell", "RNN")):
        cell = getattr(nn, cell_kind)(I, H).double()
        layer = getattr(nn, layer_kind)(I, H).double()
        layer.load_state_dict({f"{k}_l0": v for k, v in cell.state_dict().items()})
        x = graphc.randn(4, 2, I, dtype=graphc.float64)
        state = None
        outs = []
        for t in range(4):
            state = cell(x[t], state)
            outs.append(state[0] if isinstance(state, tuple) else state)
        np.testing.assert_allclose(graphc.stack(outs).detach().numpy(),
                                   layer(x)[0].detach().numpy(), atol=1e-12)


# -- names, repr, init, checkpoints ----------------------------------------------------------
CONFIGS = [("RNN", {}), ("RNN_relu", {"num_layers": 2, "bias": False}),
           ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True,
                     "dropout": 0.25}),
           ("LSTM_proj", {"num_layers": 2, "bidirectional": True, "bias": False}),
           ("GRU", {"num_layers": 3, "bidirectional": True})]


@needs_torch
@pytest.mark.parametrize("kind,kw", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_parameters_repr_and_state_dict_like_torch(kind, kw):
    gm, tm = _pair(kind, **kw)
    assert [(n, tuple(p.shape)) for n, p in gm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    assert list(gm.state_dict()) == list(tm.state_dict())
    assert repr(gm) == repr(tm)
    assert gm._flat_weights_names == tm._flat_weights_names
    assert gm._all_weights == tm._all_weights
    assert [[tuple(w.shape) for w in ws] for ws in gm.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in tm.all_weights]
    # graphc -> torch: a graphc checkpoint loads into torch and gives torch's numbers.
    torch.manual_seed(1)
    fresh = _make(torch.nn, kind, **kw).double()
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in gm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4, I))
    gm.eval(), fresh.eval()
    for g, t in zip(_leaves(gm(graphc.tensor(x))), _leaves(fresh(torch.tensor(x)))):
        _close(g, t, "after round trip")


@needs_torch
@pytest.mark.parametrize("kind,kw", [("RNNCell", {"bias": False, "nonlinearity": "relu"}),
                                     ("LSTMCell", {}), ("GRUCell", {"bias": False})])
def test_cell_parameters_and_repr_like_torch(kind, kw):
    tm, gm = getattr(torch.nn, kind)(I, H, **kw), getattr(nn, kind)(I, H, **kw)
    assert [(n, tuple(p.shape)) for n, p in gm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in tm.named_parameters()]
    assert repr(gm) == repr(tm)


def test_default_init_is_uniform_within_one_over_sqrt_hidden():
    graphc.manual_seed(0)
    bound = 1 / np.sqrt(16)
    for m in (nn.LSTM(3, 16, 2, bidirectional=True, proj_size=4), nn.GRU(3, 16),
              nn.RNNCell(3, 16), nn.LSTMCell(3, 16)):
        for name, p in m.named_parameters():
            a = p.detach().numpy()
            assert a.dtype == np.float32, name
            assert np.abs(a).max() <= bound and np.abs(a).max() > 0.8 * bound, name
            assert len(np.unique(a)) == a.size, name


def test_shapes_without_torch():
    m = nn.LSTM(3, 6, num_layers=2, bidirectional=True, batch_first=True, proj_size=2)
    out, (h, c) = m(graphc.randn(4, 7, 3))
    assert tuple(out.shape) == (4, 7, 4) and tuple(h.shape) == (4, 4, 2)
    assert tuple(c.shape) == (4, 4, 6)
    out, h = nn.GRU(3, 6)(graphc.randn(7, 3))
    assert tuple(out.shape) == (7, 6) and tuple(h.shape) == (1, 6)
    assert tuple(nn.RNNCell(3, 6)(graphc.randn(3)).shape) == (6,)
    h, c = nn.LSTMCell(3, 6)(graphc.randn(2, 3))
    assert tuple(h.shape) == tuple(c.shape) == (2, 6)
    assert nn.GRU(3, 4, dtype=graphc.float64).weight_hh_l0.dtype == graphc.float64


def test_dropout_warning_with_one_layer():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(3, 4, num_layers=2, dropout=0.2)


@pytest.mark.parametrize("make", [lambda: nn.GRU(2, 3, bidirectional=True),
                                  lambda: nn.LSTM(2, 3, proj_size=2),
                                  lambda: nn.RNN(2, 3, num_layers=2, nonlinearity="relu")])
def test_grads_twice_differentiable(make):
    m = make().double()
    x = graphc.randn(3, 2, 2, dtype=graphc.float64, requires_grad=True)
    assert graphc.autograd.gradcheck(lambda a: m(a)[0], (x,))
    assert graphc.autograd.gradgradcheck(lambda a: m(a)[0], (x,))


# -- training and compile ------------------------------------------------------------------
def _tagger(lib, kind):
    """A sequence model: a 2-layer bidirectional LSTM or GRU, a linear head on every step."""
    class Tagger(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = getattr(lib.nn, kind)(2, 8, num_layers=2, batch_first=True,
                                             bidirectional=True)
            self.head = lib.nn.Linear(16, 1)

        def forward(self, x):
            return self.head(self.rnn(x)[0]).squeeze(-1)
    return Tagger()


@needs_torch
@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_adam_training_losses_equal_torch(kind):
    """Running sums of a random ±1 sequence: a few Adam steps, same loss every step."""
    rng = np.random.default_rng(5)
    x = rng.choice([-1.0, 1.0], size=(6, 9, 2))
    y = np.cumsum(x[..., 0] * x[..., 1], axis=1) / 3
    torch.manual_seed(0)
    tnet = _tagger(torch, kind).double()
    gnet = _tagger(graphc, kind).double()
    _load_from_torch(gnet, tnet)
    topt = torch.optim.Adam(tnet.parameters(), lr=0.01)
    gopt = graphc.optim.Adam(gnet.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        for net, opt, lib in ((tnet, topt, torch), (gnet, gopt, graphc)):
            opt.zero_grad()
            loss = ((net(lib.tensor(x)) - lib.tensor(y)) ** 2).mean()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    t_losses, g_losses = losses[0::2], losses[1::2]
    np.testing.assert_allclose(g_losses, t_losses, rtol=1e-9)
    assert t_losses[-1] < t_losses[0]


@pytest.mark.parametrize("kind,kw,with_h0", [
    ("LSTM", {"num_layers": 2, "bidirectional": True, "batch_first": True}, False),
    ("LSTM_proj", {"num_layers": 2}, True),
    ("GRU", {"bidirectional": True}, True),
    ("RNN_relu", {"num_layers": 2}, False)])
def test_compiled_equals_eager(kind, kw, with_h0):
    graphc.manual_seed(0)
    m = _make(nn, kind, **kw).double()
    compiled = graphc.compile(m)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 4, I))
    states = _state_arrays(kind, rng, m.num_layers * (1 + m.bidirectional), 3 if
                           m.batch_first else 4, True) if with_h0 else {}
    results = []
    for fn in (compiled, m):
        m.zero_grad()
        inputs = {"x": graphc.tensor(x, requires_grad=True),
                  **{k: graphc.tensor(v, requires_grad=True) for k, v in states.items()}}
        outs = _leaves(fn(inputs["x"], _hx(kind, inputs)))
        sum((o * (k + 1.5)).sum() for k, o in enumerate(outs)).backward()
        results.append([o.detach().numpy() for o in outs] +
                       [inputs[k].grad.numpy() for k in inputs] +
                       [p.grad.numpy() for p in m.parameters()])
    assert compiled.cache_info().misses == 1
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_compiled_cell_loop_equals_eager():
    graphc.manual_seed(0)
    cell = nn.LSTMCell(I, H).double()

    def run(x):
        state = None
        for t in range(x.shape[0]):
            state = cell(x[t], state)
        return state[0].sum() + state[1].sum()
    x = graphc.randn(5, 2, I, dtype=graphc.float64, requires_grad=True)
    got = graphc.compile(run)(x)
    got.backward()
    gx = x.grad.clone()
    x.grad = None
    want = run(x)
    want.backward()
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-12)
    np.testing.assert_allclose(gx.numpy(), x.grad.numpy(), rtol=1e-12, atol=1e-14)


# -- errors --------------------------------------------------------------------------------
def _raises(exc, match, fn):
    with pytest.raises(exc, match=match) as info:
        fn()
    assert isinstance(info.value, errors.GraphcError)
    return info.value


LAYER_ERRORS = [
    ("GRU", lambda m: m(graphc.randn(3, 2, 4)), errors.ShapeError,
     r"GRU: input.size\(-1\) must be equal to input_size. Expected 3, got 4"),
    ("GRU", lambda m: m(graphc.randn(3, 2, 3, 1)), ValueError,
     "GRU: Expected input to be 2D or 3D, got 4D instead"),
    ("RNN", lambda m: m(graphc.randn(3, 2, 3), graphc.randn(2, 3, 5)), RuntimeError,
     r"RNN: Expected hidden size \(2, 2, 5\), got \[2, 3, 5\]"),
    ("RNN", lambda m: m(graphc.randn(3, 2, 3), graphc.randn(2, 5)), RuntimeError,
     "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
    ("GRU", lambda m: m(graphc.randn(3, 3), graphc.randn(2, 1, 5)), RuntimeError,
     "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"),
    ("LSTM", lambda m: m(graphc.randn(3, 2, 3), (graphc.randn(2, 2, 5), graphc.randn(2, 3, 5))),
     RuntimeError, r"LSTM: Expected hidden\[1\] size \(2, 2, 5\), got \[2, 3, 5\]"),
    ("LSTM", lambda m: m(graphc.randn(3, 2, 3), (graphc.randn(2, 2, 5), graphc.randn(2, 5))),
     RuntimeError, r"hx and cx should also be 3-D but got \(3-D, 2-D\) tensors"),
    ("LSTM", lambda m: m(graphc.randn(3, 2, 3), graphc.randn(2, 2, 5)), TypeError,
     r"LSTM: hx must be a tuple \(h_0, c_0\)"),
    ("LSTM", lambda m: m(graphc.randn(3, 2, 3, dtype=graphc.float64)), ValueError,
     r"RNN input dtype \(graphc.float64\) does not match weight dtype \(graphc.float32\)"),
]


@pytest.mark.parametrize("kind,call,exc,match", LAYER_ERRORS)
def test_layer_errors(kind, call, exc, match):
    _raises(exc, match, lambda: call(getattr(nn, kind)(3, 5, num_layers=2)))


CELL_ERRORS = [
    ("LSTMCell", lambda m: m(graphc.randn(3, 6)), RuntimeError,
     "LSTMCell: input has inconsistent input_size: got 6 expected 3"),
    ("GRUCell", lambda m: m(graphc.randn(3, 3), graphc.randn(2, 5)), RuntimeError,
     "Input batch size 3 doesn't match hidden0 batch size 2"),
    ("LSTMCell", lambda m: m(graphc.randn(3, 3), (graphc.randn(3, 5), graphc.randn(3, 6))),
     RuntimeError, "hidden1 has inconsistent hidden_size: got 6, expected 5"),
    ("GRUCell", lambda m: m(graphc.randn(3, 3, 1)), ValueError,
     "GRUCell: Expected input to be 1D or 2D, got 3D instead"),
    ("RNNCell", lambda m: m(graphc.randn(3, 3), graphc.randn(1, 3, 5)), ValueError,
     "RNNCell: Expected hidden to be 1D or 2D, got 3D instead"),
    ("LSTMCell", lambda m: m(graphc.randn(3), (graphc.randn(2, 5), graphc.randn(2, 5))),
     RuntimeError, "For unbatched 1-D input, hx should also be 1-D"),
]


@pytest.mark.parametrize("kind,call,exc,match", CELL_ERRORS)
def test_cell_errors(kind, call, exc, match):
    _raises(exc, match, lambda: call(getattr(nn, kind)(3, 5)))


@pytest.mark.parametrize("make,exc,match", [
    (lambda: nn.RNN(3, 4, nonlinearity="gelu"), ValueError, "Unknown nonlinearity 'gelu'"),
    (lambda: nn.GRU(3, 4, proj_size=2), ValueError, "proj_size argument is only supported"),
    (lambda: nn.LSTM(3, 4, proj_size=4), ValueError, "proj_size has to be smaller"),
    (lambda: nn.LSTM(3, 4, proj_size=-1), ValueError, "proj_size should be a positive"),
    (lambda: nn.LSTM(3, 4, dropout=1.5), ValueError, r"dropout should be a number in range"),
    (lambda: nn.LSTM(3, 0), ValueError, "hidden_size must be greater than zero"),
    (lambda: nn.LSTM(3, 4, num_layers=0), ValueError, "num_layers must be greater than zero"),
    (lambda: nn.LSTM(3.0, 4), TypeError, "input_size should be of type int, got: float"),
    (lambda: nn.LSTM(3, 4, bias=1), TypeError, "bias should be of type bool"),
    (lambda: nn.RNNCell(3, 4, nonlinearity="gelu"), ValueError, "Unknown nonlinearity"),
])
def test_constructor_errors(make, exc, match):
    _raises(exc, match, make)


@needs_torch
@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.GRU(3, 5, num_layers=2)(lib.randn(3, 2, 4)),
    lambda lib: lib.nn.RNN(3, 5, num_layers=2)(lib.randn(3, 2, 3), lib.randn(2, 3, 5)),
    lambda lib: lib.nn.LSTM(3, 5)(lib.randn(3, 2, 3), (lib.randn(1, 2, 5), lib.randn(1, 5))),
    lambda lib: lib.nn.GRU(3, 5)(lib.randn(2, 2, 2, 3)),
    lambda lib: lib.nn.LSTMCell(3, 5)(lib.randn(2, 4)),
    lambda lib: lib.nn.GRUCell(3, 5)(lib.randn(2, 3), lib.randn(3, 5)),
])
def test_errors_are_torchs_exception_types_and_text(make):
    with pytest.raises(Exception) as t_info:
        make(torch)
    with pytest.raises(type(t_info.value)) as g_info:
        make(graphc)
    assert str(t_info.value) in str(g_info.value)


# -- padding and packing ---------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, side):
    rng = np.random.default_rng(7)
    seqs = [rng.standard_normal((n, 2, 3)) for n in (3, 5, 1)]
    g_in = [graphc.tensor(s, requires_grad=True) for s in seqs]
    t_in = [torch.tensor(s, requires_grad=True) for s in seqs]
    g = grnn.pad_sequence(g_in, batch_first, -2.0, side)
    t = trnn.pad_sequence(t_in, batch_first, -2.0, side)
    _close(g, t, "padded")
    up = rng.standard_normal(tuple(t.shape))
    (g * graphc.tensor(up)).sum().backward()
    (t * torch.tensor(up)).sum().backward()
    for a, b in zip(g_in, t_in):
        _close(a.grad, b.grad, "grad")


@needs_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 4, 2, 2], True),
                                                    ([3, 5, 1, 4], False),
                                                    ([2, 5, 2, 5], False)])
def test_pack_and_pad_packed_match_torch(batch_first, lengths, enforce_sorted):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 5, 2) if batch_first else (5, 4, 2))
    gx, tx = graphc.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    gp = grnn.pack_padded_sequence(gx, lengths, batch_first, enforce_sorted)
    tp = trnn.pack_padded_sequence(tx, torch.tensor(lengths), batch_first, enforce_sorted)
    _close(gp.data, tp.data, "packed data")
    assert gp.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for name in ("sorted_indices", "unsorted_indices"):
        g, t = getattr(gp, name), getattr(tp, name)
        assert (g is None and t is None) or g.tolist() == t.tolist(), name
    g_pad, g_len = grnn.pad_packed_sequence(gp, batch_first, 0.5, total_length=7)
    t_pad, t_len = trnn.pad_packed_sequence(tp, batch_first, 0.5, total_length=7)
    _close(g_pad, t_pad, "padded")
    assert g_len.tolist() == t_len.tolist() and g_len.dtype == graphc.int64
    up = rng.standard_normal(tuple(t_pad.shape))
    (g_pad * graphc.tensor(up)).sum().backward()
    (t_pad * torch.tensor(up)).sum().backward()
    _close(gx.grad, tx.grad, "grad through pack and pad")
    g_seqs = grnn.unpack_sequence(grnn.pack_sequence([graphc.tensor(s) for s in
                                                      (x[:2], x[:4], x[:1])], False))
    assert [tuple(s.shape) for s in g_seqs] == [(2,) + x.shape[1:], (4,) + x.shape[1:],
                                               (1,) + x.shape[1:]]


@needs_torch
@pytest.mark.parametrize("kind,kw", [("LSTM", {"num_layers": 2, "bidirectional": True}),
                                     ("GRU", {"bidirectional": True}),
                                     ("RNN", {"num_layers": 2}),
                                     ("LSTM_proj", {"bidirectional": True})])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("with_h0", [True, False])
def test_packed_input_matches_torch(kind, kw, enforce_sorted, with_h0):
    rng = np.random.default_rng(9)
    gm, tm = _pair(kind, **kw)
    lengths = [5, 4, 2, 2] if enforce_sorted else [2, 5, 1, 4]
    arrays = {"x": rng.standard_normal((5, 4, I))}
    if with_h0:
        arrays.update(_state_arrays(kind, rng, gm.num_layers * (1 + gm.bidirectional), 4, True))

    def call(m, lib, a):
        utils = grnn if lib is graphc else trnn
        packed = utils.pack_padded_sequence(a["x"], lengths, enforce_sorted=enforce_sorted)
        out, state = m(packed, _hx(kind, a))
        assert type(out) is utils.PackedSequence
        padded, _ = utils.pad_packed_sequence(out)
        return padded, state
    _compare(gm, tm, arrays, call, rng)


def test_packing_inside_compile_equals_eager():
    """Lengths are Python values, so pack/unpack trace as index_selects."""
    graphc.manual_seed(0)
    m = nn.GRU(I, H, bidirectional=True).double()

    def run(x):
        out, h = m(grnn.pack_padded_sequence(x, [3, 5, 1], enforce_sorted=False))
        return grnn.pad_packed_sequence(out)[0].sum() + h.sum()
    x = graphc.randn(5, 3, I, dtype=graphc.float64)
    np.testing.assert_allclose(graphc.compile(run)(x).item(), run(x).item(), rtol=1e-12)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: grnn.pack_padded_sequence(graphc.randn(4, 3, 2), [2, 4, 1]), ValueError,
     "must be sorted in decreasing order"),
    (lambda: grnn.pack_padded_sequence(graphc.randn(4, 3, 2), [2, 1]), RuntimeError,
     r"Expected `len\(lengths\)` to be equal to batch_size, but got 2 \(batch_size=3\)"),
    (lambda: grnn.pack_padded_sequence(graphc.randn(4, 2, 2), [2, 0]), ValueError,
     "Length of all samples has to be greater than 0"),
    (lambda: grnn.pack_padded_sequence(graphc.randn(4, 2, 2), [6, 1]), RuntimeError,
     "exceeds the padded sequence length 4"),
    (lambda: grnn.pad_packed_sequence(grnn.pack_sequence([graphc.randn(3)]), total_length=2),
     ValueError, "Expected total_length to be at least the length of the longest sequence"),
    (lambda: grnn.pad_sequence([]), ValueError, "empty list of sequences"),
    (lambda: grnn.pad_sequence([graphc.randn(2, 3), graphc.randn(2, 4)]), RuntimeError,
     "every sequence must have shape"),
    (lambda: nn.GRU(2, 3)(grnn.pack_sequence([graphc.randn(3, 3)])), RuntimeError,
     r"GRU: input.size\(-1\) must be equal to input_size"),
])
def test_packing_errors(call, exc, match):
    _raises(exc, match, call)
