"""Learn the Basics › Optimizing Model Parameters, and Save and Load the Model; plus the
"saving and loading a general checkpoint" recipe.

The tutorial's ``train_loop``/``test_loop`` with ``nn.CrossEntropyLoss`` and ``optim.SGD``, on
scikit-learn's 8x8 digits (no download) instead of FashionMNIST; the network's input layer is
8*8 wide accordingly. Weights start from NumPy; the training loader does not shuffle (the two
libraries draw different permutations). Then ``state_dict`` / ``torch.save`` / ``torch.load`` /
``load_state_dict`` for a model and a whole training checkpoint.
"""
import os
import tempfile

import numpy as np
from sklearn.datasets import load_digits

import graphc as torch
from graphc import nn
from graphc.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(7)
digits = load_digits()
X_all = (digits.data / 16.0).astype(np.float32).reshape(-1, 8, 8)
y_all = digits.target.astype(np.int64)
training_data = TensorDataset(torch.from_numpy(X_all[:1200]), torch.from_numpy(y_all[:1200]))
test_data = TensorDataset(torch.from_numpy(X_all[1200:]), torch.from_numpy(y_all[1200:]))
print(len(training_data), len(test_data), training_data[0][0].shape, training_data[0][1])


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(8 * 8, 128),
            nn.ReLU(),
            nn.Linear(128, 128),
            nn.ReLU(),
            nn.Linear(128, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def init_(model):
    with torch.no_grad():
        for p in model.parameters():
            bound = 1 / np.sqrt(p.shape[-1])
            p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape)).astype(np.float32)))
    return model


model = init_(NeuralNetwork())

# Hyperparameters -------------------------------------------------------------------------
learning_rate = 1e-1
batch_size = 64
epochs = 3

train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)

# Optimization loop -----------------------------------------------------------------------
loss_fn = nn.CrossEntropyLoss()
print(loss_fn, loss_fn.reduction)
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    # Set the model to training mode - important for batch normalization and dropout layers
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        # Compute prediction and loss
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 5 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7.4f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    # Set the model to evaluation mode - important for batch normalization and dropout layers
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0

    # Evaluating the model with torch.no_grad() ensures that no gradients are computed
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8.4f} \n")


for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")

# Save and Load the Model -----------------------------------------------------------------
workdir = tempfile.mkdtemp()
path = os.path.join(workdir, "model_weights.pth")
sd = model.state_dict()
print(type(sd).__name__, list(sd.keys()))
print({k: (tuple(v.shape), v.dtype, v.requires_grad) for k, v in sd.items()})
torch.save(model.state_dict(), path)

model2 = init_(NeuralNetwork())
result = model2.load_state_dict(torch.load(path, weights_only=True))
print(result)
print(model2.eval())
print(all(torch.equal(a, b) for a, b in zip(model.parameters(), model2.parameters())))
test_loop(test_dataloader, model2, loss_fn)

# Loading with missing / unexpected keys
partial = {k: v for k, v in model.state_dict().items() if not k.endswith("4.bias")}
partial["extra.weight"] = torch.zeros(1)
print(model2.load_state_dict(partial, strict=False))
try:
    model2.load_state_dict(partial)
except RuntimeError as e:
    print("RuntimeError:", str(e).splitlines()[0])
try:
    model2.load_state_dict({**model.state_dict(), "linear_relu_stack.0.bias": torch.zeros(3)})
except RuntimeError as e:
    print("RuntimeError:", " ".join(str(e).split()))

# Saving and loading the whole model object (torch.save(model, PATH), then
# torch.load(PATH, weights_only=False)) is left out: graphc checkpoints are data only and never
# pickle code, by design (graphc's save refuses a Module and says to save its state_dict()).

# Saving and loading a general checkpoint --------------------------------------------------
optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
X, y = next(iter(train_dataloader))
loss = loss_fn(model(X), y)
loss.backward()
optimizer.step()
EPOCH = 5
PATH = os.path.join(workdir, "model.pt")
LOSS = 0.4

torch.save({
    'epoch': EPOCH,
    'model_state_dict': model.state_dict(),
    'optimizer_state_dict': optimizer.state_dict(),
    'loss': LOSS,
}, PATH)

model = init_(NeuralNetwork())
optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

checkpoint = torch.load(PATH, weights_only=True)
print(sorted(checkpoint), type(checkpoint['epoch']).__name__, type(checkpoint['loss']).__name__)
print(model.load_state_dict(checkpoint['model_state_dict']))
optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
epoch = checkpoint['epoch']
loss = checkpoint['loss']
print(epoch, loss)
print(optimizer.state_dict()['param_groups'])
state = optimizer.state_dict()['state']
print(sorted(state), sorted(state[0]), state[0]['momentum_buffer'].shape)

model.eval()
# - or -
model.train()
print(model.training)
test_loop(test_dataloader, model, loss_fn)
