#!/usr/bin/env python3
"""The PyTorch peer of `gradreg bench`: the same training steps, written as idiomatic PyTorch.

Same models (MLP 784-512-512-10 b128, LeNet-5 b128, MLP 784-1024-1024-10 b512, ReLU, float32), same
random MNIST-shaped batch (uniform [0, 1) inputs, label i % 10), same methods and hyperparameters
(`gradreg bench` sends them with every request, taken from its own Bench.methods()), torch.optim.SGD
at lr 0.01. Idiomatic means: nn modules; torch.autograd.grad with create_graph=True for exact GR and
for the input penalties' double backprop; SAM and finite-difference GR perturb the parameters in
place and restore them from a copy, as davda54/sam does.

Method semantics, matched to docs/methods.md (both sides):
  plain                 d = g
  gr exact              d = g + gamma * H g   (H g = autograd.grad(g, params, grad_outputs=g))
  gr forward/backward   d = g + (gamma/eps) (grad L(theta +- eps g) - g) * (+-1)
  gr central            d = g + gamma/(2 eps) (grad L(theta + eps g) - grad L(theta - eps g))
  sam                   d = grad L(theta + rho g/||g||)
  doubleback exact      d = grad_theta [L + lambda R], R = (1/N) sum_i ||grad_{x_i} l_i||^2, double backprop
  doubleback forward    d = g + (2 lambda / delta) (grad_theta L(x + delta dx) - g), dx_i = grad_{x_i} l_i
  spectreg (exact)      d = grad_theta [L + lambda R], R = (1/N) sum_i ||J_i^T r_i||^2, r_i ~ N(0, I_K)
                        drawn PER SAMPLE and per step (an [N, K] Gaussian), double backprop

Thread settings: PyTorch's GEMMs run in OpenBLAS (set at run time through openblas_set_num_threads),
its other kernels in its OpenMP pool (torch.set_num_threads). Every cell is timed under the
configurations in --configs (default 1x1, Nx1, 1xN and NxN: OpenBLAS x intra-op threads, N = cores), in interleaved
rounds, and the best median is kept: the peer gets its best case.

Usage:
  python3 bench/torch_peer.py                      # a table of every method on every workload
  python3 bench/torch_peer.py --serve              # line protocol used by `gradreg bench --peer`
  python3 bench/torch_peer.py --peak               # OpenBLAS float32 2048^2 matmul, 1 and all threads
Install the peer on Debian/Ubuntu: apt-get install python3-torch (PyTorch with OpenBLAS).
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time


def _choose_openblas_core():
    """Debian's OpenBLAS 0.3.21 does not know CPUs newer than itself (e.g. Sapphire Rapids) and falls
    back to its Prescott (SSE3) kernels, ~10x slower. Unless the user chose, name the best kernel
    family this CPU supports, so the peer gets its fast case. Must run before torch loads OpenBLAS."""
    if "OPENBLAS_CORETYPE" in os.environ:
        return
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l.split(":", 1)[1].split() for l in f if l.startswith("flags")), [])
    except OSError:
        return
    if "avx512f" in flags and "avx512bw" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    elif "avx2" in flags:
        os.environ["OPENBLAS_CORETYPE"] = "Haswell"


_choose_openblas_core()

import torch  # noqa: E402  (after the OpenBLAS core choice)
import torch.nn as nn
import torch.nn.functional as F  # noqa: E402

CORES = os.cpu_count() or 1


# ---------------------------------------------------------------------------- threads
def _openblas():
    """The OpenBLAS that torch loaded (found in this process's memory map), or None."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line and "/" in line}
    except OSError:
        return None
    for p in sorted(paths):
        try:
            lib = ctypes.CDLL(p)
            lib.openblas_set_num_threads
            return lib
        except (OSError, AttributeError):
            continue
    return None


_BLAS = None


def set_threads(blas, intra):
    global _BLAS
    if _BLAS is None:
        _BLAS = _openblas() or False
    if _BLAS:
        _BLAS.openblas_set_num_threads(int(blas))
    torch.set_num_threads(int(intra))


def blas_info():
    lib = _openblas()
    if not lib:
        return "no OpenBLAS found (reference BLAS?)"
    try:
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return f"{lib.openblas_get_config().decode()} core={lib.openblas_get_corename().decode()}"
    except AttributeError:
        return "OpenBLAS"


def parse_configs(text):
    out = []
    for c in text.split(","):
        b, i = c.lower().replace("n", str(CORES)).split("x")
        if (int(b), int(i)) not in out:
            out.append((int(b), int(i)))
    return out


# ---------------------------------------------------------------------------- models
def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class LeNet5(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2).flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def build(model, batch):
    torch.manual_seed(0)
    if model == "lenet5":
        net, shape = LeNet5(), (batch, 1, 28, 28)
    elif model.startswith("mlp:"):
        sizes = [int(s) for s in model[4:].split("-")]
        net, shape = mlp(sizes), (batch, sizes[0])
    else:
        raise ValueError("unknown model " + model)
    g = torch.Generator().manual_seed(1)
    x = torch.rand(shape, generator=g)
    y = torch.arange(batch) % 10
    return net.float(), x, y


# ---------------------------------------------------------------------------- methods
class Step:
    """One training step of a method: fills p.grad with the direction, then optimizer.step()."""

    def __init__(self, net, x, y, spec):
        self.net, self.x, self.y, self.spec = net, x, y, spec
        self.params = [p for p in net.parameters()]
        self.opt = torch.optim.SGD(self.params, lr=spec.get("lr", 0.01))
        kind = spec["kind"]
        self.run = {
            "plain": self.plain, "gr": self.gr, "sam": self.sam,
            "doubleback": self.input_penalty, "spectreg": self.input_penalty,
        }[kind]

    def __call__(self):
        self.opt.zero_grad(set_to_none=True)
        loss = self.run()
        self.opt.step()
        return loss

    def loss(self, x=None):
        return F.cross_entropy(self.net(self.x if x is None else x), self.y)

    def plain(self):
        loss = self.loss()
        loss.backward()
        return loss.item()

    def _perturbed_grads(self, e, scale):
        """grad L(theta + scale * e), theta restored from a copy afterwards (davda54/sam's in-place scheme)."""
        old = [p.data.clone() for p in self.params]
        with torch.no_grad():
            for p, v in zip(self.params, e):
                p.add_(v, alpha=scale)
        grads = torch.autograd.grad(self.loss(), self.params)
        for p, o in zip(self.params, old):
            p.data = o
        return grads

    def gr(self):
        s = self.spec
        gamma, eps, order = s["gamma"], s.get("eps", 0.0), s["second_order"]
        loss = self.loss()
        if order == "exact":
            g = torch.autograd.grad(loss, self.params, create_graph=True)
            hg = torch.autograd.grad(g, self.params, grad_outputs=[gi.detach() for gi in g])
            for p, gi, h in zip(self.params, g, hg):
                p.grad = gi.detach() + gamma * h
            return loss.item()
        g = torch.autograd.grad(loss, self.params)
        if order == "forward":
            gp = self._perturbed_grads(g, eps)
            d = [gi + (gamma / eps) * (a - gi) for gi, a in zip(g, gp)]
        elif order == "backward":
            gm = self._perturbed_grads(g, -eps)
            d = [gi + (gamma / eps) * (gi - b) for gi, b in zip(g, gm)]
        else:
            gp = self._perturbed_grads(g, eps)
            gm = self._perturbed_grads(g, -eps)
            d = [gi + (gamma / (2 * eps)) * (a - b) for gi, a, b in zip(g, gp, gm)]
        for p, di in zip(self.params, d):
            p.grad = di
        return loss.item()

    def sam(self):
        loss = self.loss()
        loss.backward()
        norm = torch.norm(torch.stack([p.grad.norm(p=2) for p in self.params]), p=2)
        scale = self.spec["rho"] / (norm + 1e-12)
        old = [p.data.clone() for p in self.params]
        with torch.no_grad():
            for p in self.params:
                p.add_(p.grad * scale)
        self.opt.zero_grad(set_to_none=True)
        self.loss().backward()
        for p, o in zip(self.params, old):
            p.data = o
        return loss.item()

    def input_penalty(self):
        s = self.spec
        lam, n = s["lambda"], self.x.shape[0]
        x = self.x.detach().requires_grad_(True)
        out = self.net(x)
        loss = F.cross_entropy(out, self.y)
        if s["kind"] == "spectreg":
            r = torch.randn_like(out)  # one projection per sample
            psi = (out * r).sum() / n
        else:
            psi = loss
        if s["second_order"] == "exact":
            (gx,) = torch.autograd.grad(psi, x, create_graph=True)
            penalty = n * gx.pow(2).sum()  # row i of gx is grad_{x_i} psi_i / N
            (loss + lam * penalty).backward()
            return loss.item()
        if s["kind"] != "doubleback" or s["second_order"] != "forward":
            raise ValueError("the peer implements doubleback forward only among finite differences")
        delta = s["delta"]
        grads = torch.autograd.grad(loss, self.params + [x])
        g, gx = grads[:-1], grads[-1]
        moved = self.x + delta * (n * gx)
        g2 = torch.autograd.grad(F.cross_entropy(self.net(moved), self.y), self.params)
        for p, gi, b in zip(self.params, g, g2):
            p.grad = gi + (2 * lam / delta) * (b - gi)
        return loss.item()


# ---------------------------------------------------------------------------- timing
def time_cell(model, batch, spec, steps, warmup, configs, rounds=3):
    """Median ms per step under each thread configuration, timed in interleaved rounds."""
    net, x, y = build(model, batch)
    step = Step(net, x, y, spec)
    times = {c: [] for c in configs}
    per_round = max(1, -(-steps // rounds))
    for r in range(rounds):
        for c in configs:
            set_threads(*c)
            for _ in range(warmup if r == 0 else 1):
                step()
            for _ in range(per_round):
                t0 = time.perf_counter()
                step()
                times[c].append((time.perf_counter() - t0) * 1e3)
    med = {f"{b}x{i}": statistics.median(t) for (b, i), t in times.items()}
    best = min(med, key=med.get)
    return {"ms": med[best], "config": best, "by_config": med}


def matmul_gflops(n, blas, intra, reps=8):
    set_threads(blas, intra)
    a, b = torch.randn(n, n), torch.randn(n, n)
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b).sum().item()
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9


def peak(n=2048):
    return {"n": n, "gflops_1_thread": matmul_gflops(n, 1, 1), f"gflops_{CORES}_threads": matmul_gflops(n, CORES, CORES),
            "cores": CORES}


DEFAULT_SPECS = {
    "plain": {"kind": "plain"},
    "gr exact": {"kind": "gr", "second_order": "exact", "gamma": 0.1},
    "gr forward": {"kind": "gr", "second_order": "forward", "gamma": 0.1, "eps": 0.01},
    "gr backward": {"kind": "gr", "second_order": "backward", "gamma": 0.1, "eps": 0.01},
    "gr central": {"kind": "gr", "second_order": "central", "gamma": 0.1, "eps": 0.01},
    "sam": {"kind": "sam", "rho": 0.05},
    "doubleback exact": {"kind": "doubleback", "second_order": "exact", "lambda": 0.01},
    "doubleback forward": {"kind": "doubleback", "second_order": "forward", "lambda": 0.01, "delta": 0.01},
    "spectreg": {"kind": "spectreg", "second_order": "exact", "lambda": 0.01},
}
WORKLOADS = [("mlp:784-512-512-10", 128), ("lenet5", 128), ("mlp:784-1024-1024-10", 512)]


def serve(configs):
    """One JSON request per stdin line, one JSON reply per stdout line (see BenchCommand)."""
    print(json.dumps({"ready": True, "torch": torch.__version__, "blas": blas_info(), "cores": CORES}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if req.get("op") == "peak":
                reply = peak(req.get("n", 2048))
            else:
                reply = time_cell(req["model"], req["batch"], req["spec"], req["steps"], req["warmup"],
                                  parse_configs(req["configs"]) if "configs" in req else configs)
        except Exception as e:  # reported to the caller, which prints it as a one-line error
            reply = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--serve", action="store_true", help="line protocol for gradreg bench --peer")
    ap.add_argument("--peak", action="store_true", help="print the float32 2048^2 matmul speed and exit")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--configs", default=f"1x1,{CORES}x1,1x{CORES},NxN", help="OpenBLAS x intra-op thread counts to try")
    ap.add_argument("--models", default=None, help="comma-separated model specs")
    ap.add_argument("--methods", default=None, help="comma-separated method names")
    a = ap.parse_args()
    configs = parse_configs(a.configs)
    if a.serve:
        serve(configs)
        return
    if a.peak:
        print(json.dumps(peak()))
        return
    print(f"torch {torch.__version__}, {blas_info()}, {CORES} cores, configs {configs}")
    for model, batch in WORKLOADS:
        if a.models and model not in a.models.split(","):
            continue
        plain = None
        for name, spec in DEFAULT_SPECS.items():
            if a.methods and name != "plain" and name not in a.methods.split(","):
                continue
            r = time_cell(model, batch, spec, a.steps, a.warmup, configs)
            plain = plain or r["ms"]
            print(f"{model:22s} b{batch:<4d} {name:19s} {r['ms']:8.2f} ms  {r['ms'] / plain:5.2f}x plain  best {r['config']}"
                  f"  {json.dumps(r['by_config'])}", flush=True)


if __name__ == "__main__":
    main()
