"""Train an MLP and a small CNN on scikit-learn's 8x8 digits with graphc, then reload them.

The data set ships inside scikit-learn (``sklearn.datasets.load_digits``: 1797 images, 10
classes), so nothing is downloaded. Both models are trained with a ``TensorDataset`` and a
seeded, shuffling ``DataLoader``; each epoch prints the mean training loss and the test
accuracy. After training, each model's ``state_dict`` goes through ``graphc.save`` /
``graphc.load`` into a freshly built model whose test accuracy must be the same.

    python examples/train_digits.py              # default epochs, CPU
    python examples/train_digits.py --quick      # fewer epochs (what the tests run)
    python examples/train_digits.py --device cuda --compile

Exits non-zero if a model stays under 95% test accuracy or a reload check fails. Written against
the PyTorch API: replace the ``graphc`` imports with ``torch`` and it runs under PyTorch.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

START = time.perf_counter()  # the reported wall time includes importing NumPy, graphc, sklearn

# These models multiply 64x128 matrices: a multi-threaded BLAS only adds synchronization, which
# on a busy 2-core machine makes each product ~40x slower. One thread unless the user says
# otherwise (must be set before NumPy loads its BLAS).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread settings above)

import graphc as torch  # noqa: E402
import graphc.nn as nn  # noqa: E402
import graphc.nn.functional as F  # noqa: E402
from graphc.utils.data import DataLoader, TensorDataset  # noqa: E402

try:
    from tqdm import tqdm
except ImportError:  # no progress bar: iterate the loader as it is
    def tqdm(iterable, **_kwargs):
        return iterable

TARGET = 0.95
SEED = 0
# (default epochs, --quick epochs, Adam learning rate) per model
SETTINGS = {"mlp": (15, 6, 2e-3), "cnn": (15, 8, 3e-3)}


class MLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64, 128), nn.ReLU(),
            nn.Linear(128, 64), nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.net(x)


class CNN(nn.Module):
    """Two 3x3 conv blocks: 1x8x8 -> 16x4x4 -> 32x2x2, then 128 -> 64 -> 10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


MODELS = {"mlp": MLP, "cnn": CNN}


