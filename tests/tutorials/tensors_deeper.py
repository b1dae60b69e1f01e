"""Introduction to PyTorch › Introduction to PyTorch Tensors: creation helpers, shapes, dtypes,
math with scalars and tensors, broadcasting, the math and logic ops, in-place and ``out=``
variants, copying, changing dimensions and the NumPy bridge.

``torch.rand`` in the tutorial is replaced by NumPy draws from a fixed seed so that both libraries
print the same numbers; ``torch.manual_seed`` still shows that reseeding reproduces a stream.
"""
import math

import numpy as np

import graphc as torch

rng = np.random.default_rng(1729)


def rand(*shape):
    return torch.from_numpy(rng.random(shape, dtype=np.float32))


# Creating Tensors ------------------------------------------------------------------------
x = torch.empty(3, 4)
print(type(x), x.shape)

zeros = torch.zeros(2, 3)
print(zeros)
ones = torch.ones(2, 3)
print(ones)

torch.manual_seed(1729)
random1 = torch.rand(2, 3)
random2 = torch.rand(2, 3)
torch.manual_seed(1729)
random3 = torch.rand(2, 3)
random4 = torch.rand(2, 3)
print(torch.equal(random1, random3), torch.equal(random2, random4),
      torch.equal(random1, random2))

# Tensor Shapes
x = torch.empty(2, 2, 3)
print(x.shape)
empty_like_x = torch.empty_like(x)
print(empty_like_x.shape)
zeros_like_x = torch.zeros_like(x)
print(zeros_like_x)
ones_like_x = torch.ones_like(x)
print(ones_like_x)
rand_like_x = torch.rand_like(x)
print(rand_like_x.shape)

some_constants = torch.tensor([[3.1415926, 2.71828], [1.61803, 0.0072897]])
print(some_constants)
some_integers = torch.tensor((2, 3, 5, 7, 11, 13, 17, 19))
print(some_integers)
more_integers = torch.tensor(((2, 4, 6), [3, 6, 9]))
print(more_integers)

# Tensor Data Types
a = torch.ones((2, 3), dtype=torch.int16)
print(a)
b = rand(2, 3).double() * 20.
print(b)
c = b.to(torch.int32)
print(c)
print(b.int(), b.long().dtype, b.half().dtype, b.float().dtype, b.bool().dtype)

# Math & Logic with PyTorch Tensors -------------------------------------------------------
ones = torch.zeros(2, 2) + 1
twos = torch.ones(2, 2) * 2
threes = (torch.ones(2, 2) * 7 - 1) / 2
fours = twos ** 2
sqrt2s = twos ** 0.5
print(ones)
print(twos)
print(threes)
print(fours)
print(sqrt2s)

powers2 = twos ** torch.tensor([[1, 2], [3, 4]])
print(powers2)
fives = ones + fours
print(fives)
dozens = threes * fours
print(dozens)

a = rand(2, 3)
b = rand(3, 2)
try:
    print(a * b)
except RuntimeError as e:
    print("RuntimeError:", e)

# In Brief: Tensor Broadcasting
rand_t = rand(2, 4)
doubled = rand_t * (torch.ones(1, 4) * 2)
print(rand_t)
print(doubled)

a = torch.ones(4, 3, 2)
b = a * rand(3, 2)  # 3rd & 2nd dims identical to a, dim 1 absent
print(b)
c = a * rand(3, 1)  # 3rd dim = 1, 2nd dim identical to a
print(c)
d = a * rand(1, 2)  # 3rd dim identical to a, 2nd dim = 1
print(d)

a = torch.ones(4, 3, 2)
for shape in [(4, 3), (2, 3), ()]:
    try:
        b = a * rand(*shape)
        print(shape, "->", b.shape)
    except RuntimeError as e:
        print(shape, "RuntimeError:", e)
try:
    b = a * torch.ones(0)
except RuntimeError as e:
    print("RuntimeError:", e)

# More Math with Tensors
a = torch.from_numpy(rng.random((2, 4), dtype=np.float32)) * 2 - 1
print('Common functions:')
print(torch.abs(a))
print(torch.ceil(a))
print(torch.floor(a))
print(torch.clamp(a, -0.5, 0.5))

angles = torch.tensor([0, math.pi / 4, math.pi / 2, 3 * math.pi / 4])
sines = torch.sin(angles)
inverses = torch.asin(sines)
print('\nSine and arcsine:')
print(angles)
print(sines)
print(inverses)

print('\nBitwise XOR:')
b = torch.tensor([1, 5, 11])
c = torch.tensor([2, 7, 10])
print(torch.bitwise_xor(b, c))

