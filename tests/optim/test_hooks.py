"""Optimizer step hooks: order, removal, argument rewriting, and the cases that wrap ``step``.

These need no PyTorch except the one test that compares the call order with it.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

import graphc
from graphc.errors import GraphcRuntimeError
from graphc.optim.optimizer import (
    register_optimizer_step_post_hook,
    register_optimizer_step_pre_hook,
)


def _opt(lib=graphc):
    p = lib.ones(2, requires_grad=True)
    p.grad = lib.ones(2)
    return lib.optim.SGD([p], lr=0.5), p


def _recorder(events, name, after=None):
    def hook(opt, args, kwargs):
        events.append((name, args[0] is opt, dict(kwargs), after() if after else None))
    return hook


def test_hooks_fire_in_order_around_the_update():
    opt, p = _opt()
    events = []

    def value():
        return p.tolist()[0]
    opt.register_step_pre_hook(_recorder(events, "pre1", value))
    opt.register_step_pre_hook(_recorder(events, "pre2", value))
    opt.register_step_post_hook(_recorder(events, "post1", value))
    opt.register_step_post_hook(_recorder(events, "post2", value))
    opt.step()
    # args start with the optimizer (as in PyTorch); pre-hooks see the old value, post the new.
    assert events == [("pre1", True, {}, 1.0), ("pre2", True, {}, 1.0),
                      ("post1", True, {}, 0.5), ("post2", True, {}, 0.5)]
    events.clear()
    opt.step(closure=None)
    assert [e[0] for e in events] == ["pre1", "pre2", "post1", "post2"]
    assert all(e[2] == {"closure": None} for e in events)


def test_removed_hooks_stop_firing():
    opt, _ = _opt()
    events = []
    pre = opt.register_step_pre_hook(_recorder(events, "pre"))
    post = opt.register_step_post_hook(_recorder(events, "post"))
    opt.register_step_post_hook(_recorder(events, "kept"))
    opt.step()
    pre.remove()
    post.remove()
    post.remove()  # removing twice is harmless
    opt.step()
    assert [e[0] for e in events] == ["pre", "post", "kept", "kept"]
    with opt.register_step_pre_hook(_recorder(events, "scoped")):  # a handle is a context
        opt.step()
    opt.step()
    assert [e[0] for e in events[4:]] == ["scoped", "kept", "kept"]


def test_pre_hook_can_replace_arguments():
    opt, _ = _opt()
    calls = []

    def closure():
        calls.append("closure")
        return graphc.tensor(7.0)

    def add_closure(optimizer, args, kwargs):
        return args, {**kwargs, "closure": closure}
    seen = []
    opt.register_step_pre_hook(add_closure)
    opt.register_step_post_hook(lambda o, a, k: seen.append(k["closure"]))
    loss = opt.step()
    assert calls == ["closure"] and loss.item() == 7.0
    assert seen == [closure]  # post-hooks get the rewritten arguments


def test_pre_hook_must_return_none_or_args_and_kwargs():
    opt, p = _opt()
    opt.register_step_pre_hook(lambda o, a, k: "bad")
    with pytest.raises(GraphcRuntimeError, match=r"must return None or a tuple of "
                                                 r"\(new_args, new_kwargs\), but got bad"):
        opt.step()
    assert p.tolist() == [1.0, 1.0]


def test_hook_may_remove_itself_while_firing():
    opt, _ = _opt()
    events = []
    handle = None

    def once(o, a, k):
        events.append("once")
        handle.remove()
    handle = opt.register_step_pre_hook(once)
    opt.step()
    opt.step()
    assert events == ["once"]


def test_global_hooks_wrap_every_optimizer():
    sgd, _ = _opt()
    adam = graphc.optim.Adam([graphc.ones(1, requires_grad=True)])
    events = []
    handles = [register_optimizer_step_pre_hook(lambda o, a, k: events.append(("g-pre", o))),
               register_optimizer_step_post_hook(lambda o, a, k: events.append(("g-post", o)))]
    try:
        sgd.register_step_pre_hook(lambda o, a, k: events.append(("pre", o)))
        sgd.register_step_post_hook(lambda o, a, k: events.append(("post", o)))
        sgd.step()
        adam.step()
    finally:
        for h in handles:
            h.remove()
    sgd.step()
    assert events == [("g-pre", sgd), ("pre", sgd), ("post", sgd), ("g-post", sgd),
                      ("g-pre", adam), ("g-post", adam), ("pre", sgd), ("post", sgd)]


def test_user_optimizer_step_is_hooked_once_even_through_super():
    class Scaled(graphc.optim.SGD):
        """Overrides step and delegates to SGD's: the hooks must still fire exactly once."""

        def step(self, closure=None):
            self.calls = getattr(self, "calls", 0) + 1
            return super().step(closure)

    class Own(graphc.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

        @graphc.no_grad()
        def step(self, closure=None):
            for p in self.param_groups[0]["params"]:
                p.sub_(p.grad, alpha=self.param_groups[0]["lr"])

    for opt in (Scaled([graphc.ones(2, requires_grad=True)], lr=0.5),
                Own([graphc.ones(2, requires_grad=True)])):
        p = opt.param_groups[0]["params"][0]
        p.grad = graphc.ones(2)
        events = []
        opt.register_step_pre_hook(lambda o, a, k, ev=events: ev.append("pre"))
        opt.register_step_post_hook(lambda o, a, k, ev=events: ev.append("post"))
        opt.step()
        assert events == ["pre", "post"]
        assert p.tolist()[0] < 1.0


def test_hooks_survive_a_scheduler_and_are_not_copied():
    opt, _ = _opt()
    events = []
    opt.register_step_post_hook(lambda o, a, k: events.append("post"))
    sched = graphc.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)  # wraps opt.step
    opt.step()
    sched.step()
    assert events == ["post"] and opt.param_groups[0]["lr"] == 0.25
    clone = copy.deepcopy(opt)  # like PyTorch, hooks belong to the instance, not its state
    assert clone._optimizer_step_post_hooks == {}
    clone.step()
    assert events == ["post"]


def test_hook_order_matches_torch():
    torch = pytest.importorskip("torch")
    log = {}
    for lib in (graphc, torch):
        opt, p = _opt(lib)
        events = []
        for name in ("a", "b", "c"):
            h = opt.register_step_pre_hook(
                lambda o, a, k, name=name, ev=events: ev.append((name, len(a), sorted(k))))
            opt.register_step_post_hook(
                lambda o, a, k, name=name, ev=events: ev.append((name.upper(), len(a),
                                                                 sorted(k))))
            if name == "b":
                h.remove()
        opt.step()
        opt.step(closure=None)
        log[lib.__name__] = (events, p.detach().numpy().tolist())
    assert log["graphc"] == log["torch"]
    np.testing.assert_allclose(log["graphc"][1], [0.0, 0.0])