def load_data(device: str):
    """Digits as standardized 1x8x8 float images, with a fixed (seeded) 80/20 split."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data.astype(np.float32)          # (1797, 64), pixel values 0..16
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(SEED).permutation(len(x))
    n_test = len(x) // 5
    test, train = order[:n_test], order[n_test:]
    mean = x[train].mean(axis=0)
    std = x[train].std(axis=0) + 1e-3           # some border pixels are always 0
    x = (x - mean) / std
    x = x.reshape(-1, 1, 8, 8)

    def tensors(idx):
        return (torch.tensor(x[idx]).to(device), torch.tensor(y[idx]).to(device))

    return tensors(train), tensors(test)


def accuracy(model, x, y) -> float:
    model.eval()
    with torch.no_grad():
        pred = model(x).argmax(dim=1)
    model.train()
    return (pred == y).float().mean().item()


def compiled_loss(model):
    """``graphc.compile`` of the model's loss, or None (with the reason printed) if unavailable.

    The compiler is optional: a checkout without it, or one that cannot compile this model,
    still trains, eagerly.
    """
    try:
        compile_fn = getattr(torch, "compile", None)
    except Exception as exc:  # noqa: BLE001 -- the lazy import of graphc.compiler failed
        compile_fn = None
        print(f"--compile: importing the compiler failed ({type(exc).__name__}: {exc})")
    if compile_fn is None:
        print("--compile: graphc.compile is not available in this checkout; training eagerly")
        return None
    try:
        return compile_fn(lambda x, y: F.cross_entropy(model(x), y))
    except Exception as exc:  # noqa: BLE001 -- any compiler failure means eager training
        print(f"--compile: graphc.compile failed ({type(exc).__name__}: {exc}); training eagerly")
        return None


def make_step(model, optimizer, compiled):
    """One optimizer step on a batch; returns the loss. Uses ``compiled`` until it raises."""
    def loss_fn(x, y):
        return F.cross_entropy(model(x), y)

    state = {"loss_fn": compiled or loss_fn}

    def step(x, y) -> float:
        optimizer.zero_grad()
        try:
            loss = state["loss_fn"](x, y)
            loss.backward()
        except Exception as exc:
            if state["loss_fn"] is loss_fn:
                raise
            print(f"--compile: the compiled loss raised ({type(exc).__name__}: {exc}); "
                  "falling back to eager")
            state["loss_fn"] = loss_fn
            return step(x, y)
        optimizer.step()
        return loss.item()

    return step


def train(name: str, epochs: int, lr: float, data, args) -> tuple[nn.Module, float]:
    (x_train, y_train), (x_test, y_test) = data
    torch.manual_seed(SEED)
    model = MODELS[name]().to(args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    # cosine decay to 0 over the run: the last epochs settle instead of bouncing around
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size,
                        shuffle=True, generator=torch.Generator().manual_seed(SEED))
    compiled = compiled_loss(model) if args.compile else None
    mode = "eager" if compiled is None else "compiled"
    step = make_step(model, optimizer, compiled)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"\n== {name.upper()} ({n_params} parameters, {mode}, {args.device}, "
          f"{epochs} epochs) ==")
    acc, t0 = 0.0, time.perf_counter()
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        bar = tqdm(loader, desc=f"{name} epoch {epoch}/{epochs}", leave=False,
                   disable=args.no_progress)
        for xb, yb in bar:
            total += step(xb, yb) * len(yb)
            count += len(yb)
        scheduler.step()
        acc = accuracy(model, x_test, y_test)
        print(f"epoch {epoch:2d}  train loss {total / count:.4f}  test accuracy {acc:.2%}")
    print(f"{name}: trained in {time.perf_counter() - t0:.1f} s, test accuracy {acc:.2%}")
    if hasattr(compiled, "cache_info"):
        info = compiled.cache_info()
        print(f"{name}: compiled loss ran {info.hits + info.misses} times, "
              f"{info.misses} compilation(s): {', '.join(info.reasons)}")
    return model, acc


def reload_check(name: str, model, acc: float, x_test, y_test, args) -> bool:
    """save -> load into a fresh model; the reloaded model must score exactly the same."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"{name}.pt")
        torch.save(model.state_dict(), path)
        fresh = MODELS[name]().to(args.device)   # freshly initialized: different weights
        fresh.load_state_dict(torch.load(path))
    reloaded = accuracy(fresh, x_test, y_test)
    with torch.no_grad():
        same_logits = torch.equal(model.eval()(x_test), fresh.eval()(x_test))
    model.train()
    ok = reloaded == acc and same_logits
    print(f"{name}: reloaded test accuracy {reloaded:.2%} "
          f"({'matches' if ok else 'DIFFERS from'} the trained {acc:.2%}; "
          f"logits {'identical' if same_logits else 'DIFFERENT'})")
    return ok


def main(argv=None) -> int:
    defaults = "/".join(f"{name} {s[0]}" for name, s in SETTINGS.items())
    quick = "/".join(f"{name} {s[1]}" for name, s in SETTINGS.items())
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=None,
                   help=f"epochs per model (default: {defaults}; --quick: {quick})")
    p.add_argument("--quick", action="store_true", help="fewer epochs (used by the tests)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--compile", action="store_true",
                   help="train with the loss compiled by graphc.compile (eager if unavailable)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--models", default="mlp,cnn", help="comma-separated subset of mlp,cnn")
    p.add_argument("--no-progress", action="store_true", help="no tqdm progress bars")
    args = p.parse_args(argv)

    if args.device == "cuda" and not torch.cuda.is_available():
        print("--device cuda: no usable CUDA device (graphc needs CuPy and a GPU)")
        return 2
    data = load_data(args.device)
    print(f"digits: {len(data[0][1])} train / {len(data[1][1])} test images, 1x8x8, 10 classes")

    failures = []
    for name in args.models.split(","):
        default_epochs, quick_epochs, lr = SETTINGS[name]
        epochs = args.epochs or (quick_epochs if args.quick else default_epochs)
        model, acc = train(name, epochs, lr, data, args)
        if acc < TARGET:
            failures.append(f"{name} test accuracy {acc:.2%} < {TARGET:.0%}")
        if not reload_check(name, model, acc, *data[1], args):
            failures.append(f"{name} reload check failed")

    print(f"\nwall time {time.perf_counter() - START:.1f} s")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print(f"OK: every model reached {TARGET:.0%} test accuracy and reloaded identically")
    return 0


if __name__ == "__main__":
    sys.exit(main())
