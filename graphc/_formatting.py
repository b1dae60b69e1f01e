"""PyTorch-compatible text for tensors: what ``repr(tensor)`` / ``str(tensor)`` print.

Reproduces the observable behaviour of PyTorch 2.x ``torch/_tensor_str.py`` for dense, real
tensors using only NumPy: one shared element width per tensor, integer / fixed / scientific float
styles, line wrapping at ``linewidth``, summarization with ``...`` and suffix placement. Kept free
of graphc imports so the tensor class can use it without import cycles.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

_PREFIX = "tensor("


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTS = _PrintOptions()

_PROFILES: dict[str, dict[str, Any]] = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Same semantics as ``torch.set_printoptions``.

    A profile is applied first and explicit arguments override it; unknown profiles are ignored
    and ``sci_mode`` is reset on every call, both exactly as torch does.
    """
    if profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(_OPTS, name, value)
    overrides = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems,
                 "linewidth": linewidth}
    for name, value in overrides.items():
        if value is not None:
            setattr(_OPTS, name, value)
    _OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Current options as a dict that can be passed back as ``set_printoptions(**opts)``."""
    return dataclasses.asdict(_OPTS)


class _Formatter:
    """Chooses one float style and one column width for a whole tensor, like torch.

    Every element is right-aligned to the same width so that rows line up; the style depends only
    on the nonzero finite values that will actually be shown.
    """

    def __init__(self, shown: np.ndarray) -> None:
        self.floating = shown.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not self.floating:
            self.width = max([1] + [len(str(v)) for v in shown.tolist()])
            return
        vals = shown.astype(np.float64)  # exact for float16/32; torch also measures in double
        vals = vals[np.isfinite(vals) & (vals != 0)]
        if vals.size == 0:
            return
        lo, hi = np.abs(vals).min(), np.abs(vals).max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if _OPTS.sci_mode is None:
            with np.errstate(over="ignore"):
                self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = bool(_OPTS.sci_mode)
        self.width = max(self._measure(v) for v in vals.tolist())

    def _measure(self, value: float) -> int:
        """Width of one nonzero finite value; int mode reserves a column for the trailing dot."""
        p = _OPTS.precision
        if self.sci_mode:
            return len(f"{value:.{p}e}")
        if self.int_mode:
            return len(f"{value:.0f}") + 1
        return len(f"{value:.{p}f}")

    def format(self, value: Any) -> str:
        """Text of one element padded to the shared width (nan/inf never get the int dot)."""
        p = _OPTS.precision
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{p}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{p}f}"
        return text.rjust(self.width)


def _shown_values(a: np.ndarray, edge: int) -> np.ndarray:
    """Flat array of the elements a summarized print displays, so they alone set the style.

    Mirrors torch's ``get_summarized_data`` including its quirk that with ``edgeitems=0`` a 1-d
    tensor keeps all values (``a[-0:]`` is the whole array) while higher dims keep none.
    """
    if a.ndim == 0:
        return a.reshape(1)
    if a.ndim == 1:
        return np.concatenate((a[:edge], a[-edge:])) if a.shape[0] > 2 * edge else a
    if not edge:
        return a.reshape(-1)[:0]
    rows = _row_indices(a.shape[0], edge, summarize=True)
    return np.concatenate([_shown_values(a[i], edge) for i in rows if i is not None])


def _row_indices(n: int, edge: int, summarize: bool) -> list[int | None]:
    """Indices of the sub-tensors to print; ``None`` marks where the ``...`` goes."""
    if summarize and n > 2 * edge:
        return list(range(edge)) + [None] + list(range(n - edge, n))
    return list(range(n))


def _vector_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """A 1-d row: as many elements per line as fit in ``linewidth`` after the indent."""
    edge = _OPTS.edgeitems
    per_line = max(1, math.floor((_OPTS.linewidth - indent) / (fmt.width + 2)))
    if summarize and not edge:
        items = ["..."]
    elif summarize and a.shape[0] > 2 * edge:
        items = ([fmt.format(v) for v in a[:edge].tolist()] + [" ..."]
                 + [fmt.format(v) for v in a[-edge:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    """Recursive brackets; sub-blocks are separated by ndim-1 newlines and indented by depth."""
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    rows = _row_indices(a.shape[0], _OPTS.edgeitems, summarize)
    parts = ["..." if i is None else _nested_str(a[i], indent + 1, summarize, fmt) for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _body_str(a: np.ndarray, indent: int) -> str:
    """Bracketed contents of a non-empty array, summarized past ``threshold`` elements."""
    summarize = a.size > _OPTS.threshold
    shown = _shown_values(a, _OPTS.edgeitems) if summarize else a.reshape(-1)
    return _nested_str(a, indent, summarize, _Formatter(shown))


def _add_suffixes(text: str, suffixes: Sequence[str], indent: int) -> str:
    """Append ``, suffix`` items, wrapping one onto its own line when it would pass linewidth.

    The last-line length deliberately reproduces torch's arithmetic (which over-counts by two
    when the text has no newline) so wrap decisions match byte for byte.
    """
    out = [text]
    last_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_len + len(suffix) + 2 > _OPTS.linewidth:
            out.append(",\n" + " " * indent + suffix)
            last_len = indent + len(suffix)
        else:
            out.append(", " + suffix)
            last_len += len(suffix) + 2
    out.append(")")
    return "".join(out)


def _implicit_suffixes(a: np.ndarray, suffixes: Sequence[str]) -> list[str]:
    """Suffixes torch derives from the data itself: ``size=`` and, for empty tensors, dtype.

    An empty tensor has no values to hint at its type, so torch always names a non-float32
    dtype; we add ``dtype=graphc.<name>`` then unless the caller already passed a dtype.
    """
    extra = []
    size = f"size={tuple(int(d) for d in a.shape)}"
    if a.size == 0:
        if a.ndim != 1:
            extra.append(size)
        has_dtype = any(s.startswith("dtype=") for s in suffixes)
        if a.dtype != np.float32 and not has_dtype:
            extra.append(f"dtype=graphc.{a.dtype.name}")
    elif not _OPTS.edgeitems:
        extra.append(size)
    return extra


def format_tensor(data: np.ndarray, suffixes: list[str]) -> str:
    """Return PyTorch's repr for an array, e.g. ``'tensor([1., 2.], grad_fn=<AddBackward0>)'``.

    ``suffixes`` are pre-formatted items (device, dtype, requires_grad / grad_fn) in display
    order. Implicit ``size=``/dtype items are slotted in after any ``device=`` items, which is
    where torch places them.
    """
    a = np.asarray(data)
    given = list(suffixes)
    n_device = 0
    while n_device < len(given) and given[n_device].startswith("device="):
        n_device += 1
    merged = given[:n_device] + _implicit_suffixes(a, given) + given[n_device:]
    body = "[]" if a.size == 0 else _body_str(a, len(_PREFIX))
    return _add_suffixes(_PREFIX + body, merged, len(_PREFIX))
