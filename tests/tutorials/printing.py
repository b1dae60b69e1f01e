"""Printing tensors: what ``print(t)`` shows for many sizes, dtypes and values, and how
``torch.set_printoptions`` (precision, threshold, edgeitems, linewidth, sci_mode, profile)
changes it. Values come from NumPy with a fixed seed."""
import math

import numpy as np

import graphc as torch

rng = np.random.default_rng(11)


def randn(*shape, scale=1.0):
    return torch.from_numpy((rng.standard_normal(shape) * scale).astype(np.float32))


# Sizes ---------------------------------------------------------------------------------------
print(torch.tensor(3.5), torch.tensor(-2), torch.tensor(True), torch.tensor([]), torch.ones(0, 3))
print(torch.zeros(2, 0, 3), torch.empty(0, dtype=torch.int64))
print(randn(5))
print(randn(3, 4))
print(randn(2, 3, 4))
print(randn(2, 1, 2, 3))
print(torch.arange(1000))
print(torch.arange(1001.0))
print(torch.arange(2000).view(40, 50))
print(randn(30, 40))
print(torch.arange(24).view(2, 3, 4) * 1000)
print(randn(20))

# dtypes --------------------------------------------------------------------------------------
for dt in [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.int16,
           torch.int8, torch.uint8, torch.bool]:
    t = torch.tensor([0, 1, 2, 100], dtype=dt) if dt is not torch.bool \
        else torch.tensor([True, False])
    print(t, t.dtype, t.element_size(), t.is_floating_point())
print(torch.tensor([1.5, 2.25], dtype=torch.float64), torch.tensor([1, 2], dtype=torch.int32))
print(torch.tensor(2.5, dtype=torch.float64), torch.tensor(7, dtype=torch.int16))
print(torch.tensor([], dtype=torch.float64), torch.tensor([], dtype=torch.int32))

# Values: integers-in-float, large, small, mixed magnitudes, inf/nan, negatives --------------
print(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, -2.0, 300.0]))
print(torch.tensor([1e-5, 1.0, 2.0]), torch.tensor([1e8, 1.0]), torch.tensor([123456789.0]))
print(torch.tensor([0.1, 0.25, 1000.5]), torch.tensor([1e-10, 1e10]))
print(torch.tensor([float("inf"), -float("inf"), float("nan"), 1.5]))
print(torch.tensor([float("nan"), 2.0]), torch.tensor([float("inf"), 2.0]))
print(torch.tensor([-0.0, 0.0]), torch.tensor([math.pi, -math.e]), torch.tensor(1e-4))
print(torch.tensor([1e-4, 1e-3]), torch.tensor([12345.678, 0.001]), torch.tensor(123456.0))
print(randn(3, 3, scale=1e5), randn(2, 2, scale=1e-6), randn(4, scale=1000))
print(torch.tensor([[1, -1], [100000, 7]]), torch.tensor([10 ** 12, 1]))
print(torch.tensor([0.5], dtype=torch.float16) / 3, torch.tensor([65504.0], dtype=torch.float16))

# Suffixes: requires_grad, grad_fn, dtype, Parameter, views, detached -------------------------
w = torch.tensor([1.0, 2.0], requires_grad=True)
print(w, w * 2, (w * 2).detach(), w.sum(), w.double() * 2)
print(torch.tensor([1.0], dtype=torch.float64, requires_grad=True))
print(torch.ones(2, 2).t(), torch.arange(6.).view(2, 3)[:, 1:])
print(repr(torch.tensor([1.0, 2.0])), str(torch.tensor([1, 2])))
print(torch.nn.Parameter(torch.tensor([0.5, -0.5])))
print([torch.tensor(1.5), torch.tensor([1, 2])], (torch.tensor(0.0),))
print({"a": torch.tensor([1.0])})

# set_printoptions ----------------------------------------------------------------------------
x = randn(4, 6)
torch.set_printoptions(precision=2)
print(x, torch.tensor([math.pi]))
torch.set_printoptions(precision=8)
print(torch.tensor([math.pi, 1 / 3]), torch.tensor([math.pi], dtype=torch.float64))
torch.set_printoptions(precision=4)
torch.set_printoptions(sci_mode=True)
print(torch.tensor([1.5, 2.5]), torch.tensor([100.0]))
torch.set_printoptions(sci_mode=False)
print(torch.tensor([1e-8, 1e8]))
torch.set_printoptions(sci_mode=None)
torch.set_printoptions(threshold=5)
print(torch.arange(10), torch.arange(5), torch.arange(30.0).view(5, 6))
torch.set_printoptions(edgeitems=2)
print(torch.arange(10), torch.arange(64).view(8, 8))
torch.set_printoptions(threshold=1000, edgeitems=3)
torch.set_printoptions(linewidth=40)
print(randn(12), torch.arange(30))
torch.set_printoptions(linewidth=80)
torch.set_printoptions(profile="short")
print(randn(3), torch.arange(1500))
torch.set_printoptions(profile="full")
print(torch.arange(1200)[-5:], torch.arange(1100).shape)
torch.set_printoptions(profile="default")
print(torch.tensor([math.pi]), torch.arange(1001)[:3])
