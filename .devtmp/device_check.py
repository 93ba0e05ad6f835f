"""Device-machine checks: CUDA forward/backward, checkpointing, torchvision key compatibility, timings."""
import sys, time, os
sys.path[:0] = [".devtmp/fakepydantic", ".devtmp", "."]
import torch, torchvision
from mahm_search.model.spec import ArchSpec
from mahm_search.model.builder import build_model
from mahm_search.model.backbone import ResNetBackbone, load_backbone_weights

# 1. torchvision state_dict loads and gives identical features
for name in ("resnet18", "resnet50"):
    tv = getattr(torchvision.models, name)(weights=None).eval()
    torch.save(tv.state_dict(), f"/tmp/{name}.pth")
    mine = ResNetBackbone(name); load_backbone_weights(mine, f"/tmp/{name}.pth"); mine.eval()
    x = torch.randn(2, 3, 128, 128)
    with torch.no_grad():
        ref = torch.nn.Sequential(*list(tv.children())[:-2])(x)
        fm, pooled = mine(x)
    print(name, "torchvision max abs diff", (ref - fm).abs().max().item())

# 2. CUDA forward/backward, bf16 autocast, checkpointing
dev = torch.device("cuda")
spec = ArchSpec(cascade_widths=[1024, 512, 256, 128, 256, 512, 1024], self_attention=True, heatmap="feed",
                heatmap_size=32, input_size=128, pose_repr="rot6d")
m = build_model(spec).to(dev, memory_format=torch.channels_last)
x = torch.randn(16, 3, 128, 128, device=dev).contiguous(memory_format=torch.channels_last)
for ckpt in (False, True):
    m.set_checkpointing(ckpt, ckpt); m.zero_grad()
    torch.cuda.reset_peak_memory_stats()
    with torch.autocast("cuda", dtype=torch.bfloat16):
        out = m(x)
    loss = sum(s["vertices"].float().abs().mean() + s["joints_2d"].float().abs().mean() for s in out["stages"]) + out["heatmaps"].float().square().mean()
    loss.backward()
    ok = all(torch.isfinite(p.grad).all() for p in m.parameters() if p.grad is not None)
    print("cuda ckpt", ckpt, "loss", loss.item(), "finite grads", ok, "peak MiB", torch.cuda.max_memory_allocated() / 2**20,
          "devices", {t.device.type for s in out["stages"] for t in s.values()})
