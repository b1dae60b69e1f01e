"""A shared training-step workload: PyTorch eager vs graphc eager vs graphc compiled."""
from __future__ import annotations

import numpy as np

import graphc
from bench._models import batch, copy_weights
from bench.harness import Workload, torch_or_none


def _step(lib, model, opt, x, y):
    opt.zero_grad()
    loss = lib.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return loss


def _compiled_step(loss_fn, opt, x, y):
    opt.zero_grad()
    loss = loss_fn(x, y)
    loss.backward()
    opt.step()
    return loss


def training_workload(title, make_model, input_shape, *, inner, rounds) -> tuple[Workload, str]:
    xa, ya = batch(input_shape, 10)
    w = Workload(title, inner=inner, rounds=rounds, passes=2)
    torch = torch_or_none()
    g_model = make_model(graphc)
    g_opt = graphc.optim.SGD(g_model.parameters(), lr=0.01, momentum=0.9)
    gx, gy = graphc.tensor(xa), graphc.tensor(ya)
    ref = "graphc eager"
    if torch is not None:
        t_model = make_model(torch)
        copy_weights(t_model, g_model)
        t_opt = torch.optim.SGD(t_model.parameters(), lr=0.01, momentum=0.9)
        tx, ty = torch.tensor(xa), torch.tensor(ya)
        # Same weights, same batch: the first losses and updated weights must agree.
        lt = _step(torch, t_model, t_opt, tx, ty).item()
        lg = _step(graphc, g_model, g_opt, gx, gy).item()
        assert abs(lt - lg) < 1e-4 * max(1.0, abs(lt)), (lt, lg)
        for (name, tp), gp in zip(t_model.named_parameters(), g_model.parameters()):
            np.testing.assert_allclose(gp.detach().numpy(), tp.detach().numpy(), rtol=1e-4,
                                       atol=1e-5, err_msg=name)
        w.add("PyTorch eager", lambda: _step(torch, t_model, t_opt, tx, ty), reference=True)
        ref = "PyTorch eager"
    w.add("graphc eager", lambda: _step(graphc, g_model, g_opt, gx, gy),
          reference=torch is None)
    try:
        c_model = make_model(graphc)
        c_model.load_state_dict(g_model.state_dict())
        c_opt = graphc.optim.SGD(c_model.parameters(), lr=0.01, momentum=0.9)
        F = graphc.nn.functional
        loss_fn = graphc.compile(lambda x, y: F.cross_entropy(c_model(x), y))
        e_loss = F.cross_entropy(c_model(gx), gy).item()
        c_loss = loss_fn(gx, gy).item()
        assert abs(e_loss - c_loss) < 1e-4 * max(1.0, abs(e_loss)), (e_loss, c_loss)
        w.add("graphc compiled", lambda: _compiled_step(loss_fn, c_opt, gx, gy))
    except (ImportError, AttributeError) as e:
        print(f"  (graphc compiled skipped: {e})")
    return w, ref
