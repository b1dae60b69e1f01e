"""The tutorial examples run: seed_lenet.py (also against PyTorch) and train_digits.py --quick."""
from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _run(args: list[str], tmp_path: Path, timeout: int = 300) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=tmp_path,
                         timeout=timeout, env=env, check=False)
    assert out.returncode == 0, f"exit {out.returncode}\n{out.stdout}\n{out.stderr[-4000:]}"
    return out.stdout


def _as_torch(source: str) -> str:
    """The same script with PyTorch's imports instead of graphc's."""
    swapped = re.sub(r"^import graphc", "import torch", source, flags=re.MULTILINE)
    swapped = re.sub(r"^from graphc", "from torch", swapped, flags=re.MULTILINE)
    assert not re.search(r"^\s*(import|from) graphc|\bgraphc\.\w", swapped, flags=re.MULTILINE)
    return swapped


def _structure(text: str) -> list[str]:
    """What the LeNet script prints that does not depend on random values.

    The module repr, the parameter count, sizes, grad_fn names, the before/after markers and the
    step labels; tensor values and addresses are dropped, ``graphc.`` reads as ``torch.``.
    """
    text = text.replace("graphc.", "torch.")
    lines = text.splitlines()
    end = lines.index(")")
    keep = lines[: end + 1]                                  # the module repr
    for line in lines[end + 1:]:
        if re.fullmatch(r"\d+|torch\.Size\(.*\)|None|conv1\.bias\.grad .*|\[.*\]", line):
            keep.append(line)
        keep += [f"grad_fn={m}" for m in re.findall(r"grad_fn=<(\w+)>", line)]
        keep += [f"node {m}" for m in re.findall(r"^<(\w+) object at 0x[0-9a-f]+>$", line)]
        keep += re.findall(r"^step \d+: loss", line)
    return keep


def _losses(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"^step \d+: loss (\S+)$", text, flags=re.MULTILINE)]


@pytest.fixture(scope="module")
def lenet_output(tmp_path_factory) -> str:
    return _run([str(EXAMPLES / "seed_lenet.py")], tmp_path_factory.mktemp("lenet"))


def test_seed_lenet_runs(lenet_output):
    out = lenet_output
    lines = out.splitlines()
    assert lines[0] == "Net("
    assert "  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))" in lines
    assert "  (fc1): Linear(in_features=400, out_features=120, bias=True)" in lines
    assert "10" in lines                                     # len(params)
    assert "graphc.Size([6, 1, 5, 5])" in lines              # params[0].size()
    assert "graphc.Size([1, 10])" in lines
    nodes = re.findall(r"^<(\w+) object at", out, flags=re.MULTILINE)
    assert nodes == ["MseLossBackward0", "AddmmBackward0", "AccumulateGrad", "ReluBackward0"]
    assert "['AccumulateGrad', 'ReluBackward0', 'TBackward0']" in lines
    assert "grad_fn=<MseLossBackward0>" in out
    before = lines.index("conv1.bias.grad before backward")
    assert lines[before + 1] == "None"
    after = lines.index("conv1.bias.grad after backward")
    assert lines[after + 1].startswith("tensor([") and lines[after + 1].endswith("])")
    losses = _losses(out)
    assert len(losses) == 5 and all(b < a for a, b in itertools.pairwise(losses))


def test_seed_lenet_matches_pytorch(lenet_output, tmp_path):
    pytest.importorskip("torch")
    script = tmp_path / "seed_lenet_torch.py"
    script.write_text(_as_torch((EXAMPLES / "seed_lenet.py").read_text()))
    theirs = _run([str(script)], tmp_path)
    assert _structure(lenet_output) == _structure(theirs)
    losses = _losses(theirs)
    assert len(losses) == 5 and all(b < a for a, b in itertools.pairwise(losses))


def _check_digits(out: str, models: tuple[str, ...]) -> None:
    for name in models:
        m = re.search(rf"^{name}: trained in [\d.]+ s, test accuracy ([\d.]+)%$", out, re.MULTILINE)
        assert m, out
        assert float(m.group(1)) >= 95.0, out
        assert re.search(rf"^{name}: reloaded test accuracy {m.group(1)}% \(matches the trained "
                         rf"{m.group(1)}%; logits identical\)$", out, re.MULTILINE), out
    assert "wall time" in out
    assert "OK: every model reached 95% test accuracy and reloaded identically" in out


def test_train_digits_quick(tmp_path):
    pytest.importorskip("sklearn")
    out = _run([str(EXAMPLES / "train_digits.py"), "--quick"], tmp_path)
    _check_digits(out, ("mlp", "cnn"))
    assert "eager" in out


def test_train_digits_compile_without_tqdm(tmp_path):
    """--compile trains through graphc.compile, or says why not and trains eagerly; no tqdm."""
    pytest.importorskip("sklearn")
    runner = ("import runpy, sys; sys.modules['tqdm'] = None; "
              f"sys.argv = [{str(EXAMPLES / 'train_digits.py')!r}, '--quick', '--compile', "
              "'--models', 'mlp']; runpy.run_path(sys.argv[0], run_name='__main__')")
    out = _run(["-c", runner], tmp_path)
    _check_digits(out, ("mlp",))
    assert "mlp: compiled loss ran" in out or "--compile:" in out, out
