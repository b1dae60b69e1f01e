"""Named result tuples (``graphc.return_types.frexp(mantissa=…, exponent=…)``) for ops that
return several tensors, printed as PyTorch prints ``torch.return_types``.

Namedtuples, so results unpack, index and read by field, and the compiler's pytree rebuilds
them around compiled outputs.
"""
from __future__ import annotations

from collections import namedtuple


def return_type(name: str, fields: tuple) -> type:
    """A namedtuple class ``graphc.return_types.<name>`` with ``fields``."""
    cls = namedtuple(name, fields)
    cls.__module__ = "graphc.return_types"

    def __repr__(self) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"graphc.return_types.{name}(\n{body})"
    cls.__repr__ = __repr__
    return cls
