"""The IR's text forms (pinned by expected output), the verifier and the exports."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

import graphc
from graphc.errors import CompileError
from graphc.ir import Graph, TensorSpec, parse_specs, verify
from graphc.ops.registry import REGISTRY


def linear(x, w, b):
    return x @ w + b


def reduce_rows(x):
    return (x * 2.5).sum(dim=1).relu()


def test_printer_expected_output():
    g = graphc.trace(linear, TensorSpec((128, 784)), TensorSpec((784, 512)), TensorSpec((512,)))
    assert str(g) == (
        "graph linear(%x: f32[128,784], %w: f32[784,512], %b: f32[512]) {\n"
        "  %0 = mm(%x, %w)                           : f32[128,512]\n"
        "  %1 = add(%0, %b)                          : f32[128,512]\n"
        "  return (%1)\n"
        "}")


def test_printer_literals_attrs_and_dtypes():
    g = graphc.trace(reduce_rows, TensorSpec((3, 4), "f64"))
    assert str(g) == (
        "graph reduce_rows(%x: f64[3,4]) {\n"
        "  %0 = mul(%x, 2.5)                         : f64[3,4]\n"
        "  %1 = sum_dim[dim=(1,), keepdim=False](%0) : f64[3]\n"
        "  %2 = relu(%1)                             : f64[3]\n"
        "  return (%2)\n"
        "}")


def test_printer_is_deterministic_across_traces():
    a = graphc.trace(reduce_rows, graphc.randn(3, 4))
    b = graphc.trace(reduce_rows, graphc.randn(3, 4))
    assert a.format(source=True) == b.format(source=True)


def test_format_source_names_the_user_line():
    g = graphc.trace(linear, graphc.randn(2, 3), graphc.randn(3, 4), graphc.randn(4))
    text = g.format(source=True)
    line = linear.__code__.co_firstlineno + 1
    assert f"# test_ir.py:{line} in linear" in text
    assert all("# test_ir.py" in ln for ln in text.splitlines() if " = " in ln)


def test_multi_output_and_int_types():
    def f(x):
        values, idx = x.max(dim=1)
        return values, idx
    g = graphc.trace(f, TensorSpec((2, 5)))
    text = str(g)
    assert "%0, %1 = max_dim[dim=1, keepdim=False](%x)" in text
    assert ": f32[2], i64[2]" in text
    assert text.rstrip().endswith("return (%0, %1)\n}")


def test_constants_and_captured_parameters():
    w = graphc.randn(3, requires_grad=True)

    def f(x):
        return x * w + graphc.tensor([1.0, 2.0, 3.0])
    g = graphc.trace(f, graphc.randn(3))
    text = str(g)
    assert text.startswith("graph f(%x: f32[3], %w: f32[3]) {")  # captured: an input
    assert "%c0 = constant([1.0, 2.0, 3.0])" in text          # created inside: a constant
    assert [v.kind for v in g.inputs] == ["arg", "capture"]


def test_tabular_view():
    g = graphc.trace(linear, graphc.randn(2, 3), graphc.randn(3, 4), graphc.randn(4))
    rows = g.tabular().splitlines()
    assert rows[0].split() == ["name", "opcode", "target", "args", "type", "source"]
    assert any(r.split()[:4] == ["%0", "call_op", "mm", "%x,"] for r in rows)
    assert rows[-1].split() == ["output", "%1"]


def test_parse_specs():
    specs = parse_specs("f32[128,784], i64[128], f64[], b8[2, 3]")
    assert [(s.shape, s.dtype.name) for s in specs] == [
        ((128, 784), "float32"), ((128,), "int64"), ((), "float64"), ((2, 3), "bool")]
    with pytest.raises(graphc.errors.GraphcValueError, match="bad tensor spec"):
        parse_specs("float[3]")


# -- verifier ----------------------------------------------------------------------------------
def _graph():
    return graphc.trace(reduce_rows, TensorSpec((3, 4)))


def test_verifier_accepts_traced_and_joint_graphs():
    verify(_graph())
    f = graphc.compile(lambda x: (x.sin() * x).sum())
    f(graphc.randn(3, requires_grad=True)).backward()
    art = f.artifacts
    for g in (art.traced, art.joint, art.forward, art.backward):
        verify(g)


def test_verifier_catches_wrong_types():
    g = _graph()
    g.nodes[1].outputs[0].shape = (4,)
    with pytest.raises(CompileError, match=r"output 0 has type f32\[4\] but sum_dim's shape rule"):
        verify(g)
    g = _graph()
    out = g.nodes[2].outputs[0]
    out.dt = graphc.float64
    with pytest.raises(CompileError, match="relu"):
        verify(g)


def test_verifier_catches_use_before_definition():
    g = _graph()
    g.nodes[0], g.nodes[1] = g.nodes[1], g.nodes[0]
    with pytest.raises(CompileError, match="before it is defined"):
        verify(g)


def test_verifier_catches_ssa_and_arity_violations():
    g = _graph()
    g.nodes[2].outputs = g.nodes[1].outputs
    with pytest.raises(CompileError):
        verify(g)
    g = _graph()
    g.nodes[2].inputs = g.nodes[2].inputs * 2
    g.nodes[2].req = g.nodes[2].req * 2
    with pytest.raises(CompileError, match="wrong arity"):
        verify(g)
    g = _graph()
    g.nodes[2].req = ()
    with pytest.raises(CompileError, match="gradient-edge flags"):
        verify(g)


def test_verifier_catches_unregistered_ops_and_undefined_outputs():
    g = _graph()
    fake = type(REGISTRY["relu"])(**REGISTRY["relu"].__dict__)
    g.nodes[2].op = fake
    with pytest.raises(CompileError, match="not the registered op"):
        verify(g)
    g = _graph()
    g.outputs = [graphc.ir.Value((3,), graphc.float32)]
    with pytest.raises(CompileError, match="output is not defined"):
        verify(g)


def test_verifier_names_the_pass():
    def bad_pass(graph):
        graph.nodes[0].outputs[0].shape = (1,)
        return graph
    from graphc.passes import pipeline
    old = list(pipeline.PASSES)
    pipeline.PASSES.append(("bad_pass", bad_pass))
    try:
        with pytest.raises(CompileError, match=r"after bad_pass \(passes before it: simplify, dce"):
            graphc.compile(lambda x: x.exp() + 1)(graphc.randn(3))
    finally:
        pipeline.PASSES[:] = old


# -- exports -----------------------------------------------------------------------------------
def test_to_networkx():
    nx = pytest.importorskip("networkx")
    g = graphc.trace(linear, graphc.randn(2, 3), graphc.randn(3, 4), graphc.randn(4))
    d = g.to_networkx()
    assert isinstance(d, nx.DiGraph)
    assert d.nodes["%x"]["kind"] == "input"
    assert d.nodes["n0"]["op"] == "mm" and d.nodes["n1"]["op"] == "add"
    assert d.nodes["n1"]["type"] == "f32[2,4]"
    assert d.edges["n0", "n1"]["value"] == "%0"
    assert d.has_edge("n1", "output")
    assert nx.is_directed_acyclic_graph(d)
    assert list(nx.topological_sort(d))[-1] == "output"


def test_to_dot():
    g = graphc.trace(reduce_rows, graphc.randn(3, 4))
    dot = g.to_dot()
    assert dot.startswith('digraph "reduce_rows" {')
    assert '"n1" [shape=box, label="%1 = sum_dim\\n[dim=(1,), keepdim=False]\\nf32[3]"];' in dot
    assert '"n0" -> "n1" [label="f32[3,4]"];' in dot
    assert dot.rstrip().endswith("}")


def test_render_svg(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("graphviz 'dot' is not installed")
    g = graphc.trace(reduce_rows, graphc.randn(3, 4))
    path = g.render(str(tmp_path / "g.svg"))
    with open(path) as f:
        assert f.read().lstrip().startswith(("<?xml", "<svg"))


def test_render_without_dot_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    g = graphc.trace(reduce_rows, graphc.randn(3, 4))
    with pytest.raises(CompileError, match="apt-get install graphviz"):
        g.render(str(tmp_path / "g.svg"))
    assert not os.path.exists(tmp_path / "g.svg")


def test_graph_copy_is_independent():
    g = _graph()
    c = g.copy()
    assert str(c) == str(g)
    c.nodes[0].attrs = {}
    assert g.nodes[0].attrs == {} or "mul" in str(g)
    assert all(a is not b for a, b in zip(c.values(), g.values()))
    assert isinstance(c, Graph)


def test_value_behaves_like_array_metadata():
    g = graphc.trace(lambda x: x, TensorSpec((2, 3), "f16"))
    v = g.inputs[0]
    assert (v.shape, v.ndim, v.size, v.dtype, v.dt) == ((2, 3), 2, 6, np.float16, graphc.float16)
    assert v.type_str() == "f16[2,3]"
