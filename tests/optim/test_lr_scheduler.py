"""The per-batch and composite schedulers against torch.optim.lr_scheduler.

Each case builds the same two-group optimizer in both libraries and compares, after every step,
``get_last_lr()``, each group's ``lr`` and (where the scheduler cycles it) each group's momentum
or ``betas[0]``, over enough steps to pass through every phase of the schedule.
"""
from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

import graphc
from graphc.errors import ArgumentError, GraphcError, GraphcValueError

torch = pytest.importorskip("torch")

from tests.optim.test_optim import _arrays, _host, _loss, _make


def _sgd(lib, groups):
    return lib.optim.SGD(groups, lr=0.1, momentum=0.9)


def _adam(lib, groups):
    return lib.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99))


def _momentum(group) -> float:
    return group["betas"][0] if "betas" in group else group["momentum"]


def _trajectory(lib, make_opt, make_sched, steps, epochs=None):
    """Per step: last lrs, then each group's lr and momentum. ``epochs`` (a list) drives
    ``step(epoch)`` instead of ``step()``."""
    p1, p2 = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
    opt = make_opt(lib, [{"params": [p1]}, {"params": [p2], "lr": 0.5}])
    sched = make_sched(lib.optim.lr_scheduler, opt)

    def record():
        groups = opt.param_groups
        return (list(sched.get_last_lr()) + [g["lr"] for g in groups] +
                [_momentum(g) for g in groups])
    rows = [record()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # step(epoch)'s deprecation notice
        for i in range(steps if epochs is None else len(epochs)):
            opt.step()
            sched.step() if epochs is None else sched.step(epochs[i])
            rows.append(record())
    return np.array(rows, dtype=np.float64)


def _assert_matches_torch(make_sched, steps=60, make_opt=_sgd, epochs=None):
    g = _trajectory(graphc, make_opt, make_sched, steps, epochs)
    t = _trajectory(torch, make_opt, make_sched, steps, epochs)
    np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-15)
    assert len(np.unique(g[:, 0])) > 3  # the schedule really moved


class _Decay:
    """A callable object: CyclicLR saves its fields in state_dict (a lambda is not saved)."""

    def __init__(self):
        self.rate = 0.8

    def __call__(self, x):
        return self.rate ** x


ONECYCLE = {
    "cos": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=60),
    "linear_per_group": lambda m, o: m.OneCycleLR(o, max_lr=[1.0, 0.3], epochs=6,
                                                  steps_per_epoch=10, pct_start=0.25,
                                                  anneal_strategy="linear"),
    "three_phase": lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=60, three_phase=True,
                                             div_factor=10.0, final_div_factor=100.0),
    "three_phase_linear": lambda m, o: m.OneCycleLR(o, max_lr=0.5, total_steps=60, pct_start=0.4,
                                                    three_phase=True, anneal_strategy="linear"),
    "momentum_per_group": lambda m, o: m.OneCycleLR(o, max_lr=2.0, total_steps=60,
                                                    base_momentum=[0.8, 0.7],
                                                    max_momentum=[0.9, 0.99]),
    "no_momentum": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=60, pct_start=0.5,
                                             cycle_momentum=False),
}

CYCLIC = {
    "triangular": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5),
    "triangular_down": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3,
                                               step_size_down=7),
    "triangular2": lambda m, o: m.CyclicLR(o, base_lr=[0.01, 0.05], max_lr=[0.1, 0.2],
                                           step_size_up=4, mode="triangular2"),
    "exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4,
                                         step_size_down=2, mode="exp_range", gamma=0.97),
    "scale_fn_cycle": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4,
                                              scale_fn=lambda x: 0.5 ** x),
    "scale_fn_iterations": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4,
                                                   scale_fn=_Decay(), scale_mode="iterations"),
    "momentum_per_group": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=6,
                                                  base_momentum=[0.7, 0.8],
                                                  max_momentum=[0.95, 0.9]),
    "no_momentum": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, cycle_momentum=False),
}

WARM_RESTARTS = {
    "T_mult1": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=7),
    "T_mult2": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
    "T_mult3": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=3, eta_min=1e-3),
}

