"""Behaviour of views and indexing beyond forward values: shared storage and version counters,
PyTorch's errors, in-place index assignment and its autograd rules, gradients vs PyTorch."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from graphc.errors import AutogradError, GraphcError, GraphcIndexError, ShapeError


def _x(*shape):
    return graphc.arange(float(np.prod(shape))).reshape(*shape).clone()


# -- views share storage and the version counter ---------------------------------------------
VIEWS = {
    "view": lambda x: x.view(12),
    "reshape_contiguous": lambda x: x.reshape(2, 6),
    "transpose": lambda x: x.transpose(0, 1),
    "t": lambda x: x.t(),
    "permute": lambda x: x.permute(1, 0),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x.unsqueeze(1).squeeze(1),
    "flatten": lambda x: x.flatten(),
    "unflatten": lambda x: x.unflatten(1, (2, 2)),
    "diagonal": lambda x: x.diagonal(),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "getitem_slice": lambda x: x[1:, ::2],
    "getitem_int": lambda x: x[1],
    "getitem_none_ellipsis": lambda x: x[None, ..., 0],
    "split": lambda x: x.split(2, 1)[1],
    "chunk": lambda x: x.chunk(3)[2],
    "unbind": lambda x: x.unbind(1)[3],
    "movedim": lambda x: x.movedim(0, 1),
    "select": lambda x: graphc.select(x, 1, 2),
}


@pytest.mark.parametrize("make_view", VIEWS.values(), ids=VIEWS.keys())
def test_view_shares_storage_and_version(make_view):
    x = _x(3, 4)
    v = make_view(x)
    assert v._base is x
    assert np.shares_memory(v.numpy(), x.numpy())
    before = x.numpy().copy()
    v[...] = -1.0  # setitem through the view
    changed = x.numpy() != before
    assert changed.any() and (x.numpy()[changed] == -1).all()
    assert x._version == v._version == 1


def test_views_of_views_point_at_the_root():
    x = _x(3, 4)
    w = x.t()[1:].unsqueeze(0)
    assert w._base is x
    w.add_(100)
    assert x._version == w._version == 1
    assert x[1, 1].item() == 105


def test_inplace_on_view_visible_in_base():
    x = _x(3, 4)
    row = x[0]
    row.mul_(10)
    assert x[0].tolist() == [0, 10, 20, 30]
    assert x._version == row._version == 1


def test_iteration_yields_views():
    x = _x(3, 4)
    rows = list(x)
    assert [tuple(r.shape) for r in rows] == [(4,)] * 3
    rows[2][0] = 99
    assert x[2, 0].item() == 99


# -- view vs reshape vs contiguous -----------------------------------------------------------
def test_view_of_non_contiguous_raises_pytorch_error():
    x = _x(3, 4).t()
    with pytest.raises(RuntimeError, match=r"view size is not compatible with input tensor's size "
                                           r"and stride .* Use \.reshape\(\.\.\.\) instead\."):
        x.view(12)
    assert isinstance(pytest.raises(ShapeError, x.view, -1).value, GraphcError)


def test_view_of_non_contiguous_allowed_when_strides_permit():
    x = _x(2, 3, 4).transpose(0, 1)  # (3, 2, 4): the last dim is still contiguous
    v = x.view(3, 2, 2, 2)
    assert v._base is x._base
    assert np.shares_memory(v.numpy(), x.numpy())
    np.testing.assert_array_equal(v.numpy(), x.numpy().reshape(3, 2, 2, 2))


def test_view_bad_shape_message():
    with pytest.raises(RuntimeError, match=r"shape '\[-1, 5\]' is invalid for input of size 12"):
        _x(3, 4).view(-1, 5)


def test_reshape_copies_only_when_needed():
    x = _x(3, 4)
    assert np.shares_memory(x.reshape(12).numpy(), x.numpy())
    r = x.t().reshape(12)
    assert not np.shares_memory(r.numpy(), x.numpy())
    np.testing.assert_array_equal(r.numpy(), x.numpy().T.reshape(12))
    r[0] = 50
    assert x[0, 0].item() == 0


def test_contiguous_returns_self_or_a_copy():
    x = _x(3, 4)
    assert x.contiguous() is x
    t = x.t()
    assert not t.is_contiguous()
    c = t.contiguous()
    assert c.is_contiguous() and c is not t
    assert not np.shares_memory(c.numpy(), x.numpy())
    np.testing.assert_array_equal(c.numpy(), x.numpy().T)


def test_clone_is_independent():
    x = _x(3, 4)
    c = x.clone()
    c[0, 0] = 7
    assert x[0, 0].item() == 0 and x._version == 0


# -- expand ----------------------------------------------------------------------------------
def test_expand_is_a_view_and_writes_are_refused():
    x = graphc.tensor([1.0, 2.0, 3.0])
    e = x.expand(2, 3)
    assert e._base is x and np.shares_memory(e.numpy(), x.numpy())
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e[0, 0] = 5.0
    with pytest.raises(GraphcError, match="single memory location"):
        e.add_(1)
    assert x.tolist() == [1.0, 2.0, 3.0] and x._version == 0


def test_expand_errors():
    x = _x(3, 4)
    with pytest.raises(RuntimeError, match="must match the existing size"):
        x.expand(2, 5)
    with pytest.raises(RuntimeError, match="number of sizes provided"):
        x.expand(4)
    with pytest.raises(RuntimeError, match="leading, non-existing dimension"):
        x.expand(-1, 3, 4)


# -- basic indexing --------------------------------------------------------------------------
def test_scalar_index_is_a_0d_tensor_view():
    x = _x(3, 4)
    y = x[1, 1]
    assert type(y) is graphc.Tensor
    assert y.shape == () and y.ndim == 0 and y.item() == 5.0
    x[1, 1] = 42.0
    assert y.item() == 42.0


def test_index_out_of_bounds():
    x = _x(3, 4)
    with pytest.raises(GraphcIndexError, match="index 5 is out of bounds for dimension 0 with "
                                               "size 3"):
        x[5]
    with pytest.raises(IndexError, match="index -5 is out of bounds for dimension 1 with size 4"):
        x[0, -5]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[graphc.tensor([0, 3])]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        x[1, 2, 3]


def test_negative_and_zero_steps_are_refused():
    x = _x(3, 4)
    for bad in (slice(None, None, -1), slice(None, None, 0)):
        with pytest.raises(ValueError, match="step must be greater than zero"):
            x[bad]
        with pytest.raises(ValueError, match="step must be greater than zero"):
            x[bad] = 0.0
    assert x._version == 0


def test_bad_index_types():
    x = _x(3, 4)
    with pytest.raises(IndexError, match="tensors used as indices must be long"):
        x[graphc.tensor([1.0])]
    with pytest.raises(IndexError, match="only integers, slices"):
        x["a"]
    with pytest.raises(IndexError, match="does not match the shape of the indexed tensor"):
        x[graphc.tensor([True, False])]


def test_range_indexes_like_a_list():
    """``input[range(n), target]``: the nll of "What is torch.nn really?"."""
    x = _x(3, 4)
    assert x[range(3), graphc.tensor([0, 1, 2])].tolist() == [0.0, 5.0, 10.0]
    assert x[range(1, 3)].tolist() == x[[1, 2]].tolist()
    assert tuple(x[range(0)].shape) == (0, 4)
    x[range(2)] = 0.0
    assert x[:2].sum().item() == 0.0 and x[2].sum().item() != 0.0
    assert graphc.tensor(range(3)).tolist() == [0, 1, 2]
    assert graphc.tensor(range(3)).dtype is graphc.int64


def test_ints_apply_before_advanced_indices_like_pytorch():
    x = _x(2, 3, 4)
    assert x[0, :, [1, 2]].shape == (3, 2)  # NumPy would give (2, 3)
    assert x[[0, 1], :, [0, 1]].shape == (2, 3)


# -- index assignment ------------------------------------------------------------------------
def test_setitem_kinds():
    x = graphc.zeros(3, 4)
    x[1, 2] = 7
    x[0] = graphc.tensor([1.0, 2.0, 3.0, 4.0])
    x[:, 3] = graphc.tensor(9.0)
    x[[2, 2], [0, 1]] = graphc.tensor([5.0, 6.0])
    x[x == 0] = -1
    assert x._version == 5
    assert x.tolist() == [[1, 2, 3, 9], [-1, -1, 7, 9], [5, 6, -1, 9]]


def test_setitem_broadcasts_and_casts():
    x = graphc.zeros(2, 3, dtype=graphc.int64)
    x[:, 1:] = graphc.tensor([[1.9, 2.2]])  # (1, 2) into (2, 2), float into int truncates
    assert x.tolist() == [[0, 1, 2], [0, 1, 2]]


def test_failed_setitem_leaves_tensor_untouched():
    x = _x(3, 4)
    before = x.numpy().copy()
    with pytest.raises(IndexError, match="out of bounds"):
        x[graphc.tensor([0, 5])] = 1.0
    with pytest.raises(RuntimeError, match="shape mismatch: value tensor of shape \\[3\\]"):
        x[[0, 1]] = graphc.ones(3)
    with pytest.raises(IndexError):
        x[0, 9] = 1.0
    np.testing.assert_array_equal(x.numpy(), before)
    assert x._version == 0


def test_failed_ops_leave_inputs_untouched():
    x = _x(3, 4)
    before = x.numpy().copy()
    for fn in (lambda: x.t().view(-1), lambda: x.gather(0, graphc.tensor([[3]])),
               lambda: x.index_select(1, graphc.tensor([4])), lambda: x.narrow(0, 2, 2),
               lambda: graphc.cat([x, graphc.zeros(2, 3)])):
        with pytest.raises((RuntimeError, IndexError)):
            fn()
    np.testing.assert_array_equal(x.numpy(), before)
    assert x._version == 0


# -- splitting -------------------------------------------------------------------------------
def test_unbind_split_chunk_shapes():
    x = _x(5, 4)
    assert [tuple(t.shape) for t in x.unbind(1)] == [(5,)] * 4
    assert [tuple(t.shape) for t in x.split(2)] == [(2, 4), (2, 4), (1, 4)]
    assert [tuple(t.shape) for t in x.split([1, 3], 1)] == [(5, 1), (5, 3)]
    assert [tuple(t.shape) for t in x.chunk(2, 1)] == [(5, 2), (5, 2)]
    assert [tuple(t.shape) for t in x.chunk(3)] == [(2, 4), (2, 4), (1, 4)]
    with pytest.raises(RuntimeError, match="split_with_sizes expects split_sizes to sum"):
        x.split([1, 1])
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0"):
        x.chunk(0)


def test_cat_and_stack_errors():
    a, b = graphc.zeros(2, 3), graphc.zeros(2, 4)
    with pytest.raises(RuntimeError, match="Sizes of tensors must match except in dimension 0"):
        graphc.cat([a, b])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        graphc.stack([a, b])
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        graphc.cat([])
    assert graphc.cat([a, graphc.zeros(0)]).shape == (2, 3)  # PyTorch's legacy skip
    assert graphc.cat([a.int(), b], 1).dtype is graphc.float32


# -- autograd --------------------------------------------------------------------------------
GRAD_FN_NAMES = [
    (lambda x: x.view(12), "ViewBackward0"),
    (lambda x: x.t().reshape(12), "UnsafeViewBackward0"),
    (lambda x: x.transpose(0, 1), "TransposeBackward0"),
    (lambda x: x.t(), "TBackward0"),
    (lambda x: x.permute(1, 0), "PermuteBackward0"),
    (lambda x: x.unsqueeze(1).squeeze(), "SqueezeBackward0"),
    (lambda x: x.unsqueeze(1).squeeze(1), "SqueezeBackward1"),
    (lambda x: x.unsqueeze(1), "UnsqueezeBackward0"),
    (lambda x: x.unsqueeze(0).expand(2, 3, 4), "ExpandBackward0"),
    (lambda x: x.repeat(2, 1), "RepeatBackward0"),
    (lambda x: x.flip(0), "FlipBackward0"),
    (lambda x: x.clone(), "CloneBackward0"),
    (lambda x: x.split(2)[0], "SplitBackward0"),
    (lambda x: x.split([1, 2])[0], "SplitWithSizesBackward0"),
    (lambda x: x.unbind()[0], "UnbindBackward0"),
    (lambda x: x.narrow(0, 1, 1), "SliceBackward0"),
    (lambda x: x[1], "SelectBackward0"),
    (lambda x: x[1:], "SliceBackward0"),
    (lambda x: x[[0, 1]], "IndexBackward0"),
    (lambda x: graphc.cat([x, x]), "CatBackward0"),
    (lambda x: graphc.stack([x, x]), "StackBackward0"),
    (lambda x: x.diagonal(), "DiagonalBackward0"),
    (lambda x: x.sort().values, "SortBackward0"),
    (lambda x: x.topk(2).values, "TopkBackward0"),
    (lambda x: x.gather(0, graphc.zeros(1, 4, dtype=graphc.int64)), "GatherBackward0"),
    (lambda x: x.masked_fill(x > 0, 1.0), "MaskedFillBackward0"),
    (lambda x: x.masked_select(x > 0), "MaskedSelectBackward0"),
    (lambda x: x.index_select(0, graphc.tensor([0])), "IndexSelectBackward0"),
]


@pytest.mark.parametrize("fn,name", GRAD_FN_NAMES, ids=[n for _, n in GRAD_FN_NAMES])
def test_grad_fn_names(fn, name):
    x = graphc.randn(3, 4, requires_grad=True)
    assert fn(x).grad_fn.name() == name


def test_setitem_records_history():
    x = graphc.randn(3, 4, requires_grad=True)
    w = graphc.randn(4, requires_grad=True)
    y = x.clone()
    y[0] = w
    assert y.grad_fn.name() == "CopySlices"
    y[graphc.tensor([1, 1])] = 0.0
    assert y.grad_fn.name() == "IndexPutBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [[0] * 4, [0] * 4, [1] * 4]
    assert w.grad.tolist() == [1] * 4


def test_setitem_on_leaf_requiring_grad_is_refused():
    x = graphc.randn(3, requires_grad=True)
    before = x.detach().numpy().copy()
    with pytest.raises(AutogradError, match="a leaf Variable that requires grad is being used in "
                                            "an in-place operation."):
        x[0] = 1.0
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x._version == 0
    with graphc.no_grad():
        x[0] = 1.0
    assert x.detach().numpy()[0] == 1.0 and x._version == 1


def test_setitem_invalidates_saved_tensors():
    x = graphc.randn(3, requires_grad=True)
    y = x.exp()  # saves its output
    z = y * 1.0
    y[0] = 0.0
    with pytest.raises(AutogradError, match="modified by an inplace operation"):
        (z.sum() + y.sum()).backward()


def test_sort_returns_a_named_pair():
    x = graphc.tensor([3.0, 1.0, 2.0])
    r = x.sort()
    assert r.values.tolist() == [1.0, 2.0, 3.0] and r.indices.tolist() == [1, 2, 0]
    values, indices = graphc.sort(x, descending=True)
    assert values.tolist() == [3.0, 2.0, 1.0] and indices.dtype is graphc.int64
    assert "return_types.sort" in repr(r)


def test_sort_is_stable_and_nan_is_largest():
    x = graphc.tensor([1.0, float("nan"), 0.0, 1.0])
    assert x.argsort().tolist() == [2, 0, 3, 1]
    assert x.argsort(descending=True).tolist() == [1, 0, 3, 2]


# -- gradients against PyTorch ---------------------------------------------------------------
def _both(torch, *shapes, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    g = [graphc.tensor(a, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    return g, t


def _compare_grads(g_in, t_in):
    for a, b in zip(g_in, t_in):
        if b.grad is None:
            assert a.grad is None or not a.grad.numpy().any()
        else:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


PROGRAMS = {
    "getitem_mixed": lambda m, x, w: (x[1:, [0, 2, 2]] * w[:2, :3]).sum() + x[0, -1] * 3,
    "getitem_mask": lambda m, x, w: (x[x > 0] ** 2).sum() + (w[:, None, 1] * x[None, 0]).sum(),
    "setitem_chain": lambda m, x, w: _setitem_program(m, x, w),
    "cat_stack": lambda m, x, w: (m.cat([x, w[:3, :4]], 0).exp() * m.stack(
        [x, x * w[:3, :4]], 1).sum(1).repeat(2, 1)).sum(),
    "split_unbind": lambda m, x, w: sum((p * (i + 1)).sum() for i, p in
                                        enumerate(x.split([1, 2]) + w.unbind(1))),
    "gather_scatter": lambda m, x, w: (
        x.gather(1, m.tensor([[0, 0], [3, 1], [2, 2]])) ** 2).sum() + x.scatter_add(
        1, m.tensor([[1, 1, 1, 1, 1]] * 3), w[:3]).pow(2).sum(),
    "sort_topk": lambda m, x, w: (x.sort(1).values * w[:3, :4]).sum() + x.topk(2, 0).values.sum(),
}


def _setitem_program(m, x, w):
    y = x * 1.0
    y[0] = w[0, :4]
    y[:, 1:3] = y[:, 1:3].exp()
    y[y > 1] = w[4, 0]
    y[m.tensor([2, 0])] += w[1:3, :4]
    return (y ** 2).sum()


@pytest.mark.parametrize("program", PROGRAMS.values(), ids=PROGRAMS.keys())
def test_gradients_match_torch(program):
    torch = pytest.importorskip("torch")
    g_in, t_in = _both(torch, (3, 4), (5, 5))
    g_out = program(graphc, *g_in)
    t_out = program(torch, *t_in)
    np.testing.assert_allclose(g_out.item(), t_out.item(), rtol=1e-10)
    g_out.backward()
    t_out.backward()
    _compare_grads(g_in, t_in)


def test_double_backward_through_getitem_matches_torch():
    torch = pytest.importorskip("torch")
    g_in, t_in = _both(torch, (3, 4), seed=3)
    outs = []
    for m, (x,) in ((graphc, g_in), (torch, t_in)):
        y = (x[[0, 2, 2], 1:] ** 3).sum()
        (gx,) = m.autograd.grad(y, x, create_graph=True)
        (gx[1:, ::2] ** 2).sum().backward()
        outs.append(x.grad)
    np.testing.assert_allclose(outs[0].numpy(), outs[1].numpy(), rtol=1e-10)


# -- devices ---------------------------------------------------------------------------------
def test_indexing_on_device(device):
    x = graphc.arange(12.0, device=device).reshape(3, 4)
    assert x[1, ::2].tolist() == [4.0, 6.0]
    assert x[graphc.tensor([2, 0], device=device)][:, 0].tolist() == [8.0, 0.0]
    x[x > 9] = 0.0
    assert x.sum().item() == 45.0
    with pytest.raises(IndexError, match="out of bounds"):
        x.gather(1, graphc.tensor([[4]], device=device))
    assert x.sort(descending=True).values[:, 0].tolist() == [3.0, 7.0, 9.0]
