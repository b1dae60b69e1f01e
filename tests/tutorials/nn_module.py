"""The nn.Module note ("Modules"): building blocks, composition, state and training modes.

A custom ``MyLinear`` with ``nn.Parameter``, composition with ``nn.Sequential``, ``ModuleList``
and ``ModuleDict``, ``children``/``named_modules``/``named_parameters``, ``apply`` for custom
initialization, buffers (``register_buffer``, persistent or not) and the ``RunningMean`` module,
``state_dict`` of parameters and buffers, ``train``/``eval`` and the layers that care
(``Dropout``, ``BatchNorm1d``), ``requires_grad_``/``zero_grad``, ``to(dtype)`` and
``extra_repr``. Weights come from NumPy.
"""
import numpy as np

import graphc as torch
from graphc import nn
import graphc.nn.functional as F

rng = np.random.default_rng(21)


def randn(*shape):
    return torch.from_numpy(rng.standard_normal(shape).astype(np.float32))


class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(randn(in_features, out_features))
        self.bias = nn.Parameter(randn(out_features))

    def forward(self, input):
        return (input @ self.weight) + self.bias


m = MyLinear(4, 3)
sample_input = randn(4)
print(m(sample_input))
for parameter in m.named_parameters():
    print(parameter)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.l0 = MyLinear(4, 3)
        self.l1 = MyLinear(3, 1)

    def forward(self, x):
        x = self.l0(x)
        x = F.relu(x)
        x = self.l1(x)
        return x


net = Net()
print(net)
for child in net.named_children():
    print(child)


class BigNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = MyLinear(5, 4)
        self.net = Net()

    def forward(self, x):
        return self.net(self.l1(x))


big_net = BigNet()
for module in big_net.named_modules():
    print(module)
print([n for n, _ in big_net.named_parameters()], sum(p.numel() for p in big_net.parameters()))


class DynamicNet(nn.Module):
    def __init__(self, num_layers):
        super().__init__()
        self.linears = nn.ModuleList([MyLinear(4, 4) for _ in range(num_layers)])
        self.activations = nn.ModuleDict({
            'relu': nn.ReLU(),
            'lrelu': nn.LeakyReLU()
        })
        self.final = MyLinear(4, 1)

    def forward(self, x, act):
        for linear in self.linears:
            x = linear(x)
            x = self.activations[act](x)
        x = self.final(x)
        return x


dynamic_net = DynamicNet(3)
sample_input = randn(4)
output = dynamic_net(sample_input, 'relu')
print(dynamic_net)
print(output, dynamic_net(sample_input, 'lrelu'))
print(len(dynamic_net.linears), list(dynamic_net.activations.keys()),
      'relu' in dynamic_net.activations)

# Training an nn.Module
net = Net()
optimizer = torch.optim.SGD(net.parameters(), lr=1e-4, weight_decay=1e-2, momentum=0.9)
for _ in range(10):
    output = net(randn(4))
    output.backward()
    optimizer.step()
    optimizer.zero_grad()
print(net.l1.weight, net.l1.weight.grad)


# Module state: buffers
class RunningMean(nn.Module):
    def __init__(self, num_features, momentum=0.9):
        super().__init__()
        self.momentum = momentum
        self.register_buffer('mean', torch.zeros(num_features))

    def forward(self, x):
        self.mean = self.momentum * self.mean + (1.0 - self.momentum) * x
        return self.mean


m = RunningMean(4)
for _ in range(10):
    input = randn(4)
    m(input)
print(m)
print(m.state_dict())
print(list(m.named_buffers()), list(m.parameters()))

m.register_buffer('temp', torch.ones(2), persistent=False)
print(list(m.state_dict().keys()), [n for n, _ in m.named_buffers()])

m = MyLinear(4, 3)
m.to(torch.float64)
print(m.weight.dtype, m(randn(4).double()).dtype)
m.double().float()
print(m.weight.dtype, m.weight.requires_grad, type(m.weight).__name__)

# Module initialization with apply
torch.manual_seed(0)


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.constant_(m.weight, 0.05)
        nn.init.zeros_(m.bias)


seq = nn.Sequential(nn.Linear(5, 3), nn.ReLU(), nn.Linear(3, 2))
print(seq.apply(init_weights) is seq)
print(seq[0].weight, seq[2].bias, seq(torch.ones(1, 5)))

# Training and evaluation modes
model = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3), nn.Dropout(0.5))
print([m.training for m in model.modules()])
model.eval()
print([m.training for m in model.modules()], model[1].running_mean, model[1].num_batches_tracked)
model.train()
with torch.no_grad():
    nn.init.eye_(model[0].weight)
    model[0].bias.zero_()
x = torch.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0], [0.0, 0.0, 6.0]])
model[2].p = 0.0
y = model(x)
print(y, model[1].running_mean, model[1].running_var, model[1].num_batches_tracked)
model.eval()
print(model(x))
print(model.state_dict().keys())

# Freezing parameters and zero_grad
model.requires_grad_(False)
print([p.requires_grad for p in model.parameters()])
model[0].requires_grad_(True)
out = model(x).sum()
out.backward()
print(model[0].weight.grad is not None, model[1].weight.grad)
model.zero_grad()
print(model[0].weight.grad)
model(x).sum().backward()
model.zero_grad(set_to_none=False)
print(model[0].weight.grad, model[0].bias.grad)


class Scaled(nn.Module):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor

    def extra_repr(self):
        return f"factor={self.factor}"


print(nn.Sequential(Scaled(2.0), nn.Sequential(Scaled(3.0), nn.Identity())))
print(nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)]), nn.ModuleDict({"a": nn.Tanh()}))
print(nn.ParameterList([nn.Parameter(torch.ones(2))]))
