"""``graphc.explain``, ``GRAPHC_DUMP`` and the ``python -m graphc dump`` CLI."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import graphc
from graphc.ir import TensorSpec

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def net(x, w, b):
    return (x @ w + b).relu().sum()


def test_explain_report():
    w = graphc.randn(3, 2, requires_grad=True)
    rep = graphc.explain(net, graphc.randn(4, 3), w, graphc.randn(2))
    assert rep.counts["traced"] == 4 and rep.counts["backward"] >= 3
    assert rep.counts["joint"] == len(rep.joint.nodes) > rep.counts["traced"]
    assert rep.joint.nodes[:4] and [n.op.name for n in rep.joint.nodes[:4]] == [
        n.op.name for n in rep.traced.nodes]
    names = [s["name"] for s in rep.saved]
    assert "%x" in names                       # mm's weight gradient needs x
    relu_out = [s for s in rep.saved if s["producer"] == "relu"]
    assert relu_out and relu_out[0]["bytes"] == 4 * 2 * 4
    assert relu_out[0]["source"].startswith("test_dumps.py:")
    assert rep.saved_bytes == sum(s["bytes"] for s in rep.saved)
    text = str(rep)
    for section in ("-- traced graph", "-- joint forward+backward graph", "-- forward program",
                    "-- backward program", "-- saved for backward", "-- generated forward code"):
        assert section in text
    assert "graph net(%x: f32[4,3], %w: f32[3,2], %b: f32[2])" in text


def test_explain_without_grad_inputs_differentiates_floating_args():
    rep = graphc.explain(net, graphc.randn(4, 3), graphc.randn(3, 2), graphc.randn(2))
    assert "no input requires grad" in str(rep)
    assert rep.backward is not None


def test_graphc_dump_env_writes_every_compiled_graph(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHC_DUMP", str(tmp_path))
    f = graphc.compile(net)
    w = graphc.randn(3, 2, requires_grad=True)
    f(graphc.randn(4, 3), w, graphc.randn(2)).backward()
    f(graphc.randn(5, 3), w, graphc.randn(2))           # a recompile: a second set of files
    files = sorted(os.listdir(tmp_path))
    stems = {f.split(".")[0] for f in files}
    assert len(stems) == 2
    first = sorted(f for f in files if f.startswith(min(stems)))
    assert [f.split(".", 1)[1] for f in first] == [
        "0_traced.txt", "1_joint.txt", "2_forward.txt", "3_backward.txt", "backward.py",
        "forward.py"]
    traced = (tmp_path / first[0]).read_text()
    assert traced.startswith("graph net(%x: f32[4,3]") and "# test_dumps.py:" in traced
    assert "def net(x, w, b):" in (tmp_path / first[-1]).read_text()


def test_compile_dump_argument(tmp_path):
    f = graphc.compile(lambda x: x.exp(), dump=str(tmp_path / "d"))
    f(graphc.randn(2))
    assert any(n.endswith("_traced.txt") for n in os.listdir(tmp_path / "d"))


SCRIPT = """
import graphc
import graphc.nn as nn

model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))


def layer(x, w):
    return (x @ w).relu()


def loss(x, y):
    return graphc.nn.functional.cross_entropy(model(x), y)


def branchy(x):
    if x.sum() > 0:
        return x
    return -x
"""


def _cli(tmp_path, *args):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("GRAPHC_DUMP", None)
    return subprocess.run([sys.executable, "-m", "graphc", "dump", *[
        a.replace("SCRIPT", str(script)) for a in args]], capture_output=True, text=True,
        env=env, cwd=str(tmp_path), timeout=120, check=False)


def test_cli_text(tmp_path):
    r = _cli(tmp_path, "SCRIPT:layer", "--args", "f32[128,784], f32[784,512]")
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "graph layer(%x: f32[128,784], %w: f32[784,512]) {\n"
        "  %0 = mm(%x, %w)                           : f32[128,512]\n"
        "  %1 = relu(%0)                             : f32[128,512]\n"
        "  return (%1)\n"
        "}\n")


def test_cli_grad_module_and_source(tmp_path):
    r = _cli(tmp_path, "SCRIPT:loss", "--args", "f32[128,784], i64[128]", "--grad",
             "--source")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("graph loss_joint(%x: f32[128,784], %y: i64[128], "
                          "%model.0.weight: f32[512,784]")
    assert "%grad0: f32[]" in out and "nll_loss_backward" in out and "# script.py:" in out


def test_cli_code_dot_and_output_file(tmp_path):
    r = _cli(tmp_path, "SCRIPT:layer", "--args", "f32[2,3], f32[3,4]", "--format", "code",
             "--grad")
    assert r.returncode == 0, r.stderr
    assert "def layer(x, w):" in r.stdout and "def layer_backward(" in r.stdout
    r = _cli(tmp_path, "SCRIPT:layer", "--args", "f32[2,3], f32[3,4]", "--format", "dot",
             "-o", "g.dot")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "g.dot").read_text().startswith('digraph "layer"')


def test_cli_svg(tmp_path):
    import shutil
    r = _cli(tmp_path, "SCRIPT:layer", "--args", "f32[2,3], f32[3,4]", "--format", "svg",
             "-o", "g.svg")
    if shutil.which("dot") is None:
        assert r.returncode == 1 and "apt-get install graphviz" in r.stderr
    else:
        assert r.returncode == 0, r.stderr
        assert "<svg" in (tmp_path / "g.svg").read_text()


def test_cli_reports_trace_errors(tmp_path):
    r = _cli(tmp_path, "SCRIPT:branchy", "--args", "f32[3]")
    assert r.returncode == 1
    assert "TraceError" in r.stderr and "script.py:17" in r.stderr


def test_trace_with_specs_needs_no_data():
    g = graphc.trace(net, TensorSpec((10 ** 5, 10 ** 4)), TensorSpec((10 ** 4, 3)),
                     TensorSpec((3,)))
    assert g.nodes[0].outputs[0].shape == (10 ** 5, 3)


@pytest.mark.parametrize("bad", ["nocolon.py", "missing.py:f"])
def test_cli_bad_target(tmp_path, bad):
    r = _cli(tmp_path, bad)
    assert r.returncode != 0
