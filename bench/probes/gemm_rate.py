"""Twin of GemmRate.java in PyTorch (the bench peer, OpenBLAS core chosen as torch_peer.py does).

/usr/bin/python3 bench/probes/gemm_rate.py [reps]
"""
import os
import sys
import time

sys.path.insert(0, "bench")
reps = int(sys.argv[1]) if len(sys.argv) > 1 else 8
sys.argv = sys.argv[:1]
import torch  # noqa: E402
import torch_peer as tp  # noqa: E402

torch.manual_seed(0)
for t in range(1, os.cpu_count() + 1):
    tp.set_threads(t, 1)
    for n in (256, 512, 1024, 2048):
        x, y, out = torch.randn(n, n), torch.randn(n, n), torch.empty(n, n)
        fresh = kept = float("inf")
        for i in range(reps + 2):
            t0 = time.perf_counter()
            torch.mm(x, y).sum().item()
            t1 = time.perf_counter()
            torch.mm(x, y, out=out)
            out.sum().item()
            t2 = time.perf_counter()
            if i >= 2:
                fresh, kept = min(fresh, t1 - t0), min(kept, t2 - t1)
        f = 2.0 * n ** 3 / 1e9
        print(f"pytorch threads {t} n {n:4d}  new output {f / fresh:6.1f}  kept output {f / kept:6.1f} GFLOP/s")
