import sys, time, statistics, os
sys.argv=['x']; sys.path.insert(0,'bench')
import torch_peer as tp, torch, torch.nn.functional as F
tp.set_threads(1,1)
net,x,y=tp.build("mlp:784-512-512-10",128)
params=list(net.parameters()); opt=torch.optim.SGD(params,lr=0.01)
T={}
def lap(k):
    global last
    now=time.perf_counter(); T.setdefault(k,[]).append((now-last)*1e3); last=now
for s in range(30):
    last=time.perf_counter()
    opt.zero_grad(set_to_none=True)
    out=net(x); lap("plain forward")
    l=F.cross_entropy(out,y); l.backward(); lap("plain backward")
    l.item(); opt.step(); lap("plain sgd")
    last=time.perf_counter()
    opt.zero_grad(set_to_none=True)
    xr=x.detach().requires_grad_(True)
    out=net(xr); lap("spec forward")
    l=F.cross_entropy(out,y); r=torch.randn_like(out); psi=(out*r).sum()/128; lap("spec loss+psi")
    gx,=torch.autograd.grad(psi,xr,create_graph=True); lap("spec gradX")
    pen=128*gx.pow(2).sum(); lap("spec pen")
    (l+0.01*pen).backward(); lap("spec fused backward")
    l.item(); opt.step(); lap("spec sgd")
for k,v in T.items(): print(f"{k:25s} {statistics.median(v[3:]):8.3f}")
