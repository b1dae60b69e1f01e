"""Tests for graphc._formatting: tensor text must match PyTorch's repr byte for byte.

The torch-comparison tests pass suffixes spelled the way torch prints them (``dtype=torch.int8``)
so the layout, including suffix wrapping, is compared exactly; ``graphc.`` names are one character
longer and can legitimately wrap differently right at the ``linewidth`` boundary.
"""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

try:
    from graphc import _formatting as fmt
except Exception:  # noqa: BLE001 - graphc/__init__.py may be mid-edit; module is standalone
    _path = Path(__file__).resolve().parents[1] / "graphc" / "_formatting.py"
    _spec = importlib.util.spec_from_file_location("_graphc_formatting_standalone", _path)
    fmt = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = fmt  # dataclasses needs the module registered
    _spec.loader.exec_module(fmt)

format_tensor = fmt.format_tensor
RNG_SEED = 1234


@pytest.fixture(autouse=True)
def _restore_printoptions():
    """Every test starts and ends with default options, in graphc and (if present) torch."""
    fmt.set_printoptions(profile="default")
    yield
    fmt.set_printoptions(profile="default")
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_printoptions(profile="default")


# --------------------------------------------------------------------------- hard-coded (no torch)

HARD_CODED = [
    (np.full((2, 2), 3.0, np.float32), [], "tensor([[3., 3.],\n        [3., 3.]])"),
    (np.array([0.1, -2.5, 3.14159], np.float32), [], "tensor([ 0.1000, -2.5000,  3.1416])"),
    (np.array([1e-5, 1.0, 100.0], np.float32), [], "tensor([1.0000e-05, 1.0000e+00, 1.0000e+02])"),
    (np.array([1, np.nan, np.inf, -np.inf], np.float32), [], "tensor([1., nan, inf, -inf])"),
    (np.array(3.0, np.float32), [], "tensor(3.)"),
    (np.zeros(0, np.float32), [], "tensor([])"),
    (np.zeros((0, 3), np.float32), [], "tensor([], size=(0, 3))"),
    (np.array([True, False]), [], "tensor([ True, False])"),
    (np.arange(6).reshape(2, 3), [], "tensor([[0, 1, 2],\n        [3, 4, 5]])"),
    (np.arange(2000, dtype=np.float32), [],
     ("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
      "        1.9990e+03])")),
    (np.arange(1200).reshape(40, 30), [],
     ("tensor([[   0,    1,    2,  ...,   27,   28,   29],\n"
      "        [  30,   31,   32,  ...,   57,   58,   59],\n"
      "        [  60,   61,   62,  ...,   87,   88,   89],\n"
      "        ...,\n"
      "        [1110, 1111, 1112,  ..., 1137, 1138, 1139],\n"
      "        [1140, 1141, 1142,  ..., 1167, 1168, 1169],\n"
      "        [1170, 1171, 1172,  ..., 1197, 1198, 1199]])")),
    (np.arange(30, dtype=np.float32) / np.float32(7), [],
     ("tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
      "        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n"
      "        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n"
      "        3.8571, 4.0000, 4.1429])")),
    (np.array([1.5, 2.0]), ["dtype=graphc.float64"],
     "tensor([1.5000, 2.0000], dtype=graphc.float64)"),
    (np.array([1, 200], np.uint8), ["dtype=graphc.uint8"],
     "tensor([  1, 200], dtype=graphc.uint8)"),
    (np.array([0.1, 1 / 3], np.float16), ["dtype=graphc.float16"],
     "tensor([0.1000, 0.3333], dtype=graphc.float16)"),
    (np.arange(8, dtype=np.float32).reshape(2, 2, 2), [],
     "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])"),
    (np.array([2.0, 3.0], np.float32), ["grad_fn=<AddBackward0>"],
     "tensor([2., 3.], grad_fn=<AddBackward0>)"),
    (np.arange(12, dtype=np.float32) * np.float32(1000.5), ["requires_grad=True"],
     ("tensor([    0.0000,  1000.5000,  2001.0000,  3001.5000,  4002.0000,  5002.5000,\n"
      "         6003.0000,  7003.5000,  8004.0000,  9004.5000, 10005.0000, 11005.5000],\n"
      "       requires_grad=True)")),
]


@pytest.mark.parametrize("arr, suffixes, expected", HARD_CODED)
def test_hard_coded(arr: np.ndarray, suffixes: list[str], expected: str) -> None:
    assert format_tensor(arr, suffixes) == expected


