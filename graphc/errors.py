"""Every user-facing error graphc raises.

Each class also subclasses the built-in exception PyTorch raises for the same mistake, so code
written against PyTorch (``except RuntimeError``) keeps working, while graphc users can catch
``GraphcError`` for anything the library rejects.
"""
from __future__ import annotations


class GraphcError(Exception):
    """Base class of all graphc errors."""


class ShapeError(GraphcError, RuntimeError):
    """Shapes that do not broadcast, multiply, view or index as the op requires."""


class DTypeError(GraphcError, RuntimeError):
    """A dtype the op cannot take (e.g. ``requires_grad`` on an integer tensor)."""


class DeviceError(GraphcError, RuntimeError):
    """Tensors on different devices, or a device that is not available."""


class DimError(GraphcError, IndexError):
    """A ``dim`` argument out of range."""


class GraphcIndexError(GraphcError, IndexError):
    """An index out of bounds."""


class ArgumentError(GraphcError, TypeError):
    """An argument of the wrong Python type or an unknown keyword."""


class GraphcValueError(GraphcError, ValueError):
    """An argument of the right type but an invalid value."""


class GraphcAttributeError(GraphcError, AttributeError):
    """A missing attribute (e.g. an unknown submodule or parameter name)."""


class GraphcKeyError(GraphcError, KeyError):
    """A missing key (e.g. in a ModuleDict or a state dict)."""


class GraphcNotImplementedError(GraphcError, NotImplementedError):
    """Something the user must provide (a Module's forward) or graphc does not support."""


class GraphcAssertionError(GraphcError, AssertionError):
    """Where PyTorch asserts (TensorDataset with tensors of different sizes)."""


class GraphcRuntimeError(GraphcError, RuntimeError):
    """A value an op cannot accept where PyTorch raises RuntimeError (one_hot class out of
    range, a probability outside [0, 1])."""


class LinAlgError(GraphcRuntimeError):
    """A matrix a decomposition cannot handle: singular (``inv``, ``solve``) or not positive
    definite (``cholesky``); PyTorch's ``torch.linalg.LinAlgError``."""


class AutogradError(GraphcError, RuntimeError):
    """Misuse of autograd: freed graphs, implicit non-scalar gradients, bad in-place edits."""


class GradNotImplemented(AutogradError):
    """An op without a gradient rule was differentiated."""


class TraceError(GraphcError, RuntimeError):
    """Python code needed a value that only exists when the traced graph runs."""


class CompileError(GraphcError, RuntimeError):
    """A graph failed verification or a pass failed."""


class CheckpointError(GraphcError, RuntimeError):
    """A checkpoint file is truncated, corrupt, of the wrong type or does not match."""


def describe_shapes(*shapes) -> str:
    """Render shapes the way error messages show them: ``[2, 3] and [4]``."""
    return " and ".join("[" + ", ".join(str(d) for d in s) + "]" for s in shapes)
