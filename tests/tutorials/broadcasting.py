"""Broadcasting semantics (the PyTorch note), with type promotion and in-place rules.

The note's examples: same shapes, empty tensors, trailing-dimension alignment, the resulting
size, in-place ops that may not change the shape of their target, and backwards compatibility
(the element-count pitfall, now an ordinary broadcast); then ``expand``/``broadcast_to``/
``broadcast_tensors``/``broadcast_shapes``, gradients of broadcast operands, and type promotion
of mixed dtypes and Python scalars.
"""
import graphc as torch

# General semantics ---------------------------------------------------------------------
x = torch.empty(5, 7, 3)
y = torch.empty(5, 7, 3)
print((x + y).size())  # same shapes are always broadcastable

x = torch.empty((0,))
y = torch.empty(2, 2)
try:
    print(x + y)  # x and y are not broadcastable, because x does not have at least 1 dimension
except RuntimeError as e:
    print("RuntimeError:", e)

x = torch.empty(5, 3, 4, 1)
y = torch.empty(3, 1, 1)
print((x + y).size())  # x and y are broadcastable

x = torch.empty(5, 2, 4, 1)
y = torch.empty(3, 1, 1)
try:
    x + y  # x and y are not broadcastable, because in the 3rd trailing dimension 2 != 3
except RuntimeError as e:
    print("RuntimeError:", e)

# can line up trailing dimensions to make reading easier
x = torch.empty(5, 1, 4, 1)
y = torch.empty(3, 1, 1)
print((x + y).size())

# but not necessary:
x = torch.empty(1)
y = torch.empty(3, 1, 7)
print((x + y).size())

x = torch.empty(5, 2, 4, 1)
y = torch.empty(3, 1, 1)
try:
    (x + y).size()
except RuntimeError as e:
    print("RuntimeError:", e)

# In-place semantics ----------------------------------------------------------------------
x = torch.empty(5, 3, 4, 1)
y = torch.empty(3, 1, 1)
print(x.add_(y).size())

x = torch.empty(1, 3, 1)
y = torch.empty(3, 1, 7)
try:
    x.add_(y)  # but: x and y are broadcastable, the in-place result would not have x's shape
except RuntimeError as e:
    print("RuntimeError:", e)

# Backwards compatibility -----------------------------------------------------------------
print(torch.add(torch.ones(4, 1), torch.randn(4)).shape)
print(torch.add(torch.ones(4, 1), torch.arange(4.0)))

# Values -----------------------------------------------------------------------------------
a = torch.arange(6.0).view(2, 3)
b = torch.tensor([10.0, 20.0, 30.0])
c = torch.tensor([[1.0], [2.0]])
print(a + b, a * c, b + c, sep="\n")
print(a - a.mean(dim=0), a / a.sum(dim=1, keepdim=True), sep="\n")
print(torch.arange(3).view(3, 1) * torch.arange(4), torch.arange(3)[:, None] < torch.arange(3))
print(torch.maximum(a, b.view(1, 3) - 15), torch.where(a > 2, a, c))
print(torch.ones(2, 1, 3).expand(2, 4, 3).shape, torch.ones(3, 1).expand(-1, 4))
print(torch.broadcast_to(torch.arange(3), (2, 3)), torch.ones(1, 3).expand_as(a).stride())
u, v = torch.broadcast_tensors(torch.arange(3), torch.arange(2).view(2, 1))
print(u, v, u.shape, v.shape)
print(torch.broadcast_shapes((1,), (3, 1), (3, 1, 1)))
try:
    torch.ones(2, 3).expand(3, 3)
except RuntimeError as e:
    print("RuntimeError:", e)

# Gradients of broadcast operands are summed back to their shapes -------------------------
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
s = torch.tensor(2.0, requires_grad=True)
m = torch.ones(2, 1, requires_grad=True)
out = (a * w + s) * m
out.sum().backward()
print(w.grad, s.grad, m.grad, sep="\n")
print(out.grad_fn, out.grad_fn.next_functions[0][0])

# Type promotion with broadcasting ----------------------------------------------------------
i = torch.tensor([1, 2, 3])
f = torch.tensor([0.5, 1.5, 2.5])
d = torch.tensor([1.0], dtype=torch.float64)
h = torch.tensor([1, 2, 3], dtype=torch.int32)
bl = torch.tensor([True, False, True])
for name, r in [("i+f", i + f), ("i*2.5", i * 2.5), ("i/2", i / 2), ("i//2", i // 2),
                ("f+d", f + d), ("i+d", i + d), ("h+i", h + i), ("h+1", h + 1),
                ("bl+bl", bl + bl), ("bl*1", bl * 1), ("bl*1.0", bl * 1.0), ("h*1.0", h * 1.0),
                ("d0+f", torch.tensor(2.0, dtype=torch.float64) + f),
                ("i0+h", torch.tensor(2) + h), ("i**2", i ** 2), ("i**-1.0", i ** -1.0),
                ("f>i", f > i), ("i%2", i % 2), ("-f//1", -f // 1)]:
    print(name, r, r.dtype)
print(torch.promote_types(torch.int32, torch.float32), torch.result_type(i, 1.0),
      torch.result_type(h, torch.tensor(1)), torch.result_type(torch.tensor(1.0), 2))
try:
    i.add_(f)  # an integer tensor cannot take a float result in place
except RuntimeError as e:
    print("RuntimeError:", e)
f.add_(i)
print(f, f.dtype)