OTHERS = {
    "polynomial": lambda m, o: m.PolynomialLR(o, total_iters=20),
    "polynomial_power": lambda m, o: m.PolynomialLR(o, total_iters=25, power=2.5),
    "sequential_warmup_cosine": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=20)],
        milestones=[5]),
    "sequential_three": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=2), m.ExponentialLR(o, gamma=0.9),
            m.StepLR(o, step_size=4, gamma=0.5)], milestones=[6, 15]),
    "sequential_polynomial": lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, gamma=0.8), m.PolynomialLR(o, total_iters=15, power=2.0)],
        milestones=[10]),
    "chained": lambda m, o: m.ChainedScheduler([m.ConstantLR(o, factor=0.1, total_iters=3),
                                                m.ExponentialLR(o, gamma=0.9)]),
    "chained_of_sequential": lambda m, o: m.ChainedScheduler([
        m.SequentialLR(o, [m.LinearLR(o, start_factor=0.2, total_iters=4),
                           m.CosineAnnealingLR(o, T_max=15)], milestones=[4]),
        m.ExponentialLR(o, gamma=0.97)]),
    "chained_with_optimizer": lambda m, o: m.ChainedScheduler(
        [m.LinearLR(o, start_factor=0.5, total_iters=6), m.CosineAnnealingLR(o, T_max=9),
         m.PolynomialLR(o, total_iters=40)], optimizer=o),
}


@pytest.mark.parametrize("name", list(ONECYCLE))
@pytest.mark.parametrize("make_opt", [_sgd, _adam], ids=["SGD", "Adam"])
def test_one_cycle_matches_torch(name, make_opt):
    _assert_matches_torch(ONECYCLE[name], steps=60, make_opt=make_opt)


@pytest.mark.parametrize("name", list(CYCLIC))
@pytest.mark.parametrize("make_opt", [_sgd, _adam], ids=["SGD", "Adam"])
def test_cyclic_matches_torch(name, make_opt):
    _assert_matches_torch(CYCLIC[name], steps=60, make_opt=make_opt)


@pytest.mark.parametrize("name", list(WARM_RESTARTS))
def test_warm_restarts_matches_torch(name):
    _assert_matches_torch(WARM_RESTARTS[name], steps=60)


@pytest.mark.parametrize("name", list(WARM_RESTARTS))
def test_warm_restarts_fractional_epochs_match_torch(name):
    """The documented per-batch use: ``step(epoch + i / iters)``, plus jumps back and ahead."""
    iters = 4
    epochs = [e + i / iters for e in range(15) for i in range(iters)] + [2.5, 0, 30.25, 11]
    _assert_matches_torch(WARM_RESTARTS[name], epochs=epochs)


@pytest.mark.parametrize("name", list(OTHERS))
def test_polynomial_and_composite_match_torch(name):
    _assert_matches_torch(OTHERS[name], steps=40)


def test_polynomial_closed_form_matches_torch():
    _assert_matches_torch(OTHERS["polynomial_power"], epochs=[3, 10, 1, 30, 24, 25])


# -- state dicts ------------------------------------------------------------------------------
ROUND_TRIP = {
    "onecycle": (ONECYCLE["three_phase"], _adam),
    "onecycle_linear": (ONECYCLE["linear_per_group"], _sgd),
    "cyclic_exp_range": (CYCLIC["exp_range"], _adam),
    "cyclic_scale_fn_object": (CYCLIC["scale_fn_iterations"], _sgd),
    "warm_restarts": (WARM_RESTARTS["T_mult2"], _sgd),
    "polynomial": (OTHERS["polynomial_power"], _sgd),
    "sequential": (OTHERS["sequential_three"], _sgd),
    "chained_of_sequential": (OTHERS["chained_of_sequential"], _sgd),
    "chained": (OTHERS["chained_with_optimizer"], _sgd),
}


def _checkpoint(obj):
    buf = io.BytesIO()
    graphc.save(obj, buf)
    buf.seek(0)
    return graphc.load(buf)


