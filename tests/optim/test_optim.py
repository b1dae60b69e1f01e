"""graphc.optim against torch.optim: same parameters, same loss, same trajectories.

Each test builds the same float64 parameters in both libraries, computes the same loss with each
library's own autograd, and compares the parameters after every step (and the optimizer state at
the end). Schedulers are compared by their learning-rate sequences.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import graphc
from graphc.errors import GraphcValueError

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,)]
TOL = 1e-6


def _arrays(seed: int = 1):
    rng = np.random.default_rng(seed)
    init = [rng.uniform(-1, 1, s) for s in SHAPES]
    consts = [(rng.uniform(0.5, 2.0, s), rng.uniform(-1, 1, s)) for s in SHAPES]
    return init, consts


def _loss(params, consts):
    """A smooth non-quadratic loss, written once for both libraries."""
    total = 0.0
    for p, (c, t) in zip(params, consts):
        total = total + (c * (p - t) ** 2).sum() + (p * p * p).sum() * 0.05
    return total


def _make(lib, init, consts, device="cpu"):
    f64 = lib.float64
    params = [lib.tensor(a, dtype=f64, device=device, requires_grad=True) for a in init]
    cs = [(lib.tensor(c, dtype=f64, device=device), lib.tensor(t, dtype=f64, device=device))
          for c, t in consts]
    return params, cs


def _host(t) -> np.ndarray:
    if isinstance(t, graphc.Tensor):
        return graphc.ops.conversion.to_host(t).copy()
    return t.detach().cpu().numpy().copy()


def _train(lib, opt_cls, kwargs, steps=10, device="cpu", groups=None, seed=1):
    init, consts = _arrays(seed)
    params, cs = _make(lib, init, consts, device)
    opt = opt_cls(groups(params) if groups else params, **kwargs)
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(params, cs).backward()
        opt.step()
        traj.append([_host(p) for p in params])
    return opt, params, traj


def _compare(opt_name, kwargs, steps=10, device="cpu", groups=None):
    g_opt, g_params, g_traj = _train(graphc, getattr(graphc.optim, opt_name), kwargs, steps,
                                     device, groups)
    t_opt, t_params, t_traj = _train(torch, getattr(torch.optim, opt_name), kwargs, steps,
                                     groups=groups)
    for step, (gs, ts) in enumerate(zip(g_traj, t_traj)):
        for g, t in zip(gs, ts):
            np.testing.assert_allclose(g, t, rtol=0, atol=TOL, err_msg=f"step {step + 1}")
    # The optimizer state matches too: same keys, same values.
    g_sd, t_sd = g_opt.state_dict(), t_opt.state_dict()
    assert g_sd["state"].keys() == t_sd["state"].keys()
    for k in t_sd["state"]:
        assert list(g_sd["state"][k]) == list(t_sd["state"][k])
        for key, tv in t_sd["state"][k].items():
            np.testing.assert_allclose(_host(g_sd["state"][k][key]), _host(tv), atol=TOL)
    assert g_sd["param_groups"] == t_sd["param_groups"]
    return g_opt, g_params


SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.5),
    dict(lr=0.05, momentum=0.9, nesterov=True),
    dict(lr=0.05, momentum=0.8, weight_decay=0.1),
    dict(lr=0.05, weight_decay=0.1, maximize=True),
    dict(lr=0.02, momentum=0.5, nesterov=True, weight_decay=0.01, maximize=True),
]
ADAM_CASES = [
    dict(),
    dict(lr=0.05),
    dict(lr=0.05, amsgrad=True),
    dict(lr=0.05, weight_decay=0.1),
    dict(lr=0.05, amsgrad=True, weight_decay=0.1, maximize=True),
    dict(lr=0.05, betas=(0.4, 0.9), eps=1e-6),
]
ADAMW_CASES = [dict(), dict(lr=0.05, weight_decay=0.1, amsgrad=True), dict(lr=0.05, maximize=True)]
RMSPROP_CASES = [
    dict(),
    dict(lr=0.01, centered=True),
    dict(lr=0.01, momentum=0.9),
    dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1),
    dict(lr=0.01, alpha=0.9, eps=1e-4, maximize=True),
]


@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_matches_torch(kwargs):
    _compare("SGD", kwargs)


@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=str)
def test_adam_matches_torch(kwargs):
    _compare("Adam", kwargs)


@pytest.mark.parametrize("kwargs", ADAMW_CASES, ids=str)
def test_adamw_matches_torch(kwargs):
    _compare("AdamW", kwargs)


@pytest.mark.parametrize("kwargs", RMSPROP_CASES, ids=str)
def test_rmsprop_matches_torch(kwargs):
    _compare("RMSprop", kwargs)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_groups_with_different_options(name):
    extra = {"SGD": dict(momentum=0.9), "Adam": dict(amsgrad=False), "RMSprop": {}}[name]

    def groups(params):
        return [{"params": [params[0]]}, {"params": [params[1]], "lr": 0.003}]
    g_opt, _ = _compare(name, dict(lr=0.03, **extra), groups=groups)
    assert [g["lr"] for g in g_opt.param_groups] == [0.03, 0.003]


def test_float32_parameters_stay_float32():
    init, consts = _arrays()
    out = {}
    for lib in (graphc, torch):
        params = [lib.tensor(a, dtype=lib.float32, requires_grad=True) for a in init]
        cs = [(lib.tensor(c, dtype=lib.float32), lib.tensor(t, dtype=lib.float32))
              for c, t in consts]
        opt = lib.optim.Adam(params, lr=0.05)
        for _ in range(5):
            opt.zero_grad()
            _loss(params, cs).backward()
            opt.step()
        out[lib.__name__] = [_host(p) for p in params]
        assert all(p.dtype == lib.float32 for p in params)
        assert opt.state[params[0]]["exp_avg"].dtype == lib.float32
    for g, t in zip(out["graphc"], out["torch"]):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, t, atol=1e-5)


def test_step_skips_params_without_grad_and_bumps_version_once():
    a = graphc.ones(3, requires_grad=True)
    b = graphc.ones(2, requires_grad=True)
    opt = graphc.optim.SGD([a, b], lr=0.5, momentum=0.9)
    a.grad = graphc.ones(3)
    v_a, v_b = a._version, b._version
    opt.step()
    assert a._version == v_a + 1 and b._version == v_b
    np.testing.assert_allclose(a.detach().numpy(), [0.5, 0.5, 0.5])
    np.testing.assert_allclose(b.detach().numpy(), [1.0, 1.0])
    assert b not in opt.state and "momentum_buffer" in opt.state[a]
    assert a.requires_grad and a.is_leaf and a.grad_fn is None


def test_step_runs_closure_with_grad_and_returns_loss():
    p = graphc.tensor([1.0, -2.0], dtype=graphc.float64, requires_grad=True)
    opt = graphc.optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss
    with graphc.no_grad():
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.detach().numpy(), [0.8, -1.6])


def test_zero_grad():
    p = graphc.ones(3, requires_grad=True)
    opt = graphc.optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    opt.zero_grad()
    assert p.grad is None
    (p * 2).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g
    np.testing.assert_array_equal(g.numpy(), np.zeros(3, np.float32))
    (p * 3).sum().backward()  # accumulates into the zeroed gradient
    np.testing.assert_array_equal(p.grad.numpy(), np.full(3, 3.0, np.float32))


def test_repr_matches_torch():
    for name, kwargs in [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", {}), ("AdamW", {}),
                         ("RMSprop", dict(centered=True))]:
        g = getattr(graphc.optim, name)([graphc.ones(2, requires_grad=True)], **kwargs)
        t = getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **kwargs)
        assert repr(g) == repr(t)


def test_add_param_group():
    a, b = graphc.ones(2, requires_grad=True), graphc.ones(3, requires_grad=True)
    opt = graphc.optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert len(opt.param_groups) == 2
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is b
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9
    with pytest.raises(GraphcValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_named_parameters():
    a = graphc.ones(2, requires_grad=True)
    opt = graphc.optim.Adam([("w", a)], lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["w"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w"]


def _roundtrip(opt_cls, kwargs, through_checkpoint=False):
    _, consts = _arrays()
    # Uninterrupted: 10 steps.
    _, _, full = _train(graphc, opt_cls, kwargs, steps=10)
    # Interrupted: 5 steps, state_dict, fresh params + optimizer, load, 5 more steps.
    opt, params, _ = _train(graphc, opt_cls, kwargs, steps=5)
    sd = opt.state_dict()
    values = [_host(p) for p in params]
    if through_checkpoint:
        import io
        buf = io.BytesIO()
        graphc.save({"optim": sd, "params": params}, buf)
        buf.seek(0)
        loaded = graphc.load(buf)
        sd, values = loaded["optim"], [_host(p) for p in loaded["params"]]
    params2 = [graphc.tensor(v, dtype=graphc.float64, requires_grad=True) for v in values]
    cs = [(graphc.tensor(c, dtype=graphc.float64), graphc.tensor(t, dtype=graphc.float64))
          for c, t in consts]
    opt2 = opt_cls(params2, **kwargs)
    opt2.load_state_dict(sd)
    for step in range(5):
        opt2.zero_grad()
        _loss(params2, cs).backward()
        opt2.step()
        for p, ref in zip(params2, full[5 + step]):
            np.testing.assert_allclose(_host(p), ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("AdamW", dict(lr=0.05)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
])
def test_state_dict_round_trip_continues_training(name, kwargs):
    _roundtrip(getattr(graphc.optim, name), kwargs)


def test_state_dict_round_trip_through_checkpoint():
    _roundtrip(graphc.optim.Adam, dict(lr=0.05, amsgrad=True), through_checkpoint=True)


def test_load_state_dict_copies_and_casts_state():
    p = graphc.ones(3, dtype=graphc.float64, requires_grad=True)
    opt = graphc.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = graphc.ones(3, dtype=graphc.float64)
    opt.step()
    sd = opt.state_dict()
    q = graphc.ones(3, dtype=graphc.float32, requires_grad=True)
    opt2 = graphc.optim.SGD([q], lr=0.5, momentum=0.9)
    opt2.load_state_dict(sd)
    buf = opt2.state[q]["momentum_buffer"]
    assert buf.dtype == graphc.float32
    assert buf._data is not sd["state"][0]["momentum_buffer"]._data
    assert opt2.param_groups[0]["lr"] == 0.1 and opt2.param_groups[0]["params"][0] is q


def test_load_state_dict_validates_before_changing_anything():
    a, b = graphc.ones(2, requires_grad=True), graphc.ones(3, requires_grad=True)
    opt = graphc.optim.SGD([a, b], lr=0.1)
    other = graphc.optim.SGD([graphc.ones(2, requires_grad=True)], lr=0.7)
    with pytest.raises(GraphcValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())
    two = graphc.optim.SGD([{"params": [graphc.ones(1, requires_grad=True)]},
                            {"params": [graphc.ones(1, requires_grad=True)]}], lr=0.7)
    with pytest.raises(GraphcValueError, match="different number of parameter groups"):
        opt.load_state_dict(two.state_dict())
    with pytest.raises(GraphcValueError, match="state_dict"):
        opt.load_state_dict({"params": []})
    assert opt.param_groups[0]["lr"] == 0.1 and len(opt.state) == 0


@pytest.mark.parametrize("make,match", [
    (lambda p: graphc.optim.SGD(p, lr=-0.1), "Invalid learning rate: -0.1"),
    (lambda p: graphc.optim.SGD(p, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: graphc.optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: graphc.optim.SGD(p, nesterov=True), "Nesterov momentum requires"),
    (lambda p: graphc.optim.Adam(p, lr=-1e-3), "Invalid learning rate: -0.001"),
    (lambda p: graphc.optim.Adam(p, betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    (lambda p: graphc.optim.Adam(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
    (lambda p: graphc.optim.Adam(p, eps=-1.0), "Invalid epsilon value: -1.0"),
    (lambda p: graphc.optim.AdamW(p, weight_decay=-0.1), "Invalid weight_decay value"),
    (lambda p: graphc.optim.RMSprop(p, alpha=-0.5), "Invalid alpha value: -0.5"),
    (lambda p: graphc.optim.RMSprop(p, momentum=-0.5), "Invalid momentum value"),
])
def test_invalid_hyperparameters_raise(make, match):
    with pytest.raises(GraphcValueError, match=match) as info:
        make([graphc.ones(2, requires_grad=True)])
    assert isinstance(info.value, ValueError)


def test_invalid_params_raise():
    a = graphc.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        graphc.optim.SGD(a, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        graphc.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        graphc.optim.SGD([a, 3.0], lr=0.1)
    with pytest.raises(GraphcValueError, match="non-leaf"):
        graphc.optim.SGD([a * 2], lr=0.1)
    with pytest.raises(GraphcValueError, match="duplicate"):
        graphc.optim.SGD([a, a], lr=0.1)
    with pytest.raises(GraphcValueError, match="more than one parameter group"):
        graphc.optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        graphc.optim.SGD([{"params": {a}}], lr=0.1)


# -- learning-rate schedulers ---------------------------------------------------------------
def _lr_sequence(lib, make_sched, epochs=30, metrics=None, two_groups=True):
    p1, p2 = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
    groups = [{"params": [p1]}, {"params": [p2], "lr": 0.5}] if two_groups else [p1]
    opt = lib.optim.SGD(groups, lr=0.1)
    scheds = make_sched(lib.optim.lr_scheduler, opt)
    scheds = scheds if isinstance(scheds, tuple) else (scheds,)
    seq = [list(scheds[-1].get_last_lr())]
    for epoch in range(epochs):
        opt.step()
        for s in scheds:
            if metrics is not None:
                s.step(metrics[epoch])
            else:
                s.step()
        seq.append(list(scheds[-1].get_last_lr()))
    return seq


class _Halve:
    """A callable object (not a function): LambdaLR saves its fields in state_dict."""

    def __init__(self):
        self.rate = 0.5

    def __call__(self, epoch):
        return self.rate ** (epoch // 4)


SCHEDULERS = {
    "step": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "multistep": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "exponential": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "cosine": lambda m, o: m.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "cosine_nomin": lambda m, o: m.CosineAnnealingLR(o, T_max=10),
    "lambda": lambda m, o: m.LambdaLR(o, lambda e: 0.95 ** e),
    "lambda_list": lambda m, o: m.LambdaLR(o, [lambda e: 1.0 / (e + 1), _Halve()]),
    "multiplicative": lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9),
    "linear": lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=4),
    "constant": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=3),
    "chained": lambda m, o: (m.StepLR(o, 4, 0.5), m.ExponentialLR(o, 0.95)),
}


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_scheduler_lr_sequence_matches_torch(name):
    g = _lr_sequence(graphc, SCHEDULERS[name])
    t = _lr_sequence(torch, SCHEDULERS[name])
    np.testing.assert_allclose(np.array(g), np.array(t), rtol=1e-12, atol=0)


def test_reduce_lr_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.9, 0.9, 0.95, 0.91, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7] * 2

    def make(m, o):
        return m.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1, min_lr=0.01)
    g = _lr_sequence(graphc, make, epochs=len(metrics), metrics=metrics)
    t = _lr_sequence(torch, make, epochs=len(metrics), metrics=metrics)
    np.testing.assert_allclose(np.array(g), np.array(t), rtol=1e-12, atol=0)


def test_scheduler_closed_form_with_epoch_matches_torch():
    seqs = {}
    for lib in (graphc, torch):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.1)
        s = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5)
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for e in (3, 7, 2):
                opt.step()
                s.step(e)
                out.append(s.get_last_lr()[0])
        seqs[lib.__name__] = out
    np.testing.assert_allclose(seqs["graphc"], seqs["torch"], rtol=1e-12)
    assert seqs["graphc"][1] == pytest.approx(0.05 * (1 + math.cos(math.pi * 7 / 5)))


@pytest.mark.parametrize("name", ["step", "cosine", "multistep", "lambda_list"])
def test_scheduler_state_dict_round_trip(name):
    full = _lr_sequence(graphc, SCHEDULERS[name], epochs=12)
    p1, p2 = graphc.ones(2, requires_grad=True), graphc.ones(2, requires_grad=True)
    opt = graphc.optim.SGD([{"params": [p1]}, {"params": [p2], "lr": 0.5}], lr=0.1)
    sched = SCHEDULERS[name](graphc.optim.lr_scheduler, opt)
    for _ in range(5):
        opt.step()
        sched.step()
    import io
    buf = io.BytesIO()
    graphc.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, buf)
    buf.seek(0)
    ck = graphc.load(buf)
    q1, q2 = graphc.ones(2, requires_grad=True), graphc.ones(2, requires_grad=True)
    opt2 = graphc.optim.SGD([{"params": [q1]}, {"params": [q2], "lr": 0.5}], lr=0.1)
    sched2 = SCHEDULERS[name](graphc.optim.lr_scheduler, opt2)
    opt2.load_state_dict(ck["opt"])
    sched2.load_state_dict(ck["sched"])
    seq = []
    for _ in range(7):
        opt2.step()
        sched2.step()
        seq.append(sched2.get_last_lr())
    np.testing.assert_allclose(np.array(seq), np.array(full[6:]), rtol=1e-12)


def test_scheduler_warns_when_stepped_before_optimizer():
    opt = graphc.optim.SGD([graphc.ones(1, requires_grad=True)], lr=0.1)
    sched = graphc.optim.lr_scheduler.StepLR(opt, 1)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        sched.step()


def test_scheduler_rejects_non_optimizer_and_missing_initial_lr():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        graphc.optim.lr_scheduler.StepLR(object(), 1)
    opt = graphc.optim.SGD([graphc.ones(1, requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        graphc.optim.lr_scheduler.StepLR(opt, 1, last_epoch=3)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas"):
        graphc.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0, lambda e: 1.0])


# -- devices ------------------------------------------------------------------------------
@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.05, momentum=0.9)),
                                         ("Adam", dict(lr=0.05, amsgrad=True)),
                                         ("RMSprop", dict(centered=True, momentum=0.5))])
def test_optimizers_on_device(device, name, kwargs):
    _, g_params, _ = _train(graphc, getattr(graphc.optim, name), kwargs, steps=5, device=device)
    _, t_params, _ = _train(torch, getattr(torch.optim, name), kwargs, steps=5)
    for g, t in zip(g_params, t_params):
        assert str(g.device).startswith(device)
        np.testing.assert_allclose(_host(g), _host(t), atol=TOL)


def test_step_inside_trace_is_refused():
    from graphc.errors import TraceError
    p = graphc.ones(2, requires_grad=True)
    p.grad = graphc.ones(2)
    opt = graphc.optim.SGD([p], lr=0.1)

    def f(x):
        opt.step()
        return x * 2
    with pytest.raises(TraceError, match="outside the compiled function"):
        graphc.trace(f, graphc.ones(2))
    assert p.tolist() == [1.0, 1.0]  # nothing was updated while tracing


def test_training_nn_linear_with_loader_and_scheduler_matches_torch():
    """Module parameters + DataLoader batches + a scheduler, end to end, against PyTorch."""
    nn = pytest.importorskip("graphc.nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("graphc.nn.Linear not available yet")
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((24, 5)), rng.standard_normal((24, 2))
    W, b = rng.standard_normal((2, 5)) * 0.3, rng.standard_normal(2) * 0.1
    results = {}
    for lib in (graphc, torch):
        model = lib.nn.Linear(5, 2).double()
        with lib.no_grad():
            model.weight.copy_(lib.tensor(W))
            model.bias.copy_(lib.tensor(b))
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
        sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        ds = lib.utils.data.TensorDataset(lib.tensor(X), lib.tensor(Y))
        loader = lib.utils.data.DataLoader(ds, batch_size=8)  # no shuffle: same batches
        for _ in range(4):
            for xb, yb in loader:
                opt.zero_grad()
                ((model(xb) - yb) ** 2).mean().backward()
                opt.step()
            sched.step()
        results[lib.__name__] = [_host(model.weight), _host(model.bias)]
    for g, t in zip(results["graphc"], results["torch"]):
        np.testing.assert_allclose(g, t, rtol=0, atol=1e-10)


def test_user_defined_optimizer_subclass():
    class PlainSGD(graphc.optim.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        @graphc.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.add_(p.grad, alpha=-group["lr"])
                        self.state[p]["count"] = self.state[p].get("count", 0) + 1

    p = graphc.tensor([1.0, 2.0], requires_grad=True)
    opt = PlainSGD([p], lr=0.5)
    (p * p).sum().backward()
    opt.step()
    assert p.tolist() == [0.0, 0.0] and opt.state_dict()["state"] == {0: {"count": 1}}
    assert repr(opt) == "PlainSGD (\nParameter Group 0\n    lr: 0.5\n)"
