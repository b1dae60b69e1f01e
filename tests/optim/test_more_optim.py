"""Adagrad, Adamax, NAdam, RAdam, Adadelta, Rprop, ASGD and LBFGS against torch.optim.

Same pattern as ``test_optim.py``: identical float64 parameters and loss in both libraries, the
parameters compared after every step (to 1e-12), then the optimizer state and param groups.
"""
from __future__ import annotations

import io

import numpy as np
import pytest

import graphc
from graphc.errors import GraphcValueError

torch = pytest.importorskip("torch")

from .test_optim import _arrays, _host, _loss, _make, _train  # noqa: E402

TOL = 1e-12

CASES = {
    "Adagrad": [
        dict(),
        dict(lr=0.1, lr_decay=0.05),
        dict(lr=0.1, initial_accumulator_value=0.3, eps=1e-6),
        dict(lr=0.1, weight_decay=0.1, maximize=True),
    ],
    "Adamax": [
        dict(),
        dict(lr=0.05, betas=(0.5, 0.9)),
        dict(lr=0.05, weight_decay=0.1, eps=1e-3),
        dict(lr=0.05, maximize=True),
    ],
    "NAdam": [
        dict(),
        dict(lr=0.05, momentum_decay=0.1),
        dict(lr=0.05, weight_decay=0.1),
        dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
        dict(lr=0.05, betas=(0.5, 0.9), maximize=True),
    ],
    "RAdam": [
        dict(),
        dict(lr=0.05, betas=(0.9, 0.5)),  # rho_t > 5 from step 6 on: both branches run
        dict(lr=0.05, betas=(0.5, 0.6), weight_decay=0.1),
        dict(lr=0.05, betas=(0.5, 0.6), weight_decay=0.1, decoupled_weight_decay=True),
        dict(lr=0.05, betas=(0.5, 0.6), maximize=True),
    ],
    "Adadelta": [
        dict(),
        dict(lr=0.5, rho=0.5, eps=1e-3),
        dict(lr=0.5, weight_decay=0.1),
        dict(lr=0.5, maximize=True),
    ],
    "Rprop": [
        dict(),
        dict(lr=0.1, etas=(0.3, 1.5)),
        dict(lr=0.1, step_sizes=(0.05, 0.2)),
        dict(lr=0.1, maximize=True),
    ],
    "ASGD": [
        dict(),
        dict(lr=0.05, lambd=0.01, alpha=0.5, t0=3),
        dict(lr=0.05, t0=0, weight_decay=0.1),
        dict(lr=0.05, t0=2, maximize=True),
    ],
}


def _compare(name, kwargs, steps=10, groups=None):
    g_opt, _, g_traj = _train(graphc, getattr(graphc.optim, name), kwargs, steps, groups=groups)
    t_opt, _, t_traj = _train(torch, getattr(torch.optim, name), kwargs, steps, groups=groups)
    for step, (gs, ts) in enumerate(zip(g_traj, t_traj)):
        for g, t in zip(gs, ts):
            np.testing.assert_allclose(g, t, rtol=0, atol=TOL, err_msg=f"step {step + 1}")
    g_sd, t_sd = g_opt.state_dict(), t_opt.state_dict()
    assert g_sd["state"].keys() == t_sd["state"].keys()
    for k in t_sd["state"]:
        assert list(g_sd["state"][k]) == list(t_sd["state"][k])
        for key, tv in t_sd["state"][k].items():
            gv = g_sd["state"][k][key]
            assert gv.dtype.itemsize == tv.dtype.itemsize, key
            np.testing.assert_allclose(_host(gv), _host(tv), rtol=0, atol=TOL, err_msg=key)
    assert g_sd["param_groups"] == t_sd["param_groups"]
    return g_opt


@pytest.mark.parametrize("name,kwargs", [(n, k) for n, cases in CASES.items() for k in cases],
                         ids=lambda v: str(v))
def test_matches_torch(name, kwargs):
    _compare(name, kwargs)


@pytest.mark.parametrize("name", list(CASES))
def test_param_groups_with_different_options(name):
    def groups(params):
        return [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.003}]
    opt = _compare(name, dict(lr=0.03), groups=groups)
    assert [g["lr"] for g in opt.param_groups] == [0.03, 0.003]


@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name):
    g = getattr(graphc.optim, name)([graphc.ones(2, requires_grad=True)])
    t = getattr(torch.optim, name)([torch.ones(2, requires_grad=True)])
    assert repr(g) == repr(t)


def test_adagrad_state_exists_before_the_first_step():
    a, b = graphc.ones(2, requires_grad=True), graphc.ones(3, requires_grad=True)
    opt = graphc.optim.Adagrad([a], initial_accumulator_value=0.5)
    assert list(opt.state_dict()["state"][0]) == ["step", "sum"]
    np.testing.assert_array_equal(opt.state[a]["sum"].numpy(), [0.5, 0.5])
    opt.add_param_group({"params": [b], "initial_accumulator_value": 9.0})
    b.grad = graphc.zeros(3)
    opt.step()  # like PyTorch, a late group's accumulator starts from the constructor's value
    np.testing.assert_array_equal(opt.state[b]["sum"].numpy(), [0.5, 0.5, 0.5])


