"""The seed examples compiled equal eager: the autograd tutorial, LeNet and the digits MLP."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import graphc
import graphc.nn.functional as F
from graphc import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tutorial(x):
    y = x + 2
    z = y * y * 3
    return z.mean(), y, z


def test_autograd_tutorial_compiled_equals_eager():
    x = graphc.ones(2, 2, requires_grad=True)
    xe = graphc.ones(2, 2, requires_grad=True)
    out, _y, z = graphc.compile(tutorial)(x)
    oute, _ye, ze = tutorial(xe)
    assert out.item() == oute.item() == 27.0
    out.backward()
    oute.backward()
    assert x.grad.tolist() == xe.grad.tolist() == [[4.5, 4.5], [4.5, 4.5]]
    assert out.grad_fn.name() == "CompiledFunctionBackward"
    assert graphc.equal(z.detach(), ze.detach())


def test_tutorial_data_dependent_loop_is_a_trace_error():
    def doubling(x):
        y = x * 2
        while y.data.norm() < 1000:
            y = y * 2
        return y
    with pytest.raises(graphc.errors.TraceError, match="bool"):
        graphc.compile(doubling)(graphc.randn(3, requires_grad=True))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = graphc.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def test_lenet_compiled_equals_eager():
    graphc.manual_seed(0)
    net = LeNet()
    x, target = graphc.randn(2, 1, 32, 32), graphc.randn(2, 10)
    cnet = graphc.compile(net)
    loss = F.mse_loss(cnet(x), target)
    loss.backward()
    got = [p.grad.clone() for p in net.parameters()]
    net.zero_grad()
    ref = F.mse_loss(net(x), target)
    ref.backward()
    assert loss.item() == pytest.approx(ref.item(), rel=1e-6)
    for g, p in zip(got, net.parameters()):
        np.testing.assert_allclose(g.numpy(), p.grad.numpy(), rtol=1e-5, atol=1e-7)


def _digits_mlp():
    graphc.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64),
                         nn.ReLU(), nn.Linear(64, 10))


def test_digits_mlp_training_steps_compiled_equal_eager():
    datasets = pytest.importorskip("sklearn.datasets")
    d = datasets.load_digits()
    x = graphc.tensor((d.data[:192] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8))
    y = graphc.tensor(d.target[:192].astype(np.int64))
    models = [_digits_mlp(), _digits_mlp()]
    opts = [graphc.optim.Adam(m.parameters(), lr=2e-3) for m in models]
    compiled = graphc.compile(lambda xb, yb: F.cross_entropy(models[0](xb), yb))
    eager = lambda xb, yb: F.cross_entropy(models[1](xb), yb)
    for step in range(6):
        xb, yb = x[step * 32:(step + 1) * 32], y[step * 32:(step + 1) * 32]
        losses = []
        for fn, opt in ((compiled, opts[0]), (eager, opts[1])):
            opt.zero_grad()
            loss = fn(xb, yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[0] == pytest.approx(losses[1], rel=1e-5)
    for p, q in zip(*(m.parameters() for m in models)):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
    assert compiled.cache_info().misses == 1


@pytest.mark.slow
def test_train_digits_example_with_compile():
    pytest.importorskip("sklearn")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "train_digits.py"),
                        "--quick", "--compile", "--models", "mlp", "--no-progress"],
                       capture_output=True, text=True, env=env, timeout=600, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "compiled" in r.stdout and "falling back" not in r.stdout
    assert "compilation(s): first call" in r.stdout
