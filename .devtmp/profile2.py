import sys, time
sys.path[:0] = [".devtmp/fakepydantic", ".devtmp", "."]
import torch
torch.set_num_threads(2)
from mahm_search.model.spec import ArchSpec
from mahm_search.model.builder import build_model
from mahm_search.model.backbone import ResNetBackbone
def timeit(f, n=5):
    f(); ts = []
    for _ in range(n):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return min(ts) * 1e3
W = [1024, 512, 256, 128, 256, 512, 1024]
x = torch.randn(16, 3, 128, 128)
for label, kw, stub in [("default", {}, False), ("no CHA", {"cross_attention": False}, False),
                        ("default, MANO stubbed", {}, True), ("no CHA, MANO stubbed", {"cross_attention": False}, True)]:
    m = build_model(ArchSpec(cascade_widths=W, **kw))
    if stub:
        real = m.mano
        jv = real(torch.zeros(1, 2, 48), torch.zeros(1, 2, 10))
        class Stub(torch.nn.Module):
            def forward(self, pose, shape):
                s = (pose.sum(-1) + shape.sum(-1))[..., None, None]
                return {"vertices": jv["vertices"] + s, "joints": jv["joints"] + s}
        m.mano = Stub()
    fm = torch.randn(16, 512, 4, 4, requires_grad=True)
    m.backbone.forward = lambda im: (fm, fm.mean((2, 3)))
    def casc():
        out = m(x)
        sum(s["joints_3d"].abs().mean() + s["vertices"].abs().mean() for s in out["stages"]).backward()
    print(f"{label}: cascade fwd+bwd {timeit(casc):.1f} ms")
m = build_model(ArchSpec(cascade_widths=W))
for p in m.parameters(): p.grad = torch.randn_like(p)
for fe in (False, True):
    opt = torch.optim.Adam(m.parameters(), lr=1e-4, foreach=fe)
    bb = torch.optim.Adam(m.backbone.parameters(), lr=1e-4, foreach=fe)
    print(f"adam foreach={fe}: full {timeit(opt.step):.1f} ms, backbone only {timeit(bb.step):.1f} ms")
