"""Reproducibility (the PyTorch note) and ``torch.manual_seed`` as tutorials use it.

graphc's random stream differs from PyTorch's by design, so this prints what must hold in both:
reseeding replays the stream, generators are independent and seedable, shapes, dtypes and
ranges of every sampler, ``Dropout`` in train vs eval mode, and a seeded shuffling DataLoader
that replays its order. No drawn value is printed.
"""
import graphc as torch
import graphc.nn as nn
from graphc.utils.data import DataLoader, TensorDataset

g0 = torch.manual_seed(0)
print(type(g0).__name__, torch.initial_seed())
a = torch.rand(3)
b = torch.randn(2, 2)
torch.manual_seed(0)
print(torch.equal(a, torch.rand(3)), torch.equal(b, torch.randn(2, 2)))
print(torch.equal(torch.rand(3), torch.rand(3)))
torch.manual_seed(7)
print(torch.initial_seed())

state = torch.get_rng_state()
x = torch.rand(4)
torch.set_rng_state(state)
print(torch.equal(x, torch.rand(4)), state.dtype, state.dim())

g = torch.Generator().manual_seed(42)
h = torch.Generator()
h.manual_seed(42)
print(g.initial_seed(), torch.equal(torch.randn(5, generator=g), torch.randn(5, generator=h)))
torch.manual_seed(1)
before = torch.rand(2)
torch.manual_seed(1)
_ = torch.rand(3, generator=g)  # a private generator leaves the global stream alone
print(torch.equal(before, torch.rand(2)))

# What every sampler returns
torch.manual_seed(0)
samples = {
    "rand": torch.rand(2, 3),
    "rand(float64)": torch.rand(2, dtype=torch.float64),
    "randn": torch.randn(4, 5),
    "randint": torch.randint(3, 10, (2, 2)),
    "randint(high)": torch.randint(5, (6,)),
    "randperm": torch.randperm(6),
    "rand_like": torch.rand_like(torch.ones(2, dtype=torch.float64)),
    "randn_like": torch.randn_like(torch.ones(3)),
    "randint_like": torch.randint_like(torch.ones(2, 2), 4),
    "normal": torch.normal(2.0, 3.0, size=(2, 2)),
    "normal(t, t)": torch.normal(torch.zeros(3), torch.ones(3)),
    "bernoulli": torch.bernoulli(torch.full((4,), 0.5)),
    "multinomial": torch.multinomial(torch.tensor([0.2, 0.3, 0.5]), 2),
    "uniform_": torch.empty(3).uniform_(-1, 1),
    "normal_": torch.empty(2, 2).normal_(),
}
for name, t in samples.items():
    print(name, tuple(t.shape), t.dtype, t.requires_grad)
print(bool(((samples["rand"] >= 0) & (samples["rand"] < 1)).all()),
      bool(((samples["randint"] >= 3) & (samples["randint"] < 10)).all()),
      sorted(samples["randperm"].tolist()),
      set(samples["bernoulli"].tolist()) <= {0.0, 1.0},
      bool(((samples["uniform_"] >= -1) & (samples["uniform_"] < 1)).all()),
      len(set(samples["multinomial"].tolist())))
print(torch.randn(3, requires_grad=True).requires_grad, torch.rand(2, 2).is_leaf)
big = torch.randn(20000)
print(abs(big.mean().item()) < 0.05, abs(big.std().item() - 1) < 0.05)

# Dropout: random in training, the identity in eval
torch.manual_seed(3)
drop = nn.Dropout(p=0.5)
x = torch.ones(1000)
y = drop(x)
print(drop, drop.training, set(y.unique().tolist()) <= {0.0, 2.0},
      0.4 < (y == 0).float().mean() < 0.6)
torch.manual_seed(3)
print(torch.equal(y, drop(x)))
drop.eval()
print(torch.equal(drop(x), x))

# A seeded shuffling DataLoader replays its order
ds = TensorDataset(torch.arange(10))
order1 = [b[0].tolist() for b in DataLoader(ds, batch_size=4, shuffle=True,
                                           generator=torch.Generator().manual_seed(0))]
order2 = [b[0].tolist() for b in DataLoader(ds, batch_size=4, shuffle=True,
                                           generator=torch.Generator().manual_seed(0))]
print(order1 == order2, [len(b) for b in order1], sorted(sum(order1, [])))
torch.manual_seed(0)
e1 = [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True)]
torch.manual_seed(0)
e2 = [b[0].tolist() for b in DataLoader(ds, batch_size=5, shuffle=True)]
print(e1 == e2)
