import sys, time
sys.path[:0] = [".devtmp/fakepydantic", ".devtmp", "."]
import torch
torch.set_num_threads(2)
from mahm_search.model.spec import ArchSpec
from mahm_search.model.builder import build_model
from torch.profiler import profile, record_function
cl = torch.channels_last
m = build_model(ArchSpec(cascade_widths=[1024, 512, 256, 128, 256, 512, 1024])).to(memory_format=cl)
x = torch.randn(16, 3, 128, 128).contiguous(memory_format=cl)
opt = torch.optim.Adam(m.parameters(), lr=1e-4)
def step():
    opt.zero_grad(set_to_none=True)
    with record_function("FWD"):
        out = m(x)
    loss = sum(s["joints_3d"].abs().mean() + s["vertices"].abs().mean() + s["joints_2d"].abs().mean() + s["root_rel"].abs().mean() for s in out["stages"])
    with record_function("BWD"):
        loss.backward()
    with record_function("ADAM"):
        opt.step()
for _ in range(2): step()
def timeit(f, n=5):
    ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts) * 1e3
print("full step ms", timeit(step))
def bb():
    with torch.no_grad(): pass
# pieces
mano = m.mano
pose = torch.zeros(16, 2, 48, requires_grad=True); shape = torch.zeros(16, 2, 10, requires_grad=True)
def mano_fb():
    o = mano(pose, shape); (o["vertices"].sum() + o["joints"].sum()).backward()
print("one MANO fwd+bwd (B=16) ms", timeit(mano_fb))
print("adam step ms", timeit(opt.step))
bbopt = torch.optim.Adam(m.backbone.parameters(), lr=1e-4)
print("adam step backbone-only ms", timeit(bbopt.step))
feat = torch.randn(16, 512)
def cascade_only():
    # everything except the backbone: feed pooled features through the initial regressor + stages
    fm = torch.randn(16, 512, 4, 4, requires_grad=True)
    orig = m.backbone.forward
    m.backbone.forward = lambda im: (fm, fm.mean((2, 3)))
    out = m(x)
    m.backbone.forward = orig
    sum(s["joints_3d"].abs().mean() + s["vertices"].abs().mean() for s in out["stages"]).backward()
print("cascade fwd+bwd (no backbone) ms", timeit(cascade_only))
with profile() as p:
    step()
print(p.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
