"""Tensor basics with PyTorch's semantics: creation, dtypes, conversion, devices, errors."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import graphc
from graphc.errors import ArgumentError, DeviceError, GraphcError, ShapeError

torch_or_none = None
try:
    import torch as torch_or_none
except ImportError:
    pass


# -- creation ---------------------------------------------------------------------------------
def test_tensor_infers_pytorch_dtypes():
    assert graphc.tensor([1, 2]).dtype is graphc.int64
    assert graphc.tensor([1.0, 2]).dtype is graphc.float32
    assert graphc.tensor([True, False]).dtype is graphc.bool
    assert graphc.tensor(np.zeros(2)).dtype is graphc.float64  # NumPy arrays keep their dtype
    assert graphc.tensor(3.5).ndim == 0
    assert graphc.tensor([[1, 2]], dtype=graphc.float64).dtype is graphc.float64


def test_filled_and_range_creation():
    assert graphc.zeros(2, 3).shape == (2, 3)
    assert graphc.ones((2, 3)).sum().item() == 6
    assert graphc.full((2,), 7).dtype is graphc.int64
    assert graphc.full((2,), 7.0).dtype is graphc.float32
    assert graphc.empty(4).shape == graphc.Size([4])
    assert graphc.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert graphc.arange(0, 1, 0.25).dtype is graphc.float32
    np.testing.assert_allclose(graphc.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    assert graphc.eye(3).sum().item() == 3


def test_random_creation_is_seeded():
    graphc.manual_seed(123)
    a = graphc.randn(3, 4)
    graphc.manual_seed(123)
    b = graphc.randn(3, 4)
    assert graphc.equal(a, b)
    r = graphc.rand(1000)
    assert 0 <= r.min().item() and r.max().item() < 1
    i = graphc.randint(0, 10, (100,))
    assert i.dtype is graphc.int64 and 0 <= i.min().item() and i.max().item() < 10
    n = graphc.normal(2.0, 3.0, size=(5000,))
    assert abs(n.mean().item() - 2.0) < 0.2
    g = graphc.Generator().manual_seed(5)
    g2 = graphc.Generator().manual_seed(5)
    assert graphc.equal(graphc.rand(3, generator=g), graphc.rand(3, generator=g2))


def test_like_and_new_forms():
    x = graphc.ones(2, 3, dtype=graphc.float64)
    assert graphc.zeros_like(x).dtype is graphc.float64
    assert graphc.ones_like(x, dtype=graphc.int32).dtype is graphc.int32
    assert graphc.full_like(x, 3).sum().item() == 18
    assert graphc.randn_like(x).shape == (2, 3)
    assert graphc.rand_like(x).dtype is graphc.float64
    assert x.new_ones(4).dtype is graphc.float64
    assert x.new_zeros(2, 2).shape == (2, 2)
    assert x.new_full((3,), 2).tolist() == [2.0, 2.0, 2.0]
    assert x.new_tensor([1, 2]).dtype is graphc.float64
    assert graphc.empty_like(x).shape == x.shape


def test_legacy_constructors():
    t = graphc.Tensor([1, 2])
    assert type(t) is graphc.Tensor and t.dtype is graphc.float32
    assert graphc.Tensor(2, 3).shape == (2, 3)
    assert graphc.FloatTensor([1, 2]).dtype is graphc.float32
    assert graphc.DoubleTensor([1]).dtype is graphc.float64
    assert graphc.LongTensor([1.7]).tolist() == [1]
    assert isinstance(graphc.LongTensor([1]), graphc.LongTensor)
    assert not isinstance(graphc.FloatTensor([1]), graphc.LongTensor)
    v = graphc.autograd.Variable(graphc.ones(2), requires_grad=True)
    assert v.requires_grad and isinstance(v, graphc.Tensor)


def test_size_and_attributes():
    x = graphc.zeros(5, 3)
    assert repr(x.size()) == "graphc.Size([5, 3])"
    assert x.size(1) == 3 and x.size(-1) == 3
    assert x.shape.numel() == 15 and x.numel() == 15
    assert x.ndim == 2 and x.dim() == 2
    assert x.T.shape == (3, 5)
    assert type(x[1, 1]) is graphc.Tensor and x[1, 1].ndim == 0
    assert x.is_leaf and not x.requires_grad and x.grad is None and x.grad_fn is None
    assert x.device == graphc.device("cpu") and str(x.device) == "cpu"
    assert graphc.device("cuda").index == 0 and str(graphc.device("cuda:1")) == "cuda:1"


# -- dtypes and promotion ---------------------------------------------------------------------
@pytest.mark.parametrize("a,b,expected", [
    ("int64", "float32", "float32"), ("int32", "int64", "int64"), ("uint8", "int8", "int16"),
    ("bool", "int32", "int32"), ("float16", "float32", "float32"), ("int64", "float16", "float16"),
    ("float32", "float64", "float64"), ("bool", "bool", "bool"),
])
def test_tensor_tensor_promotion(a, b, expected):
    x = graphc.ones(2, dtype=getattr(graphc, a if a != "bool" else "bool"))
    y = graphc.ones(2, dtype=getattr(graphc, b if b != "bool" else "bool"))
    assert (x + y).dtype.name == expected
    if torch_or_none is not None:
        tx = torch_or_none.ones(2, dtype=getattr(torch_or_none, a))
        ty = torch_or_none.ones(2, dtype=getattr(torch_or_none, b))
        assert str((tx + ty).dtype) == f"torch.{expected}"


def test_scalar_and_zero_dim_promotion():
    i = graphc.tensor([1, 2], dtype=graphc.int32)
    f = graphc.tensor([1.0, 2.0])
    assert (i + 1).dtype is graphc.int32          # Python ints do not upcast int32
    assert (i * 2.5).dtype is graphc.float32       # int tensor * float scalar -> default float
    assert (f * 2.0).dtype is graphc.float32
    assert (f + graphc.tensor(1.0, dtype=graphc.float64)).dtype is graphc.float32  # 0-d ranks lower
    assert (i / i).dtype is graphc.float32         # int / int -> float
    assert (i // 2).dtype is graphc.int32
    assert (graphc.tensor([True]) + 1).dtype is graphc.int64
    assert (f > 1).dtype is graphc.bool


def test_float64_default_dtype_switch():
    graphc.set_default_dtype(graphc.float64)
    try:
        assert graphc.tensor([1.0]).dtype is graphc.float64
        assert graphc.zeros(1).dtype is graphc.float64
    finally:
        graphc.set_default_dtype(graphc.float32)


# -- conversion ---------------------------------------------------------------------------------
def test_numpy_shares_memory_both_ways():
    a = graphc.ones(5)
    b = a.numpy()
    a.add_(1)
    assert b.tolist() == [2.0] * 5
    b[0] = 10
    assert a[0].item() == 10
    n = np.ones(3)
    t = graphc.from_numpy(n)
    np.add(n, 1, out=n)
    assert t.tolist() == [2.0, 2.0, 2.0]
    t.mul_(2)
    assert n.tolist() == [4.0, 4.0, 4.0]


def test_numpy_on_tensor_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="detach"):
        graphc.ones(2, requires_grad=True).numpy()


def test_item_tolist_and_python_conversions():
    x = graphc.tensor([[1.5, 2.0]])
    assert x.tolist() == [[1.5, 2.0]]
    assert x[0, 0].item() == 1.5 and float(x[0, 1]) == 2.0 and int(x[0, 0]) == 1
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError):  # ambiguous truth value (PyTorch raises RuntimeError)
        bool(x)
    assert np.asarray(x).shape == (1, 2)


def test_to_dtype_and_copies():
    x = graphc.tensor([1.7, -2.2])
    assert x.to(graphc.float32) is x  # no-op returns self, as PyTorch
    assert x.long().tolist() == [1, -2]
    assert x.double().dtype is graphc.float64
    assert x.to("cpu", graphc.float64).dtype is graphc.float64
    assert x.int().dtype is graphc.int32 and x.bool().dtype is graphc.bool
    assert x.half().dtype is graphc.float16
    assert x.to(graphc.zeros(1, dtype=graphc.int16)).dtype is graphc.int16
    assert x.to(graphc.float32, copy=True) is not x
    y = x.double()
    y[0] = 0
    assert x[0].item() != 0


def test_to_dtype_is_differentiable():
    x = graphc.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * 3
    assert y.grad_fn.next_functions[0][0].name() == "ToCopyBackward0"
    y.sum().backward()
    assert x.grad.dtype is graphc.float32 and x.grad.tolist() == [3.0, 3.0]


def test_dlpack_round_trip_shares_memory():
    n = np.arange(4.0)
    t = graphc.from_dlpack(n)
    n[0] = 9
    assert t[0].item() == 9
    back = np.from_dlpack(t)
    back[1] = 7
    assert t[1].item() == 7
    if torch_or_none is not None:
        tt = torch_or_none.arange(3.0)
        g = graphc.from_dlpack(tt)
        tt[0] = 5
        assert g[0].item() == 5


def test_copy_and_deepcopy_and_pickle():
    x = graphc.tensor([1.0, 2.0], requires_grad=True)
    y = copy.deepcopy(x)
    assert y.requires_grad and y is not x and graphc.equal(x, y)
    y.data[0] = 5
    assert x[0].item() == 1.0
    z = pickle.loads(pickle.dumps(x))
    assert z.requires_grad and z.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


# -- devices ------------------------------------------------------------------------------------
def test_cuda_without_gpu_is_a_clear_error():
    if graphc.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(DeviceError, match="CuPy|GPU"):
        graphc.ones(2).to("cuda")
    with pytest.raises(DeviceError):
        graphc.ones(2, device="cuda")
    assert graphc.cuda.device_count() == 0


def test_accelerator_api_answers_for_cuda():
    """``torch.accelerator`` is how the Learn-the-Basics tutorials pick their device."""
    device = graphc.accelerator.current_accelerator().type \
        if graphc.accelerator.is_available() else "cpu"
    assert device == ("cuda" if graphc.cuda.is_available() else "cpu")
    assert graphc.accelerator.device_count() == graphc.cuda.device_count()
    if not graphc.cuda.is_available():
        assert graphc.accelerator.current_accelerator() is None


def test_bad_device_string():
    with pytest.raises(DeviceError, match="device type"):
        graphc.device("tpu")


@pytest.mark.gpu
def test_gpu_round_trip_and_mixed_device_error():
    x = graphc.arange(6.0).reshape(2, 3)
    g = x.to("cuda")
    assert g.device.type == "cuda" and g.is_cuda
    assert graphc.equal(g.cpu(), x)
    assert ((g * 2).sum()).item() == 30.0
    with pytest.raises(DeviceError, match="same device"):
        g + x
    w = graphc.ones(3, device="cuda", requires_grad=True)
    (g * w).sum().backward()
    assert w.grad.device.type == "cuda" and w.grad.cpu().tolist() == [3.0, 5.0, 7.0]
    assert repr(g).endswith("device='cuda:0')")


# -- errors -------------------------------------------------------------------------------------
def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(ShapeError) as e:
        graphc.ones(2, 3) + graphc.ones(4)
    assert "add" in str(e.value) and "[2, 3]" in str(e.value) and "[4]" in str(e.value)
    assert isinstance(e.value, RuntimeError) and isinstance(e.value, GraphcError)


@pytest.mark.parametrize("a, b, sentence", [
    ((2, 3), (3, 2), "The size of tensor a (3) must match the size of tensor b (2) at "
                     "non-singleton dimension 1"),
    ((4, 3, 2), (4, 3), "The size of tensor a (2) must match the size of tensor b (3) at "
                        "non-singleton dimension 2"),
    ((4, 3, 2), (0,), "The size of tensor a (2) must match the size of tensor b (0) at "
                      "non-singleton dimension 2"),
])
def test_broadcast_error_carries_pytorchs_sentence(a, b, sentence):
    """The tensors tutorial's ``a * b`` error: PyTorch's words (which users search for)."""
    with pytest.raises(ShapeError) as e:
        graphc.ones(*a) * graphc.ones(*b)
    assert sentence in str(e.value) and str(e.value).startswith("mul: ")


def test_out_argument():
    a, b = graphc.ones(2, 2), graphc.ones(2, 2)
    result = graphc.empty(2, 2)
    r = graphc.add(a, b, out=result)
    assert r is result and result.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        graphc.mul(a.requires_grad_(), b, out=result)


def test_out_argument_of_factories():
    """``torch.rand(2, 2, out=c)`` (tensors tutorial) writes into ``c``; zeros/ones/empty took
    ``out=`` and ignored it. The result takes ``out``'s dtype unless one is given."""
    c = graphc.full((2, 2), 7.0)
    assert graphc.rand(2, 2, out=c) is c and bool(((c >= 0) & (c < 1)).all())
    assert graphc.randn(3, out=c) is c and tuple(c.shape) == (3,)
    assert graphc.zeros(2, 2, out=c) is c and c.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert graphc.ones(3, out=c) is c and c.tolist() == [1.0, 1.0, 1.0]
    long = graphc.empty(2, dtype=graphc.int64)
    assert graphc.ones(2, out=long).tolist() == [1, 1] and long.dtype is graphc.int64
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        graphc.rand(2, dtype=graphc.float32, out=long)