def _resumed(lib, name, kwargs):
    """5 steps, state_dict (through ``graphc.save`` for graphc), fresh parameters and optimizer,
    load, 5 more steps; returns the last 5 steps' parameters."""
    cls = getattr(lib.optim, name)
    _, consts = _arrays()
    opt, params, _ = _train(lib, cls, kwargs, steps=5)
    sd, values = opt.state_dict(), [_host(p) for p in params]
    if lib is graphc:
        buf = io.BytesIO()
        graphc.save({"optim": sd, "params": params}, buf)
        buf.seek(0)
        loaded = graphc.load(buf)
        sd, values = loaded["optim"], [_host(p) for p in loaded["params"]]
    params2 = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in values]
    cs = [(lib.tensor(c, dtype=lib.float64), lib.tensor(t, dtype=lib.float64))
          for c, t in consts]
    opt2 = cls(params2, **kwargs)
    opt2.load_state_dict(sd)
    traj = []
    for _ in range(5):
        opt2.zero_grad()
        _loss(params2, cs).backward()
        opt2.step()
        traj.append([_host(p) for p in params2])
    return traj


def _roundtrip(name, kwargs):
    """Resuming continues as PyTorch's resumed run does (to 1e-12), and as the uninterrupted
    run (to 1e-9: like PyTorch, loading casts float32 scalar state such as NAdam's
    ``mu_product`` to the parameters' float64, which changes the last bits)."""
    _, _, full = _train(graphc, getattr(graphc.optim, name), kwargs, steps=10)
    got, ref = _resumed(graphc, name, kwargs), _resumed(torch, name, kwargs)
    for step in range(5):
        for g, r, f in zip(got[step], ref[step], full[5 + step]):
            np.testing.assert_allclose(g, r, rtol=0, atol=1e-12)
            np.testing.assert_allclose(g, f, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name,kwargs", [
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adamax", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.5))),
    ("Adadelta", dict(lr=0.5)),
    ("Rprop", dict(lr=0.1)),
    ("ASGD", dict(lr=0.05, t0=3)),
])
def test_state_dict_round_trip_continues_training(name, kwargs):
    _roundtrip(name, kwargs)


@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_float32_matches_torch(name):
    """float32 parameters stay float32, and the float32 scalar state (NAdam's ``mu_product``,
    ASGD's ``eta``/``mu``) rounds as PyTorch's does."""
    init, consts = _arrays()
    out = {}
    for lib in (graphc, torch):
        params = [lib.tensor(a, dtype=lib.float32, requires_grad=True) for a in init]
        cs = [(lib.tensor(c, dtype=lib.float32), lib.tensor(t, dtype=lib.float32))
              for c, t in consts]
        opt = getattr(lib.optim, name)(params, lr=0.05)
        for _ in range(8):
            opt.zero_grad()
            _loss(params, cs).backward()
            opt.step()
        out[lib.__name__] = [_host(p) for p in params]
        assert all(p.dtype == lib.float32 for p in params)
    for g, t in zip(out["graphc"], out["torch"]):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, t, rtol=0, atol=1e-6)


# -- LBFGS ----------------------------------------------------------------------------------
def _lbfgs_run(lib, kwargs, steps, state=None, device="cpu"):
    init, consts = _arrays()
    params, cs = _make(lib, init, consts, device)
    opt = lib.optim.LBFGS(params, **kwargs)
    if state is not None:
        with lib.no_grad():
            for p, v in zip(params, state["params"]):
                p.copy_(lib.tensor(v))
        opt.load_state_dict(state["optim"])

    def closure():
        opt.zero_grad()
        loss = _loss(params, cs)
        loss.backward()
        return loss
    traj, losses = [], []
    for _ in range(steps):
        losses.append(float(opt.step(closure).detach()))
        traj.append([_host(p) for p in params])
    return opt, params, traj, losses


def _same_state(g, t):
    if isinstance(t, torch.Tensor):
        np.testing.assert_allclose(_host(g), _host(t), rtol=1e-9, atol=1e-11)
    elif isinstance(t, list):
        assert isinstance(g, list) and len(g) == len(t)
        for gv, tv in zip(g, t):
            _same_state(gv, tv)
    elif t is None:
        assert g is None
    else:
        assert float(g) == pytest.approx(float(t), rel=1e-9, abs=1e-12)


LBFGS_CASES = [
    dict(),
    dict(lr=0.5, max_iter=5),
    dict(lr=1, max_iter=4, history_size=3),
    dict(line_search_fn="strong_wolfe"),
    dict(lr=0.8, max_iter=6, history_size=2, line_search_fn="strong_wolfe"),
    dict(max_iter=3, max_eval=5, line_search_fn="strong_wolfe"),
]


