"""graphc quickstart: the PyTorch tutorial material, run with ``import graphc as torch``.

Walks through tensor creation, views, matmul, autograd (with and without ``gradient=``,
``retain_graph``), ``no_grad``, ``detach`` and NumPy memory sharing. Each section prints what
PyTorch prints for the same code.
"""
import numpy as np

import graphc as torch


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * (60 - len(title)))


section("creation")
torch.manual_seed(0)
x = torch.empty(5, 3)
print(x.shape, x.size(), type(x).__name__)
x = torch.zeros(5, 3, dtype=torch.long)
print(x)
x = torch.tensor([5.5, 3])
print(x)
x = x.new_ones(5, 3, dtype=torch.double)
print(x)
x = torch.randn_like(x, dtype=torch.float)
print(x.size(), x.dtype)
print(torch.arange(6).reshape(2, 3))
print(torch.linspace(0, 1, 5))
print(torch.eye(3))

section("operations and broadcasting")
a = torch.ones(5, 3)
b = torch.full((5, 3), 2.0)
print(a + b)
result = torch.empty(5, 3)
torch.add(a, b, out=result)
print(result)
b.add_(a)                     # in place
print(b)
print(torch.arange(3) * 2.5)  # int tensor * float scalar -> float32
print(torch.arange(4) / 2)    # true division of ints gives floats

section("views and indexing")
t = torch.arange(12.0).view(3, 4)
print(t[:, 1])
print(t[1, 1], type(t[1, 1]).__name__, t[1, 1].item())
v = t.view(-1, 6)
v[0, 0] = 100.0               # views share storage with their base
print(t[0, 0].item(), t.is_contiguous(), t.t().is_contiguous())
print(t.t().contiguous().view(12)[:4])
print(t[t > 5])

section("matmul")
m1 = torch.arange(6.0).reshape(2, 3)
m2 = torch.arange(6.0).reshape(3, 2)
print(m1 @ m2)
print(torch.matmul(torch.ones(4, 2, 3), m2).shape)
print(torch.dot(torch.tensor([2.0, 3.0]), torch.tensor([2.0, 1.0])))

section("autograd")
x = torch.ones(2, 2, requires_grad=True)
print(x)
y = x + 2
print(y)
print(y.grad_fn)
z = y * y * 3
out = z.mean()
print(z, out)
out.backward()
print(x.grad)

section("backward with gradient= (vector-Jacobian product)")
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
print(y)
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
y.backward(v)
print(x.grad)

section("retain_graph")
w = torch.tensor([2.0], requires_grad=True)
loss = (w * w).sum()
loss.backward(retain_graph=True)
loss.backward()               # allowed: the graph was retained
print(w.grad)                 # accumulated twice: 4 + 4
try:
    loss.backward()
except RuntimeError as e:
    print("third backward:", str(e).split(".")[0])

section("no_grad and detach")
print(x.requires_grad, (x ** 2).requires_grad)
with torch.no_grad():
    print((x ** 2).requires_grad)
y = x.detach()
print(y.requires_grad, x.eq(y).all())

section("NumPy bridge (shared memory)")
a = torch.ones(5)
b = a.numpy()
a.add_(1)
print(a, b)
a = np.ones(5)
b = torch.from_numpy(a)
np.add(a, 1, out=a)
print(a, b)
