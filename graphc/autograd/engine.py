"""The eager backward engine.

One driver owns the generic work, so each op's vjp stays a line or two: counting dependencies
(correct on diamonds), summing fan-in, reducing broadcast gradients to the input's shape, casting
to the input's dtype, running hooks, checking saved tensors and freeing the graph. Rules run with
grad mode set to ``create_graph``, so higher-order gradients are recorded like any other ops.
"""
from __future__ import annotations

from heapq import heappop, heappush

import numpy as np

from graphc.autograd import grad_mode
from graphc.autograd.node import AccumulateGrad, _Freed
from graphc.device import CPU
from graphc.errors import AutogradError
from graphc.tensor import Tensor, _sync_view

_wrap = Tensor._wrap


def _needed(roots, targets: set) -> set:
    """Nodes on some path from a root to a target (autograd.grad executes only those)."""
    memo: dict = {}
    order = []
    stack = [(n, False) for n in roots if n is not None]
    while stack:
        node, done = stack.pop()
        if done:
            memo[node] = node in targets or any(
                memo.get(c, False) for c, _ in node.next_functions if c is not None)
            order.append(node)
            continue
        if node in memo:
            continue
        memo[node] = False
        stack.append((node, True))
        for c, _ in node.next_functions:
            if c is not None and c not in memo:
                stack.append((c, False))
    return {n for n, v in memo.items() if v}


def _accumulate(buf: list, nr: int, g) -> None:
    cur = buf[nr]
    buf[nr] = g if cur is None else cur + g


def _apply_pre_hooks(node, grads: list) -> None:
    for output_nr, fn in list(node._pre_hooks.values()):
        if output_nr is None:
            res = fn(tuple(grads))
            if res is not None:
                grads[:] = list(res)
        elif grads[output_nr] is not None:
            res = fn(grads[output_nr])
            if res is not None:
                grads[output_nr] = res


def _sum_to(g, shape):
    """Reduce a broadcast gradient back to an input's shape (the driver's job, not the rules')."""
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    dims = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    if lead:
        g = g.reshape(shape)
    elif g.shape != shape:
        g = g.reshape(shape)
    return g


def run_backward(roots, root_grads, *, retain_graph: bool, create_graph: bool,
                 capture=None, accumulate: bool = True):
    """Propagate ``root_grads`` from ``roots`` [(node, output_nr)] through the graph.

    Nodes run in decreasing creation order (a heap keyed by sequence number): every node that
    can contribute to a node's gradient was created after it, so it has run by then.
    ``capture`` maps (node, output_nr) -> slot index for ``autograd.grad``: gradients arriving
    there are returned instead of accumulated into leaves.
    """
    if len(roots) == 1 and accumulate and not capture and not create_graph:
        if backward_into_leaves(roots[0][0], root_grads[0], retain_graph):
            return []
    needed = _needed([n for n, _ in roots], {n for n, _ in capture}) if capture else None
    captured = [None] * (len(capture) if capture else 0)
    # Memory a leaf must not adopt without copying: the caller's gradients (and their bases).
    handed = set()
    for g in root_grads:
        handed.add(id(g._data))
        handed.add(id(g._data.base))
    buffers: dict = {}
    heap: list = []
    direct_leaves = accumulate and not capture
    for (node, nr), g in zip(roots, root_grads):
        if node is None:
            continue
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * _n_outputs(node)
            heappush(heap, (-node._seq, id(node), node))
        _accumulate(buf, nr, g)
    token = grad_mode._enabled.set(create_graph)
    try:
        while heap:
            node = heappop(heap)[2]
            grads = buffers.pop(node)
            if node._pre_hooks:
                _apply_pre_hooks(node, grads)
            if capture:
                for nr, g in enumerate(grads):
                    slot = capture.get((node, nr))
                    if slot is not None:
                        captured[slot] = g
            if type(node) is AccumulateGrad:
                if accumulate and grads[0] is not None:
                    _accumulate_into_leaf(node, grads[0], create_graph, handed)
                continue
            if needed is not None and node not in needed:
                continue
            if grads[0] is None and not any(g is not None for g in grads):
                continue
            in_grads = _call_vjp(node, grads)
            if node._post_hooks:
                for fn in list(node._post_hooks.values()):
                    res = fn(tuple(in_grads), tuple(grads))
                    if res is not None:
                        in_grads = list(res)
            if not retain_graph:
                node.release()
            i = -1
            for child, nr in node.next_functions:
                i += 1
                gi = in_grads[i]
                if gi is None or child is None:
                    continue
                if direct_leaves and child.__class__ is AccumulateGrad and not child._pre_hooks \
                        and not child._acc_hooks:
                    # A leaf without hooks takes each contribution as it arrives: the same sum
                    # as buffering them first, without a trip through the heap.
                    _accumulate_into_leaf(child, gi, create_graph, handed)
                    continue
                buf = buffers.get(child)
                if buf is None:
                    buf = buffers[child] = [None] * _n_outputs(child)
                    heappush(heap, (-child._seq, id(child), child))
                cur = buf[nr]
                buf[nr] = gi if cur is None else cur + gi
    finally:
        grad_mode._enabled.reset(token)
    return captured