def test_empty_size_and_dtype_go_after_device() -> None:
    """torch's order is device, size, dtype, grad; implicit items slot in after the device."""
    got = format_tensor(np.zeros((0, 3), np.int64), ["device='cuda:0'", "requires_grad=True"])
    assert got == ("tensor([], device='cuda:0', size=(0, 3), dtype=graphc.int64,\n"
                   "       requires_grad=True)")
    got = format_tensor(np.zeros((2, 0), np.int64), ["device='cuda:0'"])
    assert got == "tensor([], device='cuda:0', size=(2, 0), dtype=graphc.int64)"
    got = format_tensor(np.zeros(0, np.float64), ["dtype=graphc.float64"])
    assert got == "tensor([], dtype=graphc.float64)"


def test_printoptions_roundtrip() -> None:
    defaults = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
                "sci_mode": None}
    assert fmt.get_printoptions() == defaults
    fmt.set_printoptions(profile="short", linewidth=60)
    assert fmt.get_printoptions() == {**defaults, "precision": 2, "edgeitems": 2, "linewidth": 60}
    fmt.set_printoptions(profile="full")
    assert fmt.get_printoptions()["threshold"] == math.inf
    fmt.set_printoptions(**defaults)
    assert fmt.get_printoptions() == defaults


def test_precision_option() -> None:
    fmt.set_printoptions(precision=2)
    assert format_tensor(np.array([1.12345], np.float32), []) == "tensor([1.12])"
    fmt.set_printoptions(threshold=5)
    assert format_tensor(np.arange(10), []) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    fmt.set_printoptions(profile="default")
    assert format_tensor(np.array([1.12345], np.float32), []) == "tensor([1.1235])"


# --------------------------------------------------------------------------- against torch

def _torch_suffixes(arr: np.ndarray) -> list[str]:
    """The dtype suffix torch prints for a plain CPU tensor of this array, spelled as torch."""
    default = ("float32",) if arr.size == 0 else ("float32", "int64", "bool")
    return [] if arr.dtype.name in default else [f"dtype=torch.{arr.dtype.name}"]


def _assert_matches_torch(arr: np.ndarray, extra: tuple[str, ...] = (), tensor=None) -> None:
    torch = pytest.importorskip("torch")
    arr = np.asarray(arr)
    t = torch.from_numpy(np.array(arr, order="C")) if tensor is None else tensor
    expected = repr(t)
    assert format_tensor(arr, _torch_suffixes(arr) + list(extra)) == expected
    # graphc spelling: identical apart from where a (now longer) dtype suffix may wrap
    graphc_sfx = [s.replace("torch.", "graphc.") for s in _torch_suffixes(arr)] + list(extra)
    got = format_tensor(arr, graphc_sfx)
    assert got.split() == expected.replace("torch.", "graphc.").split()


def _random_cases() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(RNG_SEED)
    shapes = [(), (1,), (5,), (2, 3), (3, 1, 4), (2, 2, 2, 2), (30,), (4, 25), (1001,), (40, 40),
              (5, 300), (3, 4, 100), (11, 11, 11), (2, 3, 3, 60)]
    cases = []
    for shape in shapes:
        for dt in (np.float16, np.float32, np.float64):
            for scale in (1e-7, 1e-3, 1.0, 1e3, 1e5, 1e9):
                if dt is np.float16 and scale > 1e3:
                    continue  # overflow to inf is its own case below
                base = np.asarray(rng.standard_normal(shape) * scale)
                cases.append((f"{shape}-{dt.__name__}-{scale:g}", base.astype(dt)))
                cases.append((f"{shape}-{dt.__name__}-{scale:g}-int", np.round(base).astype(dt)))
        for dt in (np.int8, np.int16, np.int32, np.int64, np.uint8):
            info = np.iinfo(dt)
            vals = rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
            cases.append((f"{shape}-{dt.__name__}", np.asarray(vals)))
        cases.append((f"{shape}-bool", np.asarray(rng.random(shape) > 0.5)))
    return cases


RANDOM_CASES = _random_cases()


@pytest.mark.parametrize("arr", [c[1] for c in RANDOM_CASES], ids=[c[0] for c in RANDOM_CASES])
def test_random_matches_torch(arr: np.ndarray) -> None:
    _assert_matches_torch(arr)


def _special(values: Any, dtype: type = np.float32) -> np.ndarray:
    with np.errstate(over="ignore"):  # float16 overflow to inf is intended
        return np.array(values, dtype=dtype)


