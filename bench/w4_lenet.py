"""W4: the 60-minute-blitz LeNet, batch 64 of 1x32x32: a full training step."""
from bench._models import lenet
from bench._training import training_workload

TITLE = "W4 LeNet training step (batch 64, 1x32x32, cross-entropy, SGD)"


def workload():
    return training_workload(TITLE, lenet, (64, 1, 32, 32), inner=3, rounds=15)
