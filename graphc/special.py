"""``graphc.special``: PyTorch's ``torch.special`` namespace, under its names (``gammaln``,
``psi``, ``expit`` …) for the functions graphc has. Each is the op's function in
``graphc.ops``; ``i1`` (the gradient of ``i0``) is only here, as in PyTorch.
"""
from __future__ import annotations

from graphc.ops import (
    digamma,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    i0,
    log1p,
    log_softmax,
    logit,
    logsumexp,
    polygamma,
    round,
    sinc,
    softmax,
    xlogy,
)
from graphc.ops import lgamma as gammaln
from graphc.ops import sigmoid as expit
from graphc.ops.special import i1

psi = digamma

__all__ = ["digamma", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "i1",
           "log1p", "log_softmax", "logit", "logsumexp", "polygamma", "psi", "round", "sinc",
           "softmax", "xlogy"]
