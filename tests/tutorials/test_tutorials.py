"""Each tutorial script prints the same lines under graphc as under PyTorch.

The scripts in this directory are written for graphc (``import graphc as torch``,
``import graphc.nn as nn`` …). Each runs twice in a subprocess: as written, and with its graphc
imports rewritten to PyTorch's. Random inputs come from NumPy with a fixed seed (graphc's random
stream differs from PyTorch's by design), so both runs see the same numbers and every printed line
must match.
"""
from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCRIPTS = sorted(p.name for p in HERE.glob("*.py") if not p.name.startswith(("test_", "_")))


def _as_torch(source: str) -> str:
    """The same script with PyTorch's imports instead of graphc's."""
    swapped = re.sub(r"^(\s*)import graphc", r"\1import torch", source, flags=re.MULTILINE)
    swapped = re.sub(r"^(\s*)from graphc", r"\1from torch", swapped, flags=re.MULTILINE)
    assert not re.search(r"^\s*(import|from) graphc|\bgraphc\.\w", swapped, flags=re.MULTILINE)
    return swapped


def _run(source: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "script.py"
    path.write_text(source)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120, env=env, check=False)
    assert out.returncode == 0, f"exit {out.returncode}\n{out.stdout}\n{out.stderr[-4000:]}"
    return _normalise(out.stdout).splitlines()


def _normalise(text: str) -> str:
    """What may differ between the two runs without being a difference in behaviour.

    - Object addresses (``<... object at 0x7f...>``) differ from run to run.
    - graphc's objects print under graphc's name where PyTorch's print under ``torch``
      (``graphc.float32``, ``graphc.Size([2, 3])``, ``<class 'graphc.Tensor'>``), because the
      script says ``import graphc as torch``: ``graphc.`` reads as ``torch.``.

    Nothing else is rewritten: module reprs, tensor values, dtypes, grad_fn names must match as
    printed; error lines are compared by ``_same_error``.
    """
    text = re.sub(r" at 0x[0-9a-fA-F]+", " at 0x…", text)
    return text.replace("graphc.", "torch.")


_ERROR = re.compile(r"(.*?\w*Error): (.+)")


def _same_error(ours: str, theirs: str) -> bool:
    """Whether two differing lines report the same error.

    Scripts print a caught exception as ``[label] RuntimeError: <message>``. graphc's messages
    carry PyTorch's text and add context around it: the op's name in front (``mul: The size of
    tensor a (3) must match …``), the operands' shapes or a hint after it. The lines match when
    they have the same label and exception class and graphc's message contains PyTorch's whole
    message.
    """
    a, b = _ERROR.fullmatch(ours), _ERROR.fullmatch(theirs)
    return bool(a and b and a[1] == b[1] and b[2] in a[2])


@pytest.mark.parametrize("script", SCRIPTS)
def test_tutorial_matches_pytorch(script, tmp_path):
    source = (HERE / script).read_text()
    if re.search(r"^from sklearn", source, flags=re.MULTILINE):
        pytest.importorskip("sklearn")                 # the "examples" extra, not "test"
    ours = _run(source, tmp_path)                      # runs (and must not fail) without torch
    assert ours, f"{script} printed nothing"
    pytest.importorskip("torch")
    theirs = _run(_as_torch(source), tmp_path)
    if len(ours) == len(theirs):
        ours = [t if o != t and _same_error(o, t) else o for o, t in zip(ours, theirs)]
    if ours != theirs:
        diff = "\n".join(difflib.unified_diff(theirs, ours, "pytorch", "graphc", lineterm="", n=2))
        pytest.fail(f"{script}: graphc prints differently from PyTorch\n{diff}")
