"""Learn the Basics › Tensors: creation, attributes, indexing/slicing, joining, arithmetic,
single-element tensors, in-place operations and the NumPy bridge.

Random tensors of the tutorial are drawn with NumPy from a fixed seed so that PyTorch and graphc
print the same numbers.
"""
import numpy as np

import graphc as torch

rng = np.random.default_rng(0)


def rand(*shape):
    return torch.from_numpy(rng.random(shape, dtype=np.float32))


# Initializing a Tensor -------------------------------------------------------------------
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
print(x_data, x_data.dtype)

np_array = np.array(data)
x_np = torch.from_numpy(np_array)
print(x_np, x_np.dtype)

x_ones = torch.ones_like(x_data)  # retains the properties of x_data
print(f"Ones Tensor: \n {x_ones} \n")

x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
print(f"Random Tensor shape/dtype: {x_rand.shape} {x_rand.dtype} \n")

shape = (2, 3,)
rand_tensor = rand(*shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)

print(f"Random Tensor: \n {rand_tensor} \n")
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")

# Attributes of a Tensor ------------------------------------------------------------------
tensor = rand(3, 4)

print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
print(tensor.size(), tensor.size(1), tensor.dim(), tensor.ndim, tensor.numel(), tensor.is_leaf)
print(tensor.requires_grad, tensor.grad, tensor.grad_fn, tensor.is_cuda)

# Operations on Tensors -------------------------------------------------------------------
if torch.cuda.is_available():
    tensor = tensor.to("cuda")

tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)

t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
print(torch.stack([tensor[0], tensor[1]]))
print(torch.stack([tensor[0], tensor[1]], dim=1).shape)

# Arithmetic operations
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)

y3 = rand(*y1.shape)
torch.matmul(tensor, tensor.T, out=y3)
print(y1, y2, y3, sep="\n")

z1 = tensor * tensor
z2 = tensor.mul(tensor)

z3 = rand(*tensor.shape)
torch.mul(tensor, tensor, out=z3)
print(z1, z2, z3, sep="\n")

# Single-element tensors
agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))
print(agg, repr(agg), agg.shape)

# In-place operations
print(f"{tensor} \n")
tensor.add_(5)
print(tensor)
tensor.t_()
tensor.copy_(torch.arange(16.0).view(4, 4))
print(tensor)
tensor.mul_(2).sub_(1).div_(4)
print(tensor)
tensor.clamp_(min=0.5, max=2)
print(tensor)
tensor.zero_()
print(tensor)

# Bridge with NumPy -----------------------------------------------------------------------
t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")

t.add_(1)
print(f"t: {t}")
print(f"n: {n}")

n = np.ones(5)
t = torch.from_numpy(n)

np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
print(t.dtype, torch.tensor(n).dtype, torch.as_tensor(n).dtype, torch.as_tensor(n) is t)
print(torch.tensor(np.arange(4, dtype=np.int32)), torch.tensor(np.array([True, False])))
print(torch.tensor(np.float32(2.5)), torch.tensor(3.0).numpy(), torch.tensor([1, 2]).tolist())
