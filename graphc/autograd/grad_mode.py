"""Grad mode: whether ops record a backward graph. A ContextVar, so threads and async tasks
each keep their own, as PyTorch's thread-local grad mode does."""
from __future__ import annotations

import functools
from contextvars import ContextVar

_enabled: ContextVar[bool] = ContextVar("graphc_grad_enabled", default=True)
is_grad_enabled = _enabled.get


class _GradMode:
    """Base for the grad-mode switches: a context manager that is also a decorator."""

    mode: bool = True

    def __enter__(self):
        self._token = _enabled.set(self.mode)
        return self

    def __exit__(self, *exc) -> None:
        _enabled.reset(self._token)

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            token = _enabled.set(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _enabled.reset(token)
        return wrapper


class no_grad(_GradMode):
    """Disable gradient recording (``with graphc.no_grad():`` or ``@graphc.no_grad()``)."""

    mode = False


class enable_grad(_GradMode):
    """Re-enable gradient recording inside a ``no_grad`` block."""

    mode = True


class inference_mode(no_grad):
    """Alias of ``no_grad`` (graphc has no separate inference tensors)."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = not mode


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)``: takes effect at once; restores on exit when used in ``with``."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._prev = _enabled.get()
        _enabled.set(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        _enabled.set(self._prev)

    def __call__(self, fn):
        _enabled.set(self._prev)  # as a decorator it only applies inside the function
        return super().__call__(fn)
