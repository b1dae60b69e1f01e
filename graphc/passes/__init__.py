"""Compiler passes, one module each (``Graph -> Graph``); ``pipeline`` orders them."""
from graphc.passes import autodiff, dce, partition, simplify

__all__ = ["autodiff", "dce", "partition", "simplify"]
