"""A Gentle Introduction to torch.autograd, plus the 60-minute blitz's autograd section.

Differentiation with ``backward(gradient=...)`` (vector-Jacobian products), exclusion from the DAG
(``requires_grad``, frozen parameters when fine-tuning), ``requires_grad_``, ``no_grad``,
``detach`` and the computational graph seen through ``grad_fn.next_functions``. The tutorial's
torchvision ResNet is replaced by a small CNN with the same ``fc`` head to fine-tune.
"""
import numpy as np

import graphc as torch
import graphc.nn as nn
import graphc.optim as optim

rng = np.random.default_rng(0)


def rand(*shape, requires_grad=False):
    return torch.tensor(rng.random(shape, dtype=np.float32), requires_grad=requires_grad)


# Usage in PyTorch: one training step -----------------------------------------------------
class TinyResNet(nn.Module):
    """Stands in for torchvision's resnet18: a conv trunk and an ``fc`` head of 1000 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 1000)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


def init_(model):
    """Parameters from NumPy, so both libraries start from the same numbers."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.2, 0.2, tuple(p.shape)).astype(np.float32)))
    return model


model = init_(TinyResNet())
data = rand(1, 3, 16, 16)
labels = rand(1, 1000)

prediction = model(data)  # forward pass
print(prediction.shape, prediction.grad_fn)
loss = (prediction - labels).sum()
print(round(loss.item(), 3), loss.grad_fn)
loss.backward()  # backward pass
print([(n, tuple(p.grad.shape)) for n, p in model.named_parameters()])

optim_ = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
print(optim_)
optim_.step()  # gradient descent
print(model.fc.bias[:4])

# Differentiation in Autograd -------------------------------------------------------------
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a**3 - b**2
print(Q)
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
# check if collected gradients are correct
print(9 * a**2 == a.grad)
print(-2 * b == b.grad)
print(a.grad, b.grad)

# Exclusion from the DAG ------------------------------------------------------------------
x = rand(5, 5)
y = rand(5, 5)
z = rand(5, 5, requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

model = init_(TinyResNet())
# Freeze all the parameters in the network
for param in model.parameters():
    param.requires_grad = False
model.fc = nn.Linear(8, 10)
init_(model)
# Optimize only the classifier
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
out = model(data).sum()
out.backward()
print([(n, p.requires_grad, p.grad is not None) for n, p in model.named_parameters()])
optimizer.step()
print(model.fc.weight.grad[:2, :3])

# The blitz: Tensor and Function ----------------------------------------------------------
x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
z = y * y * 3
out = z.mean()
print(z, out)

a = torch.from_numpy(rng.standard_normal((2, 2)).astype(np.float32))
a = ((a * 3) / (a - 1))
print(a.requires_grad)
a.requires_grad_(True)
print(a.requires_grad)
b = (a * a).sum()
print(b.grad_fn)

out.backward()
print(x.grad)

# Vector-Jacobian product
x = torch.tensor(rng.standard_normal(3).astype(np.float32), requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
print(y)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)

print(x.requires_grad)
print((x ** 2).requires_grad)
with torch.no_grad():
    print((x ** 2).requires_grad)

print(x.requires_grad)
y = x.detach()
print(y.requires_grad)
print(x.eq(y).all())

# Computational graph: walking grad_fn ----------------------------------------------------
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a**3 - b**2
f = Q.grad_fn
print(type(f).__name__, len(f.next_functions))
for fn, idx in f.next_functions:
    print(" ", type(fn).__name__, idx, [type(g).__name__ if g is not None else None
                                        for g, _ in fn.next_functions])
print(Q.is_leaf, a.is_leaf, a.grad_fn, Q.requires_grad)

# Calling backward twice needs retain_graph
Q.sum().backward(retain_graph=True)
Q.sum().backward()
print(a.grad, b.grad)
try:
    Q.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", str(e).split(".")[0])

# backward on a non-scalar without gradient=
try:
    Q.backward()
except RuntimeError as e:
    print("RuntimeError:", e)

# a tensor that does not require grad
try:
    torch.ones(2).sum().backward()
except RuntimeError as e:
    print("RuntimeError:", e)

# autograd.grad instead of .grad
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = (x ** 3).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)
print(g, g.grad_fn is not None)
(g2,) = torch.autograd.grad(g.sum(), x)
print(g2)
