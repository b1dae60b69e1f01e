"""Deep Learning with PyTorch: A 60 Minute Blitz › Neural Networks, and › Training a Classifier.

The LeNet of the blitz (forward, ``num_flat_features``, ``backward(gradient)``, ``MSELoss``, the
``grad_fn.next_functions`` walk, ``conv1.bias.grad`` before/after backward, the manual SGD update
through ``.data``, ``optim.SGD``), then the CIFAR-10 classifier's training loop and per-class
accuracy on random 3x32x32 "images" (NumPy, fixed seed) instead of the downloaded dataset.
"""
import numpy as np

import graphc as torch
import graphc.nn as nn
import graphc.nn.functional as F
import graphc.optim as optim

rng = np.random.default_rng(2024)


def randn(*shape):
    return torch.from_numpy(rng.standard_normal(shape).astype(np.float32))


def init_(net):
    with torch.no_grad():
        for p in net.parameters():
            fan_in = p[0].numel() if p.dim() > 1 else p.shape[0]
            b = 1 / np.sqrt(fan_in)
            p.copy_(torch.from_numpy(rng.uniform(-b, b, tuple(p.shape)).astype(np.float32)))
    return net


# Neural Networks -------------------------------------------------------------------------
class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square convolution
        # kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square, you can specify with a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


net = init_(Net())
print(net)

params = list(net.parameters())
print(len(params))
print(params[0].size())  # conv1's .weight

input = randn(1, 1, 32, 32)
out = net(input)
print(out)

net.zero_grad()
out.backward(randn(1, 10))
print(net.conv1.bias.grad)

# Loss Function
output = net(input)
target = randn(10)  # a dummy target, for example
target = target.view(1, -1)  # make it the same shape as output
criterion = nn.MSELoss()

loss = criterion(output, target)
print(loss)

print(loss.grad_fn)  # MSELoss
print(loss.grad_fn.next_functions[0][0])  # Linear
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU
node = loss.grad_fn
names = []
while node is not None:
    names.append(node.name())
    nexts = [f for f, _ in node.next_functions if f is not None]
    node = nexts[-1] if nexts else None
print(names)

# Backprop
net.zero_grad()  # zeroes the gradient buffers of all parameters

print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)

loss.backward()

print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)

# Update the weights
learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
print(net.fc3.bias)

# create your optimizer
optimizer = optim.SGD(net.parameters(), lr=0.01)

# in your training loop:
for step in range(3):
    optimizer.zero_grad()  # zero the gradient buffers
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()  # Does the update
    print(f"step {step}: loss {loss.item():.5f}")

# Training a Classifier -------------------------------------------------------------------
classes = ('plane', 'car', 'bird', 'cat',
           'deer', 'dog', 'frog', 'horse', 'ship', 'truck')
batch_size = 4
n_train, n_test = 160, 40
protos = rng.standard_normal((10, 3, 32, 32)).astype(np.float32)
train_labels = rng.integers(0, 10, n_train)
test_labels = rng.integers(0, 10, n_test)
train_images = protos[train_labels] + rng.standard_normal((n_train, 3, 32, 32)).astype(np.float32)
test_images = protos[test_labels] + rng.standard_normal((n_test, 3, 32, 32)).astype(np.float32)
trainloader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(train_images), torch.from_numpy(train_labels)),
    batch_size=batch_size, shuffle=False)
testloader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(test_images), torch.from_numpy(test_labels)),
    batch_size=batch_size, shuffle=False)

dataiter = iter(trainloader)
images, labels = next(dataiter)
print(images.shape, labels)
print(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = init_(Net())
print(net)

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

for epoch in range(2):  # loop over the dataset multiple times

    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data

        # zero the parameter gradients
        optimizer.zero_grad()

        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        # print statistics
        running_loss += loss.item()
        if i % 10 == 9:    # print every 10 mini-batches
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 10:.3f}')
            running_loss = 0.0

print('Finished Training')

dataiter = iter(testloader)
images, labels = next(dataiter)
print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))
outputs = net(images)
_, predicted = torch.max(outputs, 1)
print(torch.max(outputs, 1))
print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}' for j in range(4)))

correct = 0
total = 0
# since we're not training, we don't need to calculate the gradients for our outputs
with torch.no_grad():
    for data in testloader:
        images, labels = data
        # calculate outputs by running images through the network
        outputs = net(images)
        # the class with the highest energy is what we choose as prediction
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

print(f'Accuracy of the network on the {total} test images: {100 * correct // total} %')

# prepare to count predictions for each class
correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}

# again no gradients needed
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predictions = torch.max(outputs, 1)
        # collect the correct predictions for each class
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1

# print accuracy for each class
for classname, correct_count in correct_pred.items():
    accuracy = 100 * float(correct_count) / max(total_pred[classname], 1)
    print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')

device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')
print(device)
net.to(device)
inputs, labels = inputs.to(device), labels.to(device)
print(net(inputs).argmax(1), labels)
