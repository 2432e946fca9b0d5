"""Twin of StepPhases.java in PyTorch: LeNet-5's plain and SAM steps (batch 128), whole and in phases.

The whole steps are torch_peer.py's (what `gradreg bench --peer` times); the phases make the same calls
one by one. Medians over STEPS rounds, all cells interleaved in each round, first 5 dropped.

/usr/bin/python3 bench/probes/step_phases.py BLAS INTRA STEPS
"""
import statistics
import sys
import time

sys.path.insert(0, "bench")
blas, intra, steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
sys.argv = sys.argv[:1]
import torch  # noqa: E402  (after torch_peer has chosen OpenBLAS's core)
import torch.nn.functional as F  # noqa: E402
import torch_peer as tp  # noqa: E402

tp.set_threads(blas, intra)
net, x, y = tp.build("lenet5", 128)
plain = tp.Step(net, x, y, {"kind": "plain"})
sam = tp.Step(net, x, y, {"kind": "sam", "rho": 0.05})
params = list(net.parameters())
opt = torch.optim.SGD(params, lr=0.01)
T = {}
last = 0.0


def lap(k):
    global last
    now = time.perf_counter()
    T.setdefault(k, []).append((now - last) * 1e3)
    last = now


for _ in range(steps):
    last = time.perf_counter()
    plain()
    lap("plain: whole step (torch_peer)")
    sam()
    lap("sam: whole step (torch_peer)")
    last = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(net(x), y)
    lap("plain: forward + loss")
    loss.backward()
    lap("plain: backward")
    loss.item()
    lap("plain: loss.item")
    opt.step()
    lap("plain: sgd")
    last = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(net(x), y)
    lap("sam: forward + loss 1")
    loss.backward()
    lap("sam: backward 1")
    loss.item()
    norm = torch.norm(torch.stack([p.grad.norm(p=2) for p in params]), p=2)
    scale = 0.05 / (norm + 1e-12)
    lap("sam: loss.item + ||g||")
    old = [p.data.clone() for p in params]
    with torch.no_grad():
        for p in params:
            p.add_(p.grad * scale)
    opt.zero_grad(set_to_none=True)
    lap("sam: perturb")
    loss2 = F.cross_entropy(net(x), y)
    lap("sam: forward + loss 2")
    loss2.backward()
    lap("sam: backward 2")
    for p, o in zip(params, old):
        p.data = o
    lap("sam: restore")
    opt.step()
    lap("sam: sgd")

print(f"torch {torch.__version__}, LeNet-5 b128, threads {blas} x {intra}; median of {steps} rounds (first 5 dropped), ms")
sums = {"plain": 0.0, "sam": 0.0}
for k, v in T.items():
    m = statistics.median(v[5:])
    if "whole" not in k:
        sums[k.split(":")[0]] += m
    print(f"{k:30s} {m:8.3f}")
for k, s in sums.items():
    print(f"{k + ': sum of phases':30s} {s:8.3f}")
