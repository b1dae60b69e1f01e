"""``gradcheck``: analytic gradients against central finite differences, in float64.

Checks every (output element, input element) pair through the vector-Jacobian products
``autograd.grad`` computes, the way the op conformance tests use it.
"""
from __future__ import annotations

import numpy as np

from graphc.errors import AutogradError


class GradcheckError(AutogradError):
    """Analytic and numerical gradients disagree."""


def _numerical_jacobian(fn, inputs, i, eps):
    x = inputs[i]
    flat = x._data.reshape(-1)  # contiguous float64 leaf: a view we can perturb in place
    outs = None
    cols = []
    for k in range(flat.size):
        orig = flat[k]
        flat[k] = orig + eps
        plus = [o.detach()._data.astype(np.float64).ravel().copy()
                for o in _outputs(fn, inputs)]
        flat[k] = orig - eps
        minus = [o.detach()._data.astype(np.float64).ravel().copy()
                 for o in _outputs(fn, inputs)]
        flat[k] = orig
        cols.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
        outs = plus
    if outs is None:
        return np.zeros((0, 0))
    return np.stack(cols, axis=1)  # rows: output elements, cols: input elements


def _outputs(fn, inputs):
    out = fn(*inputs)  # grad mode stays on: fn may itself differentiate (gradgradcheck)
    return [o for o in (out if isinstance(out, (tuple, list)) else (out,))
            if o.dtype.is_floating_point]


def _analytic_jacobian(fn, inputs, diff_idx):
    from graphc.autograd import grad as _grad
    from graphc.ops.creation import zeros_like
    outs = fn(*inputs)
    outs = [o for o in (outs if isinstance(outs, (tuple, list)) else (outs,))
            if o.dtype.is_floating_point]
    rows = []
    diff_inputs = [inputs[i] for i in diff_idx]
    for oi, o in enumerate(outs):
        for k in range(o.numel()):
            if not o.requires_grad:
                rows.append([np.zeros(x.numel()) for x in diff_inputs])
                continue
            seed = zeros_like(o)
            seed._data.reshape(-1)[k] = 1.0
            gs = _grad(o, diff_inputs, seed, retain_graph=True, allow_unused=True)
            rows.append([np.zeros(x.numel()) if g is None else
                         g.detach()._data.astype(np.float64).ravel() for g, x in
                         zip(gs, diff_inputs)])
    return rows


def gradcheck(fn, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_ignored) -> bool:
    """True when analytic and numerical Jacobians agree for every input that requires grad."""
    from graphc.tensor import Tensor
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in diff_idx:
        if inputs[i].dtype.name != "float64":
            raise GradcheckError("gradcheck expects float64 inputs (got "
                                 f"{inputs[i].dtype} for input {i})")
        if not inputs[i].is_contiguous():
            raise GradcheckError(f"gradcheck needs contiguous inputs (input {i})")
    rows = _analytic_jacobian(fn, inputs, diff_idx)
    for j, i in enumerate(diff_idx):
        num = _numerical_jacobian(fn, inputs, i, eps)
        ana = np.stack([r[j] for r in rows]) if rows else np.zeros((0, inputs[i].numel()))
        if num.shape != ana.shape or not np.allclose(ana, num, atol=atol, rtol=rtol):
            if not raise_exception:
                return False
            err = np.max(np.abs(ana - num)) if num.shape == ana.shape else "shape mismatch"
            raise GradcheckError(f"Jacobian mismatch for output 0 with respect to input {i} "
                                 f"(max abs error {err}),\nnumerical:{num}\nanalytical:{ana}\n")
    return True


def gradgradcheck(fn, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, **_ignored) -> bool:
    """Check second derivatives: gradcheck of (inputs -> grads of sum of outputs)."""
    from graphc.autograd import grad as _grad
    from graphc.tensor import Tensor
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]

    def first(*xs):
        out = fn(*xs)
        out = out if isinstance(out, (tuple, list)) else (out,)
        total = None
        for o in out:
            if o.dtype.is_floating_point and o.requires_grad:
                s = (o * o).sum()
                total = s if total is None else total + s
        xs_diff = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        return tuple(g for g in _grad(total, xs_diff, create_graph=True, allow_unused=True)
                     if g is not None)
    del diff
    return gradcheck(first, inputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