def test_cast_errors_use_pytorchs_type_names():
    i = graphc.tensor([1, 2])
    with pytest.raises(RuntimeError, match="^add_: result type Float can't be cast to the "
                                           "desired output type Long$"):
        i.add_(graphc.tensor([0.5, 0.5]))
    with pytest.raises(RuntimeError, match="^result type Double can't be cast to the desired "
                                           "output type Int$"):
        graphc.add(graphc.ones(2, dtype=graphc.float64), 1, out=graphc.empty(2, dtype=graphc.int32))


def test_inplace_function_forms():
    """``torch.sin_(b)`` (tensors tutorial) and the other function forms of in-place methods."""
    b = graphc.tensor([0.0, 1.0])
    assert graphc.sin_(b) is b and b.tolist() == pytest.approx([0.0, np.sin(1.0)])
    assert graphc.clamp_(b, max=0.5) is b and b.tolist() == pytest.approx([0.0, 0.5])
    x = graphc.tensor([-1.0, 2.0])
    graphc.relu_(x)
    assert x.tolist() == [0.0, 2.0] and graphc.relu_.__name__ == "relu_"


def test_result_type_is_exported():
    i = graphc.tensor([1, 2])
    assert graphc.result_type(i, 1.0) is graphc.float32
    assert graphc.result_type(graphc.tensor([1], dtype=graphc.int32), graphc.tensor(1)) \
        is graphc.int32


