"""gather, scatter, index_select and index_add take indices in ``[0, size)`` only, as PyTorch
does: NumPy would wrap a negative index to the far end and return a plausible wrong answer."""
import pytest

import graphc
from graphc.errors import GraphcIndexError

try:
    import torch
except ImportError:  # the PyTorch half of each check skips
    torch = None


def _one_slice(m, x):
    """A source holding one slice along dim 0 (0-d for a 0-d input)."""
    return m.ones((1,) * x.ndim)


CALLS = {
    "gather": lambda m, x, i: m.gather(x, 0, i),
    "scatter_add": lambda m, x, i: x.scatter_add(0, i, _one_slice(m, x)),
    "scatter_value": lambda m, x, i: x.scatter(0, i, 2.0),
    "index_select": lambda m, x, i: x.index_select(0, i),
    "index_add": lambda m, x, i: x.index_add(0, i, _one_slice(m, x)),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize("shape, bad", [((3,), -1), ((3,), 3), ((), 1)], ids=["neg", "big", "0d"])
def test_index_out_of_range_raises(call, shape, bad):
    x = graphc.ones(shape)
    i = graphc.tensor([bad] if shape else bad)
    with pytest.raises(GraphcIndexError, match=f"index {bad} is out of bounds for dimension 0 "
                                               f"with size {max(x.numel(), 1)}"):
        call(graphc, x, i)
    if torch is not None:
        with pytest.raises((IndexError, RuntimeError)):
            call(torch, torch.ones(shape), torch.tensor([bad] if shape else bad))