@pytest.mark.parametrize("name", list(ROUND_TRIP))
def test_state_dict_round_trip_continues_identically(name):
    """Save optimizer and scheduler mid-schedule (through a checkpoint file), restore into
    fresh ones, and the rest of the trajectory equals the uninterrupted run's."""
    make_sched, make_opt = ROUND_TRIP[name]
    full = _trajectory(graphc, make_opt, make_sched, steps=40)

    def fresh():
        p1, p2 = graphc.ones(2, requires_grad=True), graphc.ones(2, requires_grad=True)
        opt = make_opt(graphc, [{"params": [p1]}, {"params": [p2], "lr": 0.5}])
        return opt, make_sched(graphc.optim.lr_scheduler, opt)
    opt, sched = fresh()
    for _ in range(17):
        opt.step()
        sched.step()
    ck = _checkpoint({"opt": opt.state_dict(), "sched": sched.state_dict()})
    if isinstance(sched.optimizer.param_groups[0].get("betas"), tuple):
        assert ck["opt"]["param_groups"][0]["betas"] == opt.param_groups[0]["betas"]
    opt2, sched2 = fresh()
    opt2.load_state_dict(ck["opt"])
    sched2.load_state_dict(ck["sched"])
    rows = []
    for _ in range(23):
        opt2.step()
        sched2.step()
        groups = opt2.param_groups
        rows.append(list(sched2.get_last_lr()) + [g["lr"] for g in groups] +
                    [_momentum(g) for g in groups])
    np.testing.assert_allclose(np.array(rows), full[18:], rtol=1e-12, atol=1e-15)


def test_cyclic_state_dict_keeps_scale_object_fields_not_functions():
    opt = _sgd(graphc, [graphc.ones(1, requires_grad=True)])
    obj = graphc.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0, step_size_up=2, scale_fn=_Decay())
    obj._scale_fn_custom.rate = 0.3
    assert obj.state_dict()["_scale_fn_custom"] == {"rate": 0.3}
    fn = graphc.optim.lr_scheduler.CyclicLR(opt, 0.1, 1.0, scale_fn=lambda x: 1.0)
    sd = fn.state_dict()
    assert sd["_scale_fn_custom"] is None and "_scale_fn_custom" in fn.state_dict()
    fn.load_state_dict(sd)
    assert fn._scale_fn_custom(3) == 1.0  # the live function is kept


# -- OneCycleLR's end, and training with a cycled beta1 ----------------------------------------
def test_one_cycle_raises_past_total_steps():
    msgs = {}
    for lib in (graphc, torch):
        opt = lib.optim.SGD([lib.ones(1, requires_grad=True)], lr=0.1, momentum=0.9)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=5)
        for _ in range(9):  # the construction's step plus 9: the schedule's 10 values
            opt.step()
            sched.step()
        assert sched.get_last_lr()[0] == pytest.approx(1.0 / 25 / 1e4)  # min_lr
        opt.step()
        sched.step()  # PyTorch allows one more (the annealing overshoots) ...
        with pytest.raises(ValueError) as info:  # ... and raises on the next
            sched.step()
        msgs[lib.__name__] = str(info.value)
        if lib is graphc:
            assert isinstance(info.value, GraphcValueError)
    assert msgs["graphc"] == msgs["torch"] == \
        "Tried to step 11 times. The specified number of total steps is 10"


@pytest.mark.parametrize("make_sched", [
    lambda m, o: m.OneCycleLR(o, max_lr=0.05, total_steps=12, three_phase=True),
    lambda m, o: m.CyclicLR(o, base_lr=0.001, max_lr=0.05, step_size_up=3, mode="triangular2"),
], ids=["OneCycleLR", "CyclicLR"])
def test_adam_training_with_cycled_beta1_matches_torch(make_sched):
    """The scheduler's ``betas[0]`` is what Adam actually uses on the next step."""
    init, consts = _arrays()
    out = {}
    for lib in (graphc, torch):
        params, cs = _make(lib, init, consts)
        opt = lib.optim.Adam(params, lr=0.01)
        sched = make_sched(lib.optim.lr_scheduler, opt)
        for _ in range(12):
            opt.zero_grad()
            _loss(params, cs).backward()
            opt.step()
            sched.step()
        out[lib.__name__] = [_host(p) for p in params]
    for g, t in zip(out["graphc"], out["torch"]):
        np.testing.assert_allclose(g, t, rtol=0, atol=1e-10)


# -- invalid arguments: same exception family and message as PyTorch --------------------------
def _plain_optimizer(lib, params):
    """An optimizer with neither ``momentum`` nor ``betas`` to cycle."""
    class Plain(lib.optim.Optimizer):
        def step(self, closure=None):
            return None
    return Plain(params, {"lr": 0.1})


