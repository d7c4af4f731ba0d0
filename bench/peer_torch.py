"""The CPU peer: the same training steps in PyTorch, what a user without a GPU would run instead.

Usage: peer_torch.py DIR STEPS WARMUP THREADS, where DIR holds inputs.npy (N x d), targets.npy (N x K), W1.npy .. WL.npy
(out x in, nn.Linear's layout), batch_order.npy (the samples in the order batches take them) and recipe.json (bench/
train-step.ts's TrainRecipe: model, loss, alpha, learningRate, momentum, weightDecay, batchSize). Prints one JSON line:
{"ms_per_step", "steps", "loss_after_warmup", "after_warmup", "torch", "threads", "interop_threads", "blas_info",
 "blas_libraries", "blas_threads", "env", "other_cpu"}.
The BLAS that libblas.so.3 resolves to decides the figure: Debian's reference BLAS runs these matmuls about ten
times slower than OpenBLAS, so the libraries actually loaded are reported, with the environment that steers them.
other_cpu is the CPU time other processes took during the timed steps, in cores: a figure is only PyTorch's
when it is near 0.
"""
import ctypes
import json
import os
import pathlib
import re
import sys
import time

import numpy as np
import torch

BLAS_ENVIRONMENT = re.compile(r"^(OMP|OPENBLAS|GOTO|MKL|BLIS|KMP)_")
BLAS_LIBRARY = re.compile(r"(blas|mkl|blis|atlas)[^/]*\.so", re.IGNORECASE)

directory = pathlib.Path(sys.argv[1])
steps, warmup = int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(int(sys.argv[4]))
recipe = json.loads((directory / "recipe.json").read_text())

inputs = torch.from_numpy(np.load(directory / "inputs.npy"))
targets = torch.from_numpy(np.load(directory / "targets.npy"))
weights = []
while (directory / f"W{len(weights) + 1}.npy").exists():
    weights.append(torch.from_numpy(np.load(directory / f"W{len(weights) + 1}.npy")).requires_grad_())
biases = [torch.zeros(weight.shape[0], requires_grad=True) for weight in weights] if recipe["model"] == "mlp" else []
starts = [parameter.detach().clone() for parameter in weights + biases]
optimizer = torch.optim.SGD(weights + biases, lr=recipe["learningRate"], momentum=recipe["momentum"], weight_decay=recipe["weightDecay"])
samples = inputs.shape[0]
rows = recipe["batchSize"] or samples
batch_order = torch.from_numpy(np.load(directory / "batch_order.npy").astype(np.int64))
# Batch b takes batch_order[(b rows + i) mod N]: the batches repeat after N / gcd(N, rows) steps.
batches = [batch_order[(torch.arange(rows) + b * rows) % samples] for b in range(samples // np.gcd(samples, rows))]


def loss(x, y):
    output = x
    for layer, weight in enumerate(weights):
        output = output @ weight.T
        if biases:
            output = output + biases[layer]
            if layer < len(weights) - 1:
                output = torch.relu(output)
    if recipe["loss"] == "mse":
        return ((recipe["alpha"] * output - y) ** 2).sum() / x.shape[0]
    return torch.nn.functional.cross_entropy(output, y.argmax(dim=1))


step = 0


def train(count):
    global step
    for _ in range(count):
        optimizer.zero_grad(set_to_none=True)
        if recipe["batchSize"]:
            batch = batches[step % len(batches)]
            loss(inputs[batch], targets[batch]).backward()
        else:
            loss(inputs, targets).backward()
        optimizer.step()
        step += 1


def busy_cpu_seconds():
    """CPU seconds every process on the machine has used since boot (/proc/stat), or None off Linux."""
    try:
        with open("/proc/stat") as stat:
            user, nice, system, idle, iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    except OSError:
        return None
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def blas_libraries():
    """The BLAS shared libraries this process has loaded, as /proc/self/maps names them (symlinks resolved)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {fields[5] for fields in map(str.split, maps) if len(fields) >= 6}
    except OSError:
        return []
    return sorted(path for path in paths if BLAS_LIBRARY.search(os.path.basename(path)))


def blas_threads(libraries):
    """OpenBLAS's own thread count, where OpenBLAS is loaded (it keeps its threads apart from torch's)."""
    for path in libraries:
        if "openblas" in path:
            try:
                return ctypes.CDLL(path).openblas_get_num_threads()
            except (OSError, AttributeError):
                return None
    return None


train(warmup)
with torch.no_grad():
    loss_after_warmup = loss(inputs, targets).item()
    # Each parameter's sum of squares and squared distance from its start, as bench/train-step.ts's warmupState.
    after_warmup = {
        "squares": [float((parameter.double() ** 2).sum()) for parameter in weights + biases],
        "moved": [float(((parameter.double() - start.double()) ** 2).sum()) for parameter, start in zip(weights + biases, starts)],
    }
busy_before, own_before, started = busy_cpu_seconds(), time.process_time(), time.perf_counter()
train(steps)
elapsed = time.perf_counter() - started
busy_after, own_after = busy_cpu_seconds(), time.process_time()
other_cpu = None if busy_before is None else max(0.0, (busy_after - busy_before) - (own_after - own_before)) / elapsed
blas_info = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
libraries = blas_libraries()
print(json.dumps({
    "ms_per_step": 1000 * elapsed / steps, "steps": steps, "loss_after_warmup": loss_after_warmup,
    "after_warmup": after_warmup,
    "torch": torch.__version__, "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
    "blas_info": blas_info.group(1) if blas_info else None, "blas_libraries": libraries,
    "blas_threads": blas_threads(libraries),
    "env": {name: value for name, value in sorted(os.environ.items()) if BLAS_ENVIRONMENT.match(name)},
    "other_cpu": other_cpu,
}))
