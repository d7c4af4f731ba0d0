"""The CPU peer: the same full-batch training steps in PyTorch, what a user without a GPU would run instead.

Usage: peer_torch.py DIR STEPS WARMUP ALPHA LR MOMENTUM THREADS, where DIR holds inputs.npy (N x d),
targets.npy (N x K) and W1.npy .. WL.npy (out x in, nn.Linear's layout). Prints one JSON line:
{"ms_per_step", "steps", "loss_after_warmup", "threads", "torch"}.
"""
import json
import pathlib
import sys
import time

import numpy as np
import torch

directory = pathlib.Path(sys.argv[1])
steps, warmup = int(sys.argv[2]), int(sys.argv[3])
alpha, lr, momentum = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
torch.set_num_threads(int(sys.argv[7]))

inputs = torch.from_numpy(np.load(directory / "inputs.npy"))
targets = torch.from_numpy(np.load(directory / "targets.npy"))
weights = []
while (directory / f"W{len(weights) + 1}.npy").exists():
    weights.append(torch.from_numpy(np.load(directory / f"W{len(weights) + 1}.npy")).requires_grad_())
optimizer = torch.optim.SGD(weights, lr=lr, momentum=momentum)


def loss():
    output = inputs
    for weight in weights:
        output = output @ weight.T
    return ((alpha * output - targets) ** 2).sum() / inputs.shape[0]


def train(count):
    for _ in range(count):
        optimizer.zero_grad(set_to_none=True)
        loss().backward()
        optimizer.step()


train(warmup)
with torch.no_grad():
    loss_after_warmup = loss().item()
started = time.perf_counter()
train(steps)
elapsed = time.perf_counter() - started
print(json.dumps({"ms_per_step": 1000 * elapsed / steps, "steps": steps, "loss_after_warmup": loss_after_warmup,
                  "threads": torch.get_num_threads(), "torch": torch.__version__}))
