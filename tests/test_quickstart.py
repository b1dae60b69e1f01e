"""examples/quickstart.py prints exactly what PyTorch prints for the same script."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "quickstart.py"


def _run(source: str, tmp_path: Path) -> str:
    path = tmp_path / "script.py"
    path.write_text(source)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": ""})
    assert out.returncode == 0, out.stderr
    text = re.sub(r" at 0x[0-9a-f]+", " at 0x…", out.stdout)
    return text.replace("graphc.", "torch.")


def test_quickstart_runs_and_matches_pytorch(tmp_path):
    source = SCRIPT.read_text()
    ours = _run(source, tmp_path)
    assert "== autograd" in ours and "tensor([[4.5000, 4.5000]" in ours
    pytest.importorskip("torch")
    theirs = _run(source.replace("import graphc as torch", "import torch"), tmp_path)
    assert ours == theirs