SPECIAL = {
    "nan-fixed": _special([1.5, np.nan, -2.25]),
    "nan-int": _special([1.0, np.nan, -2.0, np.inf]),
    "nonfinite-only": _special([np.nan, np.inf, -np.inf]),
    "nan-sci": _special([1e-6, np.nan, 3.0, -np.inf]),
    "zeros": _special([0.0, 0.0, 0.0]),
    "neg-zero": _special([-0.0, 0.0]),
    "neg-zero-fixed": _special([-0.0, 0.5]),
    "big-ints": _special([1e8, 2.0]),
    "above-1e8": _special([2e8, 3.0]),
    "ratio-1000": _special([1.0, 1000.0]),
    "ratio-1001": _special([1.0, 1001.0]),
    "tiny": _special([1e-4, 2e-4]),
    "below-1e-4": _special([9e-5, 2e-4]),
    "huge-exp": _special([1e-300, 1e300], np.float64),
    "f16-overflow": _special([70000.0, 1.0], np.float16),
    "f16-sub": _special([6e-8, 0.5, 1024.0], np.float16),
    "0d-nan": _special(np.nan),
    "0d-neg": _special(-2.5, np.float64),
    "0d-int": np.array(7),
    "0d-bool": np.array(True),
    "0d-sci": _special(1e-9),
    "2d-mixed": _special([[1e-3, 1.0], [np.nan, -5e4]]),
    "empty-0": np.zeros(0, np.float32),
    "empty-0x3": np.zeros((0, 3), np.float32),
    "empty-3x0x2": np.zeros((3, 0, 2), np.float64),
    "empty-int": np.zeros(0, np.int64),
    "empty-int-2d": np.zeros((2, 0), np.int64),
    "empty-bool": np.zeros((0, 1), bool),
    "empty-u8": np.zeros(0, np.uint8),
    "wide-int": np.arange(-50, 50) * 123456,
    "wide-sci": np.linspace(1e-8, 1.0, 50).astype(np.float32),
    "summ-3d": np.arange(24000, dtype=np.float32).reshape(20, 30, 40) / 3,
    "summ-short-rows": np.arange(3000).reshape(1000, 3),
    "summ-short-cols": np.arange(3000, dtype=np.float64).reshape(3, 1000),
    "non-contiguous": np.arange(60, dtype=np.float32).reshape(6, 10)[::2, ::3].T,
}


@pytest.mark.parametrize("name", list(SPECIAL))
def test_special_values_match_torch(name: str) -> None:
    _assert_matches_torch(SPECIAL[name])


GRAD_CASES = [np.arange(n, dtype=np.float32) * np.float32(scale)
              for n in (1, 5, 9, 10, 11, 12, 13, 24) for scale in (1.0, 0.37, 1000.5)]


@pytest.mark.parametrize("arr", GRAD_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_suffix_wrapping_matches_torch(arr: np.ndarray, dtype: str) -> None:
    """requires_grad / grad_fn suffixes wrap onto a new line exactly where torch wraps them."""
    torch = pytest.importorskip("torch")
    arr = arr.astype(dtype)
    leaf = torch.from_numpy(arr.copy()).requires_grad_()
    _assert_matches_torch(arr, ("requires_grad=True",), tensor=leaf)
    _assert_matches_torch(arr, ("grad_fn=<MulBackward0>",), tensor=leaf * 1)


OPTION_SETS = [
    {"precision": 2}, {"precision": 0}, {"precision": 8}, {"threshold": 5},
    {"edgeitems": 1, "threshold": 10}, {"edgeitems": 0, "threshold": 3}, {"edgeitems": 0},
    {"linewidth": 40}, {"linewidth": 10}, {"linewidth": 200}, {"profile": "short"},
    {"profile": "full"}, {"sci_mode": True}, {"sci_mode": False},
    {"profile": "short", "precision": 6},
]
OPTION_ARRAYS = {
    "small-f": np.array([0.123456789, -12.5, 3.0], np.float32),
    "sci-f": np.array([1e-6, 2.5, 1e4], np.float64),
    "int-f": np.arange(20, dtype=np.float32).reshape(4, 5),
    "ints": np.arange(-30, 30).reshape(3, 4, 5),
    "scalar": np.array(1.5, np.float32),
    "long": np.arange(1500, dtype=np.float32) / 7,
    "empty": np.zeros((0, 2), np.float32),
}


@pytest.mark.parametrize("opts", OPTION_SETS, ids=[str(o) for o in OPTION_SETS])
@pytest.mark.parametrize("name", list(OPTION_ARRAYS))
def test_printoptions_match_torch(opts: dict, name: str) -> None:
    torch = pytest.importorskip("torch")
    torch.set_printoptions(**opts)
    fmt.set_printoptions(**opts)
    assert fmt.get_printoptions() == torch._tensor_str.get_printoptions()
    _assert_matches_torch(OPTION_ARRAYS[name])
