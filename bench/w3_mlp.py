"""W3: MLP 784-512-512-10, batch 128, cross-entropy, SGD(momentum): a full training step."""
from bench._models import mlp
from bench._training import training_workload

TITLE = "W3 MLP 784-512-512-10 training step (batch 128, cross-entropy, SGD)"


def workload():
    return training_workload(TITLE, mlp, (128, 784), inner=5, rounds=15)