def test_classes_print_under_graphcs_name():
    """``print(type(x))`` shows ``<class 'graphc.Tensor'>`` as PyTorch shows
    ``<class 'torch.Tensor'>``; pickling still finds the classes."""
    x = graphc.ones(2)
    assert str(type(x)) == "<class 'graphc.Tensor'>"
    assert str(type(x.shape)) == "<class 'graphc.Size'>"
    assert str(type(x.dtype)) == "<class 'graphc.dtype'>"
    assert str(type(x.device)) == "<class 'graphc.device'>"
    assert pickle.loads(pickle.dumps(x.shape)) == x.shape
    assert pickle.loads(pickle.dumps(graphc.float64)) is graphc.float64
    assert pickle.loads(pickle.dumps(x)).tolist() == [1.0, 1.0]


def test_unsupported_numpy_dtype():
    with pytest.raises(TypeError):
        graphc.from_numpy(np.array(["a"]))
    with pytest.raises(ArgumentError):
        graphc.from_numpy([1, 2])


# -- printing -----------------------------------------------------------------------------------
def test_repr_like_pytorch():
    x = graphc.ones(2, 2, requires_grad=True)
    assert repr(x) == "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)"
    assert repr(x + 2) == "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)"
    assert repr(graphc.arange(3)) == "tensor([0, 1, 2])"
    assert repr(graphc.zeros(2, dtype=graphc.float64)) == "tensor([0., 0.], dtype=graphc.float64)"
    assert repr(graphc.tensor(2.5)) == "tensor(2.5000)"
    assert f"{graphc.tensor(2.5):.1f}" == "2.5"


def test_format_of_a_0d_tensor_is_its_number():
    """``f"Label: {label}"`` (datasets tutorial) prints ``Label: 7`` in PyTorch: a plain 0-d
    tensor formats as its Python number, with or without a spec; other tensors (and
    Parameters) as their repr, which takes no spec."""
    assert f"{graphc.tensor(7)}" == "7" and f"{graphc.tensor(2.5)}" == "2.5"
    assert "{}".format(graphc.tensor(True)) == "True"
    assert f"{graphc.tensor(2.0, requires_grad=True)}" == "2.0"
    assert f"{graphc.tensor([1.5])}" == "tensor([1.5000])"
    assert f"{graphc.nn.Parameter(graphc.tensor(1.0))}".startswith("Parameter containing:")
    with pytest.raises(TypeError, match="unsupported format string passed to Tensor.__format__"):
        f"{graphc.tensor([1.5]):.2f}"