@pytest.mark.parametrize("kwargs", LBFGS_CASES, ids=str)
def test_lbfgs_matches_torch(kwargs):
    g_opt, _, g_traj, g_losses = _lbfgs_run(graphc, kwargs, steps=4)
    t_opt, _, t_traj, t_losses = _lbfgs_run(torch, kwargs, steps=4)
    np.testing.assert_allclose(g_losses, t_losses, rtol=1e-10)
    for step, (gs, ts) in enumerate(zip(g_traj, t_traj)):
        for g, t in zip(gs, ts):
            np.testing.assert_allclose(g, t, rtol=0, atol=1e-10, err_msg=f"step {step + 1}")
    g_sd, t_sd = g_opt.state_dict(), t_opt.state_dict()
    assert list(g_sd["state"][0]) == list(t_sd["state"][0])
    for key, tv in t_sd["state"][0].items():
        _same_state(g_sd["state"][0][key], tv)
    assert g_sd["param_groups"] == t_sd["param_groups"]


@pytest.mark.parametrize("kwargs", [dict(max_iter=4, history_size=3),
                                    dict(max_iter=4, line_search_fn="strong_wolfe")], ids=str)
def test_lbfgs_state_dict_round_trip_continues_training(kwargs):
    _, _, full, _ = _lbfgs_run(graphc, kwargs, steps=4)
    opt, params, _, _ = _lbfgs_run(graphc, kwargs, steps=2)
    buf = io.BytesIO()
    graphc.save({"optim": opt.state_dict(), "params": [_host(p) for p in params]}, buf)
    buf.seek(0)
    _, _, rest, _ = _lbfgs_run(graphc, kwargs, steps=2, state=graphc.load(buf))
    for got, ref in zip(rest, full[2:]):
        for g, r in zip(got, ref):
            np.testing.assert_allclose(g, r, rtol=0, atol=1e-12)


def test_lbfgs_refuses_groups_and_unknown_line_search():
    a, b = graphc.ones(2, requires_grad=True), graphc.ones(2, requires_grad=True)
    with pytest.raises(GraphcValueError, match="per-parameter options"):
        graphc.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    opt = graphc.optim.LBFGS([a], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


def test_lbfgs_stops_at_an_optimum():
    p = graphc.zeros(3, dtype=graphc.float64, requires_grad=True)
    opt = graphc.optim.LBFGS([p])

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    assert float(opt.step(closure)) == 0.0
    assert opt.state[p] == {"func_evals": 1, "n_iter": 0}


@pytest.mark.parametrize("name,kwargs", [
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1)),
    ("Adamax", dict(lr=0.05, maximize=True)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.5))),
    ("Adadelta", dict(lr=0.5)),
    ("Rprop", dict(lr=0.1)),
    ("ASGD", dict(lr=0.05, t0=3)),
])
def test_on_device(device, name, kwargs):
    _, g_params, _ = _train(graphc, getattr(graphc.optim, name), kwargs, steps=5, device=device)
    _, t_params, _ = _train(torch, getattr(torch.optim, name), kwargs, steps=5)
    for g, t in zip(g_params, t_params):
        assert str(g.device).startswith(device)
        np.testing.assert_allclose(_host(g), _host(t), rtol=0, atol=1e-10)


@pytest.mark.parametrize("kwargs", [dict(max_iter=5), dict(line_search_fn="strong_wolfe")],
                         ids=str)
def test_lbfgs_on_device(device, kwargs):
    _, g_params, _, _ = _lbfgs_run(graphc, kwargs, steps=2, device=device)
    _, t_params, _, _ = _lbfgs_run(torch, kwargs, steps=2)
    for g, t in zip(g_params, t_params):
        assert str(g.device).startswith(device)
        np.testing.assert_allclose(_host(g), _host(t), rtol=0, atol=1e-10)


# -- invalid arguments ----------------------------------------------------------------------
INVALID = [
    ("Adagrad", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1),
     "Invalid initial_accumulator_value value: -1"),
    ("Adagrad", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adamax", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    ("Adamax", dict(eps=-1), "Invalid epsilon value: -1"),
    ("NAdam", dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
    ("NAdam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("RAdam", dict(lr=-1), "Invalid learning rate: -1"),
    ("RAdam", dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adadelta", dict(lr=-1), "Invalid learning rate: -1"),
    ("Rprop", dict(etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
    ("Rprop", dict(etas=(0.5, 0.9)), "Invalid eta values: 0.5, 0.9"),
    ("Rprop", dict(lr=-1), "Invalid learning rate: -1"),
    ("ASGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("ASGD", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("LBFGS", dict(lr=-1), "Invalid learning rate: -1"),
]


@pytest.mark.parametrize("name,kwargs,match", INVALID, ids=str)
def test_invalid_arguments_raise_like_torch(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **kwargs)
    with pytest.raises(GraphcValueError, match=match):
        getattr(graphc.optim, name)([graphc.ones(2, requires_grad=True)], **kwargs)
