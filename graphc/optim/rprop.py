"""Rprop (resilient backpropagation, Riedmiller & Braun), as ``torch.optim.Rprop``.

Only the gradient's sign is used: each coordinate keeps its own step size, grown by ``etas[1]``
while the sign holds and shrunk by ``etas[0]`` when it flips (that step then skips the coordinate
and forgets its gradient), clamped to ``step_sizes``.
"""
from __future__ import annotations

from typing import Any, Iterable

from graphc.errors import GraphcValueError
from graphc.optim.optimizer import (Optimizer, as_float, check_float, check_hyper, count_step,
                                    full_state, param_arrays, scalar_state, zeros_state)


class Rprop(Optimizer):
    """Sign-based updates with per-coordinate adaptive step sizes (full-batch training)."""

    def __init__(self, params: Iterable, lr: float = 1e-2, etas: tuple = (0.5, 1.2),
                 step_sizes: tuple = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        check_hyper(check_float("lr", lr) >= 0.0, f"Invalid learning rate: {lr}")
        try:
            eta_minus, eta_plus = etas
            lo, hi = step_sizes
        except (TypeError, ValueError):
            raise GraphcValueError(f"Rprop: etas and step_sizes must be pairs of floats, got "
                                   f"{etas!r} and {step_sizes!r}") from None
        check_hyper(0.0 < check_float("etas[0]", eta_minus) < 1.0 < check_float("etas[1]",
                                                                               eta_plus),
                    f"Invalid eta values: {eta_minus}, {eta_plus}")
        check_float("step_sizes[0]", lo)
        check_float("step_sizes[1]", hi)
        if differentiable:
            raise GraphcValueError("Rprop: differentiable=True is not supported by graphc")
        defaults = dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        eta_minus, eta_plus = (as_float(e) for e in group["etas"])
        lo, hi = (as_float(s) for s in group["step_sizes"])
        maximize = group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_state()
                state["prev"] = zeros_state(p)
                state["step_size"] = full_state(p, as_float(group["lr"]))
            xp, d, g = param_arrays(p, maximize)
            count_step(state)
            prev, step_size = state["prev"]._data, state["step_size"]._data
            tmp = xp.multiply(g, prev, out=self.scratch_like(d))
            grew, flipped = tmp > 0, tmp < 0
            tmp.fill(1)                         # factor: eta_plus / eta_minus / 1, in p's dtype
            tmp[grew] = eta_plus
            tmp[flipped] = eta_minus
            step_size *= tmp
            xp.clip(step_size, lo, hi, out=step_size)
            prev[...] = g                       # a flipped coordinate forgets its gradient
            prev[flipped] = 0
            xp.sign(prev, out=tmp)              # p -= sign(g) * step_size
            tmp *= step_size
            d -= tmp
            p._vbox[0] += 1


__all__ = ["Rprop"]