def backward_into_leaves(node, g, retain_graph: bool) -> bool:
    """The common last step of a backward (a compiled function's single node, or ``w*x`` on
    leaves): one hook-free node whose inputs are all hook-free leaves. Runs it directly, with
    no scheduling; returns False (nothing done) when the graph has any other shape."""
    if node is None or node._pre_hooks or node._post_hooks:
        return False
    op = node.op
    if op is None or op.n_outputs != 1:  # a leaf's sink, or a multi-output node
        return False
    for child, _ in node.next_functions:
        if child is not None and (child.__class__ is not AccumulateGrad or child._pre_hooks
                                  or child._acc_hooks):
            return False
    token = grad_mode._enabled.set(False)
    try:
        in_grads = _call_vjp(node, [g])
    finally:
        grad_mode._enabled.reset(token)
    if not retain_graph:
        node.release()
    handed = {id(g._data), id(g._data.base)}
    i = -1
    for child, _ in node.next_functions:
        i += 1
        gi = in_grads[i]
        if child is None or gi is None:
            continue
        leaf = child._leaf()
        if leaf is not None and leaf.grad is None and gi.grad_fn is None \
                and _owns_fresh_memory(gi._data, handed):
            leaf.grad = gi  # the usual case, inlined: a fresh history-free gradient is adopted
        else:
            _accumulate_into_leaf(child, gi, False, handed)
    return True


def _n_outputs(node) -> int:
    op = node.op
    return op.n_outputs if op is not None else 1


def _call_vjp(node, grads: list) -> list:
    op = node.op
    inputs = node.saved_inputs()
    out = node.saved_output() if op.saves_out else None
    g = grads[0] if op.n_outputs == 1 else grads
    if op.needs_mask:
        needs = tuple(e[0] is not None for e in node.next_functions)
        res = op.vjp(g, *inputs, out=out, needs=needs, **node.attrs)
    else:
        res = op.vjp(g, *inputs, out=out, **node.attrs)
    in_grads = list(res)
    if op.exact_grads:
        return in_grads
    edges = node.next_functions
    for i, gi in enumerate(in_grads):
        if gi is None or edges[i][0] is None:
            in_grads[i] = None
            continue
        x = inputs[i]
        if x.__class__ is _Freed:
            shape, np_dtype = x.shape, x.np_dtype
        else:
            shape, np_dtype = x._data.shape, x._data.dtype
        if gi._data.shape != shape:
            gi = _sum_to(gi, shape)
        if gi._data.dtype != np_dtype:
            gi = gi.to(x.dtype)
        in_grads[i] = gi
    return in_grads


def _owns_fresh_memory(arr, handed: set) -> bool:
    """True when ``arr`` can become a leaf's ``.grad`` without a copy: its memory was freshly
    computed, is writable and contiguous, and no other leaf (nor the caller's ``gradient=``)
    holds it. Adopting it records the memory in ``handed``."""
    root = arr.base
    if root is None:
        root = arr
    elif root.base is not None or root.size != arr.size:
        return False  # a view of part of some memory (or of a view): not ours to keep
    # else ``arr`` views all of its base's memory (e.g. ``g.mT``): the base is the owner
    if id(root) in handed:
        return False
    flags = arr.flags
    if flags.c_contiguous and getattr(flags, "writeable", True):
        handed.add(id(root))
        return True
    return False


def _accumulate_into_leaf(acc: AccumulateGrad, g, create_graph: bool, handed=None) -> None:
    leaf = acc._leaf()
    if leaf is None:
        return
    if leaf.grad is None:
        if create_graph:
            leaf.grad = g
        elif handed is not None and _owns_fresh_memory(g._data, handed):
            # Gradients computed without grad mode carry no history: store the tensor itself.
            leaf.grad = g if g.grad_fn is None and not g._requires_grad else g.detach()
        else:
            # A copy, so the stored grad never aliases another leaf's grad or `gradient=`.
            leaf.grad = g.detach().clone()
    elif create_graph or leaf.grad.requires_grad:
        leaf.grad = leaf.grad + g
    else:
        leaf.grad._data += g._data
        leaf.grad._vbox[0] += 1
    if acc._acc_hooks:
        for fn in list(acc._acc_hooks.values()):
            fn(leaf)


def check_root(t, g):
    """PyTorch's checks on ``backward()``'s starting tensor and gradient."""
    if not t._requires_grad:
        raise AutogradError("element 0 of tensors does not require grad and does not have a "
                            "grad_fn")
    if g is None:
        data = t._data
        if data.size != 1:
            raise AutogradError(f"grad can be implicitly created only for scalar outputs "
                                f"(got a tensor of shape {list(t.shape)})")
        return _ones_like_data(t)
    if tuple(g.shape) != tuple(t.shape):
        raise AutogradError(f"backward: Mismatch in shape: grad_output[0] has a shape of "
                            f"{list(g.shape)} and output[0] has a shape of {list(t.shape)}.")
    return g


_SCALAR_ONES: dict = {}


def _ones_like_data(t):
    """The implicit gradient of a scalar output: a fresh array of one (copied from a cache, as
    np.ones is slow for the common 0-d case)."""
    data, dev = t._data, t._device
    if data.ndim == 0 and dev is CPU:
        one = _SCALAR_ONES.get(data.dtype)
        if one is None:
            one = _SCALAR_ONES[data.dtype] = np.ones((), data.dtype)
        return _wrap(one.copy(), dev)
    return _wrap(dev.xp.ones(data.shape, data.dtype), dev)


def grad_edge(t):
    """The (node, output_nr) a gradient for tensor ``t`` flows into."""
    if t._base is not None and t._vbox[1] != t._hv:
        _sync_view(t)  # a view whose base was since modified in place
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    return t._get_accumulator(), 0