print('\nBroadcasted, element-wise equality comparison:')
d = torch.tensor([[1., 2.], [3., 4.]])
e = torch.ones(1, 2)  # many comparison ops support broadcasting!
print(torch.eq(d, e))  # returns a tensor of type bool

print('\nReduction ops:')
print(torch.max(d))         # returns a single-element tensor
print(torch.max(d).item())  # extracts the value from the returned tensor
print(torch.mean(d))        # average
print(torch.std(d))         # standard deviation
print(torch.prod(d))        # product of all numbers
print(torch.unique(torch.tensor([1, 2, 1, 2, 1, 2])))  # filter unique elements

print('\nVectors & Matrices:')
v1 = torch.tensor([1., 0., 0.])         # x unit vector
v2 = torch.tensor([0., 1., 0.])         # y unit vector
m1 = rand(2, 2)                         # random matrix
m2 = torch.tensor([[3., 0.], [0., 3.]])  # three times identity matrix

# The tutorial calls torch.linalg.cross, torch.linalg.matmul and torch.linalg.svd here; graphc
# has no torch.linalg namespace (nor decompositions) yet, so this uses the top-level forms and
# leaves out the SVD.
print(torch.cross(v2, v1, dim=0))  # negative of z unit vector (v1 x v2 == -v2 x v1)
print(m1)
m3 = torch.matmul(m1, m2)
print(m3)                  # 3 times m1

# Altering Tensors in Place
a = torch.tensor([0, math.pi / 4, math.pi / 2, 3 * math.pi / 4])
print('a:')
print(a)
print(torch.sin(a))   # this operation creates a new tensor in memory
print(a)              # a has not changed

b = torch.tensor([0, math.pi / 4, math.pi / 2, 3 * math.pi / 4])
print('\nb:')
print(b)
print(torch.sin_(b))  # note the underscore
print(b)              # b has changed

a = torch.ones(2, 2)
b = rand(2, 2)
print('Before:')
print(a)
print(b)
print('\nAfter adding:')
print(a.add_(b))
print(a)
print(b)
print('\nAfter multiplying')
print(b.mul_(b))
print(b)

a = rand(2, 2)
b = rand(2, 2)
c = torch.zeros(2, 2)
old_id = id(c)

print(c)
d = torch.matmul(a, b, out=c)
print(c)                # contents of c have changed

assert c is d           # test c & d are same object, not just containing equal values
assert id(c) == old_id  # make sure that our new c is the same object as the old one

torch.rand(2, 2, out=c)  # works for creation too!
print(c.shape)          # c has changed again
assert id(c) == old_id  # still the same object!

# Copying Tensors
a = torch.ones(2, 2)
b = a
a[0][1] = 561  # we change a...
print(b)       # ...and b is also altered

a = torch.ones(2, 2)
b = a.clone()
assert b is not a      # different objects in memory...
print(torch.eq(a, b))  # ...but still with the same contents!
a[0][1] = 561          # a changes...
print(b)               # ...but b is still all ones

a = rand(2, 2).requires_grad_()  # turn on autograd
print(a)
b = a.clone()
print(b)
c = a.detach().clone()
print(c)
print(a)

# Manipulating Tensor Shapes
a = rand(3, 226, 226)
b = a.unsqueeze(0)
print(a.shape)
print(b.shape)

c = rand(1, 1, 1, 1, 1)
print(c)

a = rand(1, 20)
print(a.shape)
b = a.squeeze(0)
print(b.shape)
c = rand(2, 2)
print(c.shape)
d = c.squeeze(0)
print(d.shape)

a = torch.ones(4, 3, 2)
c = a * rand(3, 1)  # 3rd dim = 1, 2nd dim identical to a
print(c.shape)

a = torch.ones(4, 3, 2)
b = rand(3)     # trying to multiply a * b will give a runtime error
c = b.unsqueeze(1)       # change to a 2-dimensional tensor, adding new dim at the end
print(c.shape)
print(a * c)             # broadcasting works again!

batch_me = rand(3, 226, 226)
print(batch_me.shape)
batch_me.unsqueeze_(0)
print(batch_me.shape)

output3d = rand(6, 20, 20)
print(output3d.shape)
input1d = output3d.reshape(6 * 20 * 20)
print(input1d.shape)
print(torch.reshape(output3d, (6 * 20 * 20,)).shape)

# NumPy Bridge
numpy_array = np.ones((2, 3))
print(numpy_array)
pytorch_tensor = torch.from_numpy(numpy_array)
print(pytorch_tensor)

numpy_array[1, 1] = 23
print(pytorch_tensor)

pytorch_rand = rand(2, 3)
numpy_rand = pytorch_rand.numpy()
print(pytorch_rand)
print(numpy_rand)

pytorch_rand[1, 1] = 17
print(numpy_rand)
