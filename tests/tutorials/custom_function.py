"""Extending PyTorch › Extending torch.autograd, and Double Backward with Custom Functions.

``LinearFunction`` with ``save_for_backward`` and ``needs_input_grad``, ``MulConstant`` with a
non-tensor argument, ``mark_non_differentiable``, multiple outputs, ``gradcheck`` in double
precision, and a custom Function differentiated twice. Inputs come from NumPy.
"""
import numpy as np

import graphc as torch
from graphc.autograd import Function

rng = np.random.default_rng(9)


def randn(*shape, dtype=np.float64, requires_grad=False):
    return torch.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=requires_grad)


# Inherit from Function
class LinearFunction(Function):

    # Note that forward, setup_context, and backward are @staticmethods
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    # This function has only a single output, so it gets only one gradient
    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None

        seen_needs.append(ctx.needs_input_grad)
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)

        return grad_input, grad_weight, grad_bias


seen_needs = []  # what backward saw in ctx.needs_input_grad
linear = LinearFunction.apply
x = randn(4, 3, requires_grad=True)
w = randn(2, 3, requires_grad=True)
b = randn(2, requires_grad=True)
y = linear(x, w, b)
print(y, y.grad_fn.name(), type(y.grad_fn).__name__)
y.sum().backward()
print(x.grad, w.grad, b.grad, sep="\n")

w2 = randn(2, 3)  # no grad for the weight this time
x.grad = None
linear(x, w2).pow(2).sum().backward()
print(x.grad, seen_needs)

# gradcheck calls backward as often as its method needs (not a behaviour to compare)
input = (randn(20, 20, requires_grad=True), randn(30, 20, requires_grad=True))
test = torch.autograd.gradcheck(linear, input, eps=1e-6, atol=1e-4)
print(test)


class MulConstant(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        # ctx is a context object that can be used to stash information
        # for backward computation
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        # We return as many input gradients as there were arguments.
        # Gradients of non-Tensor arguments to forward must be None.
        return grad_output * ctx.constant, None


t = torch.tensor([1.0, 2.0], requires_grad=True)
out = MulConstant.apply(t, 5.5)
print(out)
out.backward(torch.ones(2))
print(t.grad)


class SortWithIndices(Function):
    """Two outputs, one of them (the indices) non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        values, indices = x.sort()
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        indices, = ctx.saved_tensors
        grad = torch.zeros_like(grad_values)
        grad.scatter_(0, indices, grad_values)
        return grad


v = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
values, indices = SortWithIndices.apply(v)
print(values, indices, values.requires_grad, indices.requires_grad)
(values * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
print(v.grad)


# Double backward with a custom Function
class MyCube(Function):
    @staticmethod
    def forward(ctx, x):
        result = x ** 3
        # In regular PyTorch, if we had just run y = x ** 3, then the backward
        # pass computes dx = 3 * x ** 2. In this custom function, we've done that
        # computation here in the forward pass instead.
        dx = 3 * x ** 2
        ctx.save_for_backward(x, dx)
        return result, dx

    @staticmethod
    def backward(ctx, grad_output, grad_dx):
        x, dx = ctx.saved_tensors
        # In order for the autograd.Function to work with higher-order
        # gradients, we must add the gradient contribution of `dx`,
        # which is grad_dx * 6 * x.
        result = grad_output * dx + grad_dx * 6 * x
        return result


# Wrap MyCube in a function so that it is clearer what the output is
def my_cube(x):
    result, dx = MyCube.apply(x)
    return result


x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.double, requires_grad=True)
out = my_cube(x)
grad_x, = torch.autograd.grad(out.sum(), x, create_graph=True)
print(out, grad_x, sep="\n")
print(torch.autograd.grad(grad_x.sum(), x))
print(torch.autograd.gradcheck(my_cube, (randn(4, requires_grad=True),)))
