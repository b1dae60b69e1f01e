"""Learn the Basics › Build the Neural Network, and Datasets & DataLoaders (in memory).

The ``NeuralNetwork`` of the tutorial (Flatten + Linear/ReLU stack), its layers one by one
(``nn.Flatten``, ``nn.Linear``, ``nn.ReLU``, ``nn.Sequential``, ``nn.Softmax``), the model's
parameters, device selection through ``torch.accelerator``, and a custom ``Dataset`` fed through
``DataLoader`` with the tutorial's iteration idioms. Random inputs and weights come from NumPy.
"""
import numpy as np

import graphc as torch
from graphc import nn
from graphc.utils.data import DataLoader, Dataset

rng = np.random.default_rng(3)


def rand(*shape):
    return torch.from_numpy(rng.random(shape, dtype=np.float32))


def init_(model):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.05, 0.05, tuple(p.shape)).astype(np.float32)))
    return model


# Get Device for Training -----------------------------------------------------------------
device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() \
    else "cpu"
print(f"Using {device} device")


# Define the Class ------------------------------------------------------------------------
class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = init_(NeuralNetwork()).to(device)
print(model)

X = rand(1, 28, 28).to(device)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")
print(logits, pred_probab.sum(), pred_probab.grad_fn)

# Model Layers ----------------------------------------------------------------------------
input_image = rand(3, 28, 28)
print(input_image.size())

flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())

layer1 = init_(nn.Linear(in_features=28 * 28, out_features=20))
hidden1 = layer1(flat_image)
print(hidden1.size())

print(f"Before ReLU: {hidden1}\n\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1}")

seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    init_(nn.Linear(20, 10))
)
input_image = rand(3, 28, 28)
logits = seq_modules(input_image)
print(seq_modules)

softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)
print(pred_probab)

# Model Parameters ------------------------------------------------------------------------
print(f"Model structure: {model}\n\n")

for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")

print(sum(p.numel() for p in model.parameters()), len(list(model.modules())),
      [type(m).__name__ for m in model.children()])
print(model.linear_relu_stack[0], model.linear_relu_stack[-1].out_features,
      len(model.linear_relu_stack), model.training)
print(list(model.state_dict().keys()))
model.eval()
print(model.training, model.linear_relu_stack[1].training)
model.requires_grad_(False)
print(model.linear_relu_stack[0].weight.requires_grad, model(X).requires_grad)


# Datasets & DataLoaders: a custom dataset ------------------------------------------------
class CustomImageDataset(Dataset):
    """The tutorial reads images and a CSV of labels; here both are arrays in memory."""

    def __init__(self, images, labels, transform=None, target_transform=None):
        self.img_labels = labels
        self.images = images
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        image = torch.from_numpy(self.images[idx])
        label = int(self.img_labels[idx])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


labels_map = {0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
              5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot"}
images = rng.random((70, 1, 28, 28), dtype=np.float32)
labels = rng.integers(0, 10, 70)
training_data = CustomImageDataset(images, labels)
print(len(training_data), training_data[5][0].shape, training_data[5][1],
      labels_map[training_data[5][1]])

train_dataloader = DataLoader(training_data, batch_size=64)
print(len(train_dataloader), train_dataloader.batch_size)
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
img = train_features[0].squeeze()
label = train_labels[0]
print(img.shape, label, label.dtype, train_labels.dtype, train_features.dtype)
print(f"Label: {label}")
print([tuple(x.shape) for x, _ in train_dataloader])
print([tuple(x.shape) for x, _ in DataLoader(training_data, batch_size=32, drop_last=True)])

# Lambda transforms: one-hot targets
target_transform = lambda y: torch.zeros(10, dtype=torch.float).scatter_(  # noqa: E731
    0, torch.tensor(y), value=1)
ds = CustomImageDataset(images, labels, transform=lambda x: x * 2,
                        target_transform=target_transform)
x0, y0 = ds[0]
print(y0, x0.max() <= 2, labels[0])
xb, yb = next(iter(DataLoader(ds, batch_size=4)))
print(xb.shape, yb)


class DictDataset(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, idx):
        return {"x": torch.tensor([idx, idx * 2.0]), "idx": idx, "name": f"s{idx}"}


for batch in DataLoader(DictDataset(), batch_size=2):
    print(batch)
