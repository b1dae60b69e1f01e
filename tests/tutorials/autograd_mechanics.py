"""Autograd mechanics (the PyTorch note) and the hooks tutorial material.

Grad modes (``no_grad`` as context and decorator, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``, ``is_grad_enabled``), ``requires_grad`` propagation, tensor hooks
(``register_hook`` that reads or replaces a gradient, ``retain_grad``, ``retains_grad``,
removing a handle), hooks on ``grad_fn`` nodes, ``register_post_accumulate_grad_hook``, module
forward/backward hooks, the version counter and PyTorch's in-place correctness errors, leaves
and non-leaves, ``detach``/``detach_`` and gradient accumulation.
"""
import numpy as np

import graphc as torch
import graphc.nn as nn

rng = np.random.default_rng(5)


def randn(*shape, requires_grad=False):
    return torch.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=requires_grad)


# Grad modes --------------------------------------------------------------------------------
x = torch.ones(2, requires_grad=True)
print(torch.is_grad_enabled(), (x * 2).requires_grad)
with torch.no_grad():
    print(torch.is_grad_enabled(), (x * 2).requires_grad)
    with torch.enable_grad():
        print(torch.is_grad_enabled(), (x * 2).requires_grad)
with torch.set_grad_enabled(False):
    print((x * 2).requires_grad)
torch.set_grad_enabled(False)
print((x * 2).requires_grad, torch.is_grad_enabled())
torch.set_grad_enabled(True)
print((x * 2).requires_grad, torch.is_grad_enabled())


@torch.no_grad()
def doubler(t):
    return t * 2


@torch.enable_grad()
def tripler(t):
    return t * 3


print(doubler(x).requires_grad)
with torch.no_grad():
    print(tripler(x).requires_grad)

with torch.inference_mode():
    y = x * 2
print(y.requires_grad)

# requires_grad propagation
a = randn(5)
b = randn(5)
c = randn(5, requires_grad=True)
print((a + b).requires_grad, (a + c).requires_grad, (a + c).is_leaf, c.is_leaf)
print(torch.zeros(3, requires_grad=True).sum().grad_fn)
try:
    torch.tensor([1, 2]).requires_grad_()
except RuntimeError as e:
    print("RuntimeError:", e)

# Tensor hooks --------------------------------------------------------------------------------
v = torch.tensor([0., 0., 0.], requires_grad=True)
h = v.register_hook(lambda grad: grad * 2)  # double the gradient
v.backward(torch.tensor([1., 2., 3.]))
print(v.grad)
h.remove()  # removes the hook
v.grad = None
v.backward(torch.tensor([1., 2., 3.]))
print(v.grad)

seen = []
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a * 3
b.register_hook(lambda g: seen.append(("b", g.clone())))
c = (b ** 2).sum()
c.backward()
print(seen, a.grad, b.grad)

a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a * 3
b.retain_grad()
print(b.retains_grad, a.retains_grad, b.is_leaf)
c = (b ** 2).sum()
c.backward()
print(b.grad, a.grad)

# The order of hooks on the same tensor, and hooks that return None
a = torch.tensor(2.0, requires_grad=True)
out = a * a
order = []
out.register_hook(lambda g: order.append(1))
out.register_hook(lambda g: order.append(2) or g + 1)
out.backward()
print(order, a.grad)

# Hooks on nodes
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a.exp()
calls = []
b.grad_fn.register_hook(lambda grad_inputs, grad_outputs: calls.append(
    ([g.shape if g is not None else None for g in grad_inputs],
     [g.shape for g in grad_outputs])))
b.grad_fn.register_prehook(lambda grad_outputs: calls.append("pre"))
b.sum().backward()
print(calls, b.grad_fn.name())

# Post-accumulate-grad hooks (optimizer-in-backward)
w = torch.tensor([1.0, -1.0], requires_grad=True)
w.register_post_accumulate_grad_hook(lambda p: print("accumulated", p.grad))
(w * w).sum().backward()

# Leaves, non-leaves and accumulation -------------------------------------------------------
w = torch.tensor([1.0, 2.0], requires_grad=True)
for _ in range(3):
    (w * w).sum().backward()
print(w.grad)
w.grad.zero_()
print(w.grad)
nl = w * 2
(nl.sum()).backward()
print(nl.grad_fn is not None, nl.is_leaf, w.grad)

d = nl.detach()
print(d.requires_grad, d.is_leaf, d.grad_fn)
nl2 = w * 3
nl2.detach_()
print(nl2.requires_grad, nl2.grad_fn, nl2)

# Version counter and in-place correctness checks -------------------------------------------
a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a.sigmoid()
print(b._version)
c = b * 2
b.mul_(2)
print(b._version, b.grad_fn)
try:
    c.sum().backward()
    print("no error: MulBackward0 saved b? ", a.grad)
except RuntimeError as e:
    print("RuntimeError:", str(e).split(";")[0])

a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
b = a.exp()
b.add_(1)  # exp saved its output, which is now modified
try:
    b.sum().backward()
except RuntimeError as e:
    print("RuntimeError:", str(e).split(";")[0])

leaf = torch.tensor([1.0], requires_grad=True)
try:
    leaf.add_(1)
except RuntimeError as e:
    print("RuntimeError:", e)
with torch.no_grad():
    leaf.add_(1)
print(leaf, leaf._version)

# Module hooks --------------------------------------------------------------------------------
lin = nn.Linear(3, 2)
with torch.no_grad():
    lin.weight.copy_(torch.tensor([[0.1, 0.2, 0.3], [-0.1, 0.0, 0.5]]))
    lin.bias.fill_(0.5)
events = []


def pre_hook(module, args):
    events.append(("pre", type(module).__name__, [tuple(a.shape) for a in args]))


def fwd_hook(module, args, output):
    events.append(("fwd", tuple(output.shape)))
    return output * 10


def bwd_hook(module, grad_input, grad_output):
    events.append(("bwd", [None if g is None else tuple(g.shape) for g in grad_input],
                   [tuple(g.shape) for g in grad_output]))


hp = lin.register_forward_pre_hook(pre_hook)
hf = lin.register_forward_hook(fwd_hook)
hb = lin.register_full_backward_hook(bwd_hook)
inp = torch.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
out = lin(inp)
print(out)
out.sum().backward()
print(events)
print(lin.weight.grad, inp.grad)
for handle in (hp, hf, hb):
    handle.remove()
print(lin(inp))
