"""The same module built in graphc and PyTorch with identical weights, for the nn tests that
compare the two (imported only by test files that already require torch)."""
from __future__ import annotations

import graphc
import graphc.nn as nn


def load_from_torch(gm, tm) -> None:
    """Copy torch's parameters and buffers into the graphc module (through NumPy)."""
    result = gm.load_state_dict({k: graphc.tensor(v.detach().numpy())
                                 for k, v in tm.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []


def pair(make):
    """The module built by ``make(nn)`` in both libraries, float64, torch's weights in both."""
    import torch
    torch.manual_seed(0)
    tm = make(torch.nn).double()
    gm = make(nn).double()
    load_from_torch(gm, tm)
    return gm, tm
