"""``graphc.optim``: PyTorch's optimizers and learning-rate schedulers, same names and numbers.

Optimizers update parameters in place on their backend arrays (NumPy or CuPy) and keep their
state as graphc tensors, so ``optimizer.state_dict()`` saves with ``graphc.save`` and training
resumes exactly after ``load_state_dict``.
"""
from graphc.optim import lr_scheduler  # noqa: F401
from graphc.optim.adam import Adam, AdamW
from graphc.optim.optimizer import Optimizer
from graphc.optim.rmsprop import RMSprop
from graphc.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "lr_scheduler"]
