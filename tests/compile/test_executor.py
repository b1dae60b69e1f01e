"""The executor: generated code (casts only where dtypes differ, ``del`` after last use, 0-d
results wrapped as arrays), the reference interpreter, and error reports naming the node."""
from __future__ import annotations

import numpy as np
import pytest

import graphc
from graphc.errors import GraphcError
from graphc.ir import TensorSpec
from graphc.runtime import Program, generate_source, interpret


def mixed(i, x):
    return (i * x + 1).exp().sum()


def test_casts_only_where_the_compute_dtype_differs():
    g = graphc.trace(mixed, TensorSpec((3,), "i64"), TensorSpec((3,), "f32"))
    src, _ = generate_source(g)
    assert "i.astype(_float32)" in src           # int64 * float32 computes in float32
    assert src.count(".astype(") == 1            # nothing else needs a cast


def test_generated_code_matches_eager_including_0d_results():
    i, x = graphc.tensor([1, 2, 3]), graphc.tensor([0.5, -1.0, 2.0])
    f = graphc.compile(mixed)
    want = mixed(i, x)
    first, second = f(i, x), f(i, x)
    for got in (first, second):
        assert isinstance(got._data, np.ndarray) and got.dtype is graphc.float32
        assert got.item() == want.item()
    assert "_xp.asarray(" in f.code              # learned on the first (interpreted) call


def test_intermediates_are_deleted_after_last_use():
    g = graphc.trace(lambda x: ((x * 2).sin() + x).cos(), TensorSpec((4,)))
    src, _ = generate_source(g)
    lines = [ln.strip() for ln in src.splitlines()]
    assert "del v0" in lines and "del v1" in lines and "del v2" in lines
    assert lines[-1] == "return (v3,)"


def test_program_runs_interpreter_first_then_code():
    g = graphc.trace(lambda x: x.tanh() * 3, TensorSpec((2, 2)))
    p = Program(g)
    assert p.fn is None and "def lambda_(x):" in p.source()
    a = np.arange(4, dtype=np.float32).reshape(2, 2)
    (r1,) = p(a)
    assert p.fn is not None and p.code is not None
    (r2,) = p(a)
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_allclose(r1, np.tanh(a) * 3, rtol=1e-6)


def test_interpreter_checks_types_and_names_the_node():
    def f(x):
        return (x @ x.t()).relu()
    g = graphc.trace(f, TensorSpec((2, 3)))
    ok, _fixups = interpret(g, [np.ones((2, 3), np.float32)])
    assert ok[0].shape == (2, 2)
    g.nodes[-1].outputs[0].shape = (5,)          # a lying shape rule
    with pytest.raises(GraphcError) as info:
        interpret(g, [np.ones((2, 3), np.float32)])
    msg = str(info.value)
    assert "relu" in msg and "shape rule says [5]" in msg and "test_executor.py" in msg
    assert "(x @ x.t()).relu()" in msg           # the user's source line


def test_kernel_failure_reports_node_and_source_line():
    g = graphc.trace(lambda x, i: x.gather(0, i), TensorSpec((3,)), TensorSpec((2,), "i64"))
    with pytest.raises(GraphcError) as info:
        interpret(g, [np.ones(3, np.float32), np.array([0, 7])])
    assert "gather failed in graph lambda at node 0" in str(info.value)
    assert "test_executor.py" in str(info.value)


def test_non_literal_attrs_and_literals_are_bound_as_globals():
    g = graphc.trace(lambda x: x.clamp(min=float("-inf"), max=2.0).to(graphc.float64),
                     TensorSpec((3,)))
    src, glb = generate_source(g)
    assert "_l0_1" in src and glb["_l0_1"] == float("-inf")
    p = Program(g)
    a = np.array([-4.0, 1.0, 5.0], np.float32)
    for _ in range(2):
        r = p(a)[0]
        assert r.dtype == np.float64
        np.testing.assert_array_equal(r, [-4.0, 1.0, 2.0])


def test_python_code_view():
    g = graphc.trace(lambda x: x + 1, TensorSpec((2,)))
    assert g.python_code().startswith("def lambda_(x):")
