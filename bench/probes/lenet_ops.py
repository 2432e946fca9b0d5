"""Twin of LeNetOps.java in PyTorch: per-op times of LeNet-5's layers at batch 128, ms, median of REPS calls.

/usr/bin/python3 bench/probes/lenet_ops.py INTRA_OP_THREADS [reps]
"""
import statistics
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]))
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 50
torch.manual_seed(0)
r = lambda *s: torch.randn(*s).requires_grad_(True)
x1, w1, a1 = r(128, 1, 28, 28), r(6, 1, 5, 5), r(128, 6, 28, 28)
x2, w2, a2 = r(128, 6, 14, 14), r(16, 6, 5, 5), r(128, 16, 10, 10)
f, wf = r(128, 400), r(120, 400)
ops = {
    "conv1 5x5, 1->6, pad 2": (lambda: torch.conv2d(x1, w1, None, 1, 2), x1),
    "relu 128x6x28x28": (lambda: torch.relu(a1), a1),
    "max_pool2d 2, 128x6x28x28": (lambda: torch.max_pool2d(a1, 2), a1),
    "conv2 5x5, 6->16": (lambda: torch.conv2d(x2, w2), x2),
    "max_pool2d 2, 128x16x10x10": (lambda: torch.max_pool2d(a2, 2), a2),
    "linear 400->120": (lambda: torch.nn.functional.linear(f, wf), f),
}


def timed(fn):
    for _ in range(3):
        fn()
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(t)


def fwd_bwd(op, inp):
    (g,) = torch.autograd.grad(op().sum(), inp)
    g.sum().item()


print(f"torch {torch.__version__}, intra-op threads {torch.get_num_threads()}; median of {reps} calls, ms")
print(f"{'op':28s} {'forward':>9s} {'fwd+backward':>14s}")
for name, (op, inp) in ops.items():
    print(f"{name:28s} {timed(op):9.3f} {timed(lambda: fwd_bwd(op, inp)):14.3f}")