BAD = {
    "onecycle_total_steps_zero": lambda m, o: m.OneCycleLR(o, 1.0, total_steps=0),
    "onecycle_total_steps_float": lambda m, o: m.OneCycleLR(o, 1.0, total_steps=2.5),
    "onecycle_no_length": lambda m, o: m.OneCycleLR(o, 1.0, epochs=3),
    "onecycle_epochs": lambda m, o: m.OneCycleLR(o, 1.0, epochs=0, steps_per_epoch=3),
    "onecycle_steps_per_epoch": lambda m, o: m.OneCycleLR(o, 1.0, epochs=2, steps_per_epoch=-1),
    "onecycle_pct_start": lambda m, o: m.OneCycleLR(o, 1.0, total_steps=9, pct_start=1.5),
    "onecycle_pct_start_int": lambda m, o: m.OneCycleLR(o, 1.0, total_steps=9, pct_start=1),
    "onecycle_anneal": lambda m, o: m.OneCycleLR(o, 1.0, total_steps=9, anneal_strategy="exp"),
    "onecycle_max_lr_list": lambda m, o: m.OneCycleLR(o, [1.0, 2.0, 3.0], total_steps=9),
    "onecycle_momentum_list": lambda m, o: m.OneCycleLR(o, 1.0, total_steps=9,
                                                        base_momentum=[0.8]),
    "cyclic_mode": lambda m, o: m.CyclicLR(o, 0.1, 1.0, mode="sawtooth"),
    "cyclic_base_lr_list": lambda m, o: m.CyclicLR(o, [0.1], 1.0),
    "cyclic_max_momentum_list": lambda m, o: m.CyclicLR(o, 0.1, 1.0, max_momentum=(0.9,) * 3),
    "restarts_T_0": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0),
    "restarts_T_0_float": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2.0),
    "restarts_T_mult": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0),
    "restarts_eta_min": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2, eta_min="0"),
    "restarts_negative_epoch": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=2).step(-1),
    "sequential_empty": lambda m, o: m.SequentialLR(o, [], milestones=[]),
    "sequential_milestones": lambda m, o: m.SequentialLR(o, [m.StepLR(o, 2)], milestones=[3]),
    "sequential_plateau": lambda m, o: m.SequentialLR(
        o, [m.StepLR(o, 2), m.ReduceLROnPlateau(o)], milestones=[3]),
    "sequential_not_scheduler": lambda m, o: m.SequentialLR(o, [m.StepLR(o, 2), 5],
                                                            milestones=[3]),
    "chained_empty": lambda m, o: m.ChainedScheduler([]),
    "chained_plateau": lambda m, o: m.ChainedScheduler([m.ReduceLROnPlateau(o)]),
    "not_an_optimizer": lambda m, o: m.OneCycleLR(object(), 1.0, total_steps=9),
    "cycle_momentum_unsupported": "plain",
}


@pytest.mark.parametrize("name", list(BAD))
def test_invalid_arguments_raise_like_torch(name):
    errors = {}
    for lib in (graphc, torch):
        p1, p2 = lib.ones(1, requires_grad=True), lib.ones(1, requires_grad=True)
        groups = [{"params": [p1]}, {"params": [p2]}]
        with pytest.raises((ValueError, TypeError)) as info:
            if BAD[name] == "plain":
                lib.optim.lr_scheduler.OneCycleLR(_plain_optimizer(lib, groups), 1.0,
                                                  total_steps=9)
            else:
                BAD[name](lib.optim.lr_scheduler, _sgd(lib, groups))
        errors[lib.__name__] = info.value
    g, t = errors["graphc"], errors["torch"]
    assert isinstance(g, GraphcError) and isinstance(g, type(t))
    assert isinstance(g, GraphcValueError if isinstance(t, ValueError) else ArgumentError)
    assert str(g) == str(t)


def test_composite_rejects_a_scheduler_of_another_optimizer():
    m = graphc.optim.lr_scheduler
    a = _sgd(graphc, [graphc.ones(1, requires_grad=True)])
    b = _sgd(graphc, [graphc.ones(1, requires_grad=True)])
    for make in (lambda: m.SequentialLR(a, [m.StepLR(a, 2), m.StepLR(b, 2)], milestones=[2]),
                 lambda: m.ChainedScheduler([m.StepLR(a, 2), m.StepLR(b, 2)])):
        with pytest.raises(GraphcValueError, match="expects all schedulers to belong to the "
                                                   "same optimizer, but got scheduler StepLR at "
                                                   "index 1"):
            make()
