"""Learning PyTorch with Examples: fitting y = sin(x) with a third-order polynomial.

The tutorial's progression: NumPy, Tensors (manual gradients), Autograd, a custom
``autograd.Function`` (LegendrePolynomial3), ``nn`` (Sequential + Flatten, MSELoss, manual update
under ``no_grad``), ``optim`` (RMSprop), a custom ``nn.Module`` and dynamic control flow with
weight sharing. The starting weights come from NumPy (not ``torch.randn``), the loops are shorter
than the tutorial's 2000 steps and losses print rounded, so both libraries print the same lines.
"""
import math
import random

import numpy as np

import graphc as torch

rng = np.random.default_rng(0)
STEPS = 300


def r(v):
    """A result rounded for printing: 4 decimals, and no "-0.0000" for a value that is zero up
    to rounding noise (float32 sums add in a different order in each library)."""
    return round(float(v), 4) + 0.0


def g(v):
    """A loss for printing: 5 significant digits."""
    return f"{float(v):.5g}"


def randn_scalar(requires_grad=False):
    return torch.tensor(np.float32(rng.standard_normal()), requires_grad=requires_grad)


# Warm-up: numpy ---------------------------------------------------------------------------
x = np.linspace(-math.pi, math.pi, 2000)
y = np.sin(x)
a, b, c, d = rng.standard_normal(4)
learning_rate = 1e-6
for t in range(STEPS):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = np.square(y_pred - y).sum()
    if t % 100 == 99:
        print(t, g(loss))
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d
print(f'Result: y = {r(a):.4f} + {r(b):.4f} x + {r(c):.4f} x^2 + {r(d):.4f} x^3')

# PyTorch: Tensors -------------------------------------------------------------------------
dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)
print(x[:3], x[-3:], x.dtype, y[995:1000])

a = randn_scalar()
b = randn_scalar()
c = randn_scalar()
d = randn_scalar()

learning_rate = 1e-6
for t in range(STEPS):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum().item()
    if t % 100 == 99:
        print(t, g(loss))
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d
print(f'Result: y = {r(a):.4f} + {r(b):.4f} x + {r(c):.4f} x^2 + {r(d):.4f} x^3')

# PyTorch: Tensors and autograd ------------------------------------------------------------
a = randn_scalar(requires_grad=True)
b = randn_scalar(requires_grad=True)
c = randn_scalar(requires_grad=True)
d = randn_scalar(requires_grad=True)

learning_rate = 1e-6
for t in range(STEPS):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, g(loss), loss.grad_fn)
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f'Result: y = {r(a):.4f} + {r(b):.4f} x + {r(c):.4f} x^2 + {r(d):.4f} x^3')
print(a.requires_grad, a.is_leaf, a.grad)


# PyTorch: Defining new autograd functions ------------------------------------------------
class LegendrePolynomial3(torch.autograd.Function):
    """
    We can implement our own custom autograd Functions by subclassing
    torch.autograd.Function and implementing the forward and backward passes
    which operate on Tensors.
    """

    @staticmethod
    def forward(ctx, input):
        """
        In the forward pass we receive a Tensor containing the input and return
        a Tensor containing the output. ctx is a context object that can be used
        to stash information for backward computation. You can cache arbitrary
        objects for use in the backward pass using the ctx.save_for_backward method.
        """
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        """
        In the backward pass we receive a Tensor containing the gradient of the loss
        with respect to the output, and we need to compute the gradient of the loss
        with respect to the input.
        """
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

learning_rate = 5e-6
for t in range(STEPS):
    # To apply our Function, we use Function.apply method. We alias this as 'P3'.
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, g(loss))
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f'Result: y = {r(a):.4f} + {r(b):.4f} * P3({r(c):.4f} + {r(d):.4f} x)')
out = P3(c + d * x[:2])
print(out, out.grad_fn, out.requires_grad)

# PyTorch: nn --------------------------------------------------------------------------------
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
print(xx.shape, xx.dtype, xx[0])


def reset(model):
    with torch.no_grad():
        for param in model.parameters():
            param.copy_(torch.from_numpy(
                rng.uniform(-0.5, 0.5, tuple(param.shape)).astype(np.float32)))


model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
reset(model)
print(model)
loss_fn = torch.nn.MSELoss(reduction='sum')
print(loss_fn)

learning_rate = 1e-6
for t in range(STEPS):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, g(loss))
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

linear_layer = model[0]
print(f'Result: y = {r(linear_layer.bias):.4f} + {r(linear_layer.weight[:, 0]):.4f} x + '
      f'{r(linear_layer.weight[:, 1]):.4f} x^2 + {r(linear_layer.weight[:, 2]):.4f} x^3')
print(y_pred.grad_fn, loss.grad_fn, y_pred.shape)

# PyTorch: optim -----------------------------------------------------------------------------
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
reset(model)
loss_fn = torch.nn.MSELoss(reduction='sum')
learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
print(optimizer)
for t in range(STEPS):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, g(loss))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

linear_layer = model[0]
print(f'Result: y = {r(linear_layer.bias):.4f} + {r(linear_layer.weight[:, 0]):.4f} x + '
      f'{r(linear_layer.weight[:, 1]):.4f} x^2 + {r(linear_layer.weight[:, 2]):.4f} x^3')
print(sorted(optimizer.state_dict()["state"][0]))


# PyTorch: Custom nn Modules -----------------------------------------------------------------
class Polynomial3(torch.nn.Module):
    def __init__(self):
        """
        In the constructor we instantiate four parameters and assign them as
        member parameters.
        """
        super().__init__()
        self.a = torch.nn.Parameter(randn_scalar())
        self.b = torch.nn.Parameter(randn_scalar())
        self.c = torch.nn.Parameter(randn_scalar())
        self.d = torch.nn.Parameter(randn_scalar())

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {r(self.a):.4f} + {r(self.b):.4f} x + {r(self.c):.4f} x^2 + ' \
               f'{r(self.d):.4f} x^3'


model = Polynomial3()
print(model, [n for n, _ in model.named_parameters()], model.a)
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(STEPS):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, g(loss))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f'Result: {model.string()}')


# PyTorch: Control Flow + Weight Sharing -----------------------------------------------------
class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(randn_scalar())
        self.b = torch.nn.Parameter(randn_scalar())
        self.c = torch.nn.Parameter(randn_scalar())
        self.d = torch.nn.Parameter(randn_scalar())
        self.e = torch.nn.Parameter(randn_scalar())

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        return f'y = {r(self.a):.4f} + {r(self.b):.4f} x + {r(self.c):.4f} x^2 + ' \
               f'{r(self.d):.4f} x^3 + {r(self.e):.4f} x^4 ? + {r(self.e):.4f} x^5 ?'


random.seed(0)
model = DynamicNet()
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
for t in range(STEPS):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, g(loss))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f'Result: {model.string()}')
print(optimizer.state_dict()["param_groups"])
