"""User source locations and the TraceError raised when traced code needs a value.

The tracer stamps each node with the first stack frame outside the graphc package, so IR dumps
and runtime errors point at the user's line rather than at graphc's internals.
"""
from __future__ import annotations

import linecache
import os
import sys

import graphc

_PKG = os.path.dirname(os.path.abspath(graphc.__file__)) + os.sep

# The graphc function a value was requested from -> how the user wrote it.
_WHAT = {
    "item": "Tensor.item()",
    "tolist": "Tensor.tolist()",
    "numpy": "Tensor.numpy()",
    "__bool__": "bool() of a traced tensor (an `if`/`while` on a tensor, `and`/`or`, `not`)",
    "__float__": "float() of a traced tensor",
    "__int__": "int() of a traced tensor",
    "__index__": "using a traced tensor as a Python int/index",
    "__array__": "converting a traced tensor to a NumPy array",
    "__format__": "formatting a traced tensor's value",
    "__contains__": "`in` on a traced tensor",
    "__deepcopy__": "copy.deepcopy of a traced tensor",
    "write_out": "the out= argument",
    "to_host": "reading a traced tensor's data",
    "data_ptr": "Tensor.data_ptr()",
    "stride": "Tensor.stride() of a traced tensor",
}

HINT = ("make it a graph op (e.g. graphc.where(cond, a, b) instead of `if`, keep results as "
        "tensors), or mark the argument static (pass it as a Python number, or compute it "
        "outside the compiled function)")


def in_graphc(filename: str) -> bool:
    return filename.startswith(_PKG)


def user_frame(depth: int = 1):
    """The innermost frame outside the graphc package (None if there is none)."""
    f = sys._getframe(depth)
    while f is not None and f.f_code.co_filename.startswith(_PKG):
        f = f.f_back
    return f


def user_location() -> tuple | None:
    """(filename, line, function) of the user's code that is running the current op."""
    f = sys._getframe(1)
    pkg = _PKG
    while f is not None:
        code = f.f_code
        if not code.co_filename.startswith(pkg):
            return code.co_filename, f.f_lineno, code.co_name
        f = f.f_back
    return None


def format_location(loc: tuple | None, *, short: bool = True) -> str:
    if loc is None:
        return "<unknown>"
    fname, line, func = loc
    return f"{os.path.basename(fname) if short else fname}:{line} in {func}"


def source_line(loc: tuple | None) -> str:
    if loc is None:
        return ""
    return linecache.getline(loc[0], loc[1]).strip()


def _describe_request() -> tuple:
    """(what, user location): the outermost graphc function between the user and here."""
    f = sys._getframe(2)
    names = []
    ir_dir = _PKG + "ir" + os.sep
    while f is not None and f.f_code.co_filename.startswith(_PKG):
        if not f.f_code.co_filename.startswith(ir_dir):
            names.append(f.f_code.co_name)
        f = f.f_back
    loc = None if f is None else (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)
    for name in reversed(names):  # the outermost call the user would recognize
        if name in _WHAT:
            return _WHAT[name], loc
        if not name.startswith(("_", "<")) and name not in _GLUE:
            return f"graphc.{name}()", loc
    return "reading a traced tensor's value", loc


_GLUE = {"forward", "apply", "record", "inplace", "wrapper", "decorate_context", "run",
         "backward", "step"}


def trace_error(what: str, loc: tuple | None, reason: str | None = None, hint: str = HINT):
    """A TraceError naming the operation, the user's file:line and how to fix it."""
    from graphc.errors import TraceError
    where = "" if loc is None else f" at {loc[0]}:{loc[1]} in {loc[2]}"
    line = source_line(loc)
    code = f"\n    {line}" if line else ""
    reason = reason or ("needs the tensor's value, which does not exist while the function is "
                        "being traced")
    return TraceError(f"{what} {reason}{where}{code}\nFix: {hint}.")


def raise_needs_value():
    """Called by a symbolic Value when a Tensor method asks for its data."""
    what, loc = _describe_request()
    raise trace_error(what, loc)
