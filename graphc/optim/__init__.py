"""``graphc.optim``: PyTorch's optimizers and learning-rate schedulers, same names and numbers.

Optimizers update parameters in place on their backend arrays (NumPy or CuPy) and keep their
state as graphc tensors, so ``optimizer.state_dict()`` saves with ``graphc.save`` and training
resumes exactly after ``load_state_dict``.
"""
from graphc.optim import lr_scheduler  # noqa: F401
from graphc.optim.adadelta import Adadelta
from graphc.optim.adagrad import Adagrad
from graphc.optim.adam import Adam, AdamW
from graphc.optim.adamax import Adamax
from graphc.optim.asgd import ASGD
from graphc.optim.lbfgs import LBFGS
from graphc.optim.nadam import NAdam
from graphc.optim.optimizer import Optimizer
from graphc.optim.radam import RAdam
from graphc.optim.rmsprop import RMSprop
from graphc.optim.rprop import Rprop
from graphc.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam",
           "Adadelta", "Rprop", "ASGD", "LBFGS", "lr_scheduler"]
