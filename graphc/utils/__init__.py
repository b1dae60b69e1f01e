"""``graphc.utils``: utilities that mirror ``torch.utils`` (currently ``data``)."""
from graphc.utils import data  # noqa: F401

__all__ = ["data"]
