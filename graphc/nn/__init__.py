"""``graphc.nn``: PyTorch's layers, containers, losses, ``init`` and ``functional``.

Modules are plain Python objects over graphc ops, so the same model runs eagerly, under
``graphc.trace``/``graphc.compile`` (its parameters become graph inputs) and on CuPy.
"""
from graphc.nn.parameter import Parameter
from graphc.nn.module import Module
from graphc.nn.containers import (Identity, ModuleDict, ModuleList, ParameterDict, ParameterList,
                                  Sequential)
from graphc.nn import functional, init, utils
from graphc.nn.modules import *  # noqa: F403
from graphc.nn.modules import __all__ as _modules_all

__all__ = ["Parameter", "Module", "Identity", "Sequential", "ModuleList", "ModuleDict",
           "ParameterList", "ParameterDict", "functional", "init", "utils", *_modules_all]
