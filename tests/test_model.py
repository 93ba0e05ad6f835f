"""MAHMNet end to end on tiny inputs: output contract, mean start, deep supervision, seed's best."""

from __future__ import annotations

import pytest
import torch

from mahm_search.model.builder import build_model
from mahm_search.model.camera import MEAN_CAM
from mahm_search.model.complexity import count_parameters, flops_per_sample
from mahm_search.model.spec import ArchSpec

SIZE = 64
TINY = dict(width_mult=0.125, input_size=SIZE, split_dim=32)
SEED_BEST = [1024, 512, 256, 128, 256, 512, 1024]


def tiny(**kw) -> ArchSpec:
    return ArchSpec(**{**TINY, "cascade_widths": [64, 32, 64], **kw})


def images(b: int = 2) -> torch.Tensor:
    return torch.randn(b, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0))


def check_contract(out: dict, spec: ArchSpec, b: int) -> None:
    assert len(out["stages"]) == 1 + len(spec.cascade_widths)
    expected = {"pose": (b, 2, 48), "shape": (b, 2, 10), "cam": (b, 2, 3), "root_rel": (b, 3),
                "vertices": (b, 2, 778, 3), "joints_3d": (b, 2, 21, 3), "joints_2d": (b, 2, 21, 2)}
    for stage in out["stages"]:
        assert {k: tuple(v.shape) for k, v in stage.items()} == expected
        assert all(torch.isfinite(v).all() for v in stage.values())
        assert stage["joints_3d"][:, :, 20].abs().max() == 0  # root-relative: own wrist at the origin
    if spec.heatmap in ("none", "integral"):
        assert out["heatmaps"] is None
    else:
        assert out["heatmaps"].shape == (b, 42, spec.heatmap_size, spec.heatmap_size)
    if spec.heatmap == "integral":
        assert out["joints_25d"].shape == (b, 2, 21, 4)
        assert out["joint_logits"].shape == (b, 42, spec.heatmap_size, spec.heatmap_size)
        assert out["joints_25d"][..., :2].abs().max() < 1  # an expectation over pixel centres
    else:
        assert out["joints_25d"] is None


@pytest.mark.parametrize("kw", [
    {},
    {"heatmap": "aux"},
    {"heatmap": "feed", "heatmap_size": 16, "pose_repr": "rot6d", "self_attention": [True, False, True]},
    {"unet_skips": False, "cross_attention": False, "backbone": "resnet50"},
    {"pose_repr": "rot6d", "ief_iters": 1, "attention_heads": 2, "self_attention": True},
    {"heatmap": "integral", "backbone": "resnet50"},
], ids=["default", "aux", "feed-6d-selfattn-list", "integral-r50", "no-unet-no-cha-r50", "6d-selfattn"])
def test_output_contract(kw):
    spec = tiny(**kw)
    model = build_model(spec)
    check_contract(model(images()), spec, 2)


def test_untrained_prediction_is_the_mean_hand_and_camera():
    model = build_model(tiny(pose_repr="rot6d")).eval()
    first = model(images())["stages"][0]
    assert first["pose"].abs().max() < 0.05  # MANO adds hands_mean itself (flat_hand_mean False)
    assert first["shape"].abs().max() < 0.05
    assert torch.allclose(first["cam"], torch.tensor(MEAN_CAM).expand(2, 2, 3), atol=0.05)
    # Joints project around the crop centre (t ~ 0) and stay inside the crop.
    assert first["joints_2d"].min() > 0 and first["joints_2d"].max() < SIZE


def test_deep_supervision_reaches_every_stage():
    model = build_model(tiny(heatmap="feed", heatmap_size=16))
    out = model(images())
    loss = sum(s["joints_3d"].abs().mean() + s["joints_2d"].abs().mean() + s["root_rel"].abs().mean()
               for s in out["stages"]) + out["heatmaps"].square().mean()
    loss.backward()
    parts = {"backbone": model.backbone, "initial": model.initial, "heatmap": model.heatmap_head,
             **{f"stage{k}": s for k, s in enumerate(model.stages)}}
    for name, part in parts.items():
        grads = [p.grad for p in part.parameters()]
        assert all(g is not None for g in grads), name
        assert sum(g.abs().sum() for g in grads) > 0, name
    for k, stage in enumerate(model.stages):  # the attention itself learns in every stage
        assert stage.attention.cross_attn.attn.q.weight.grad.abs().sum() > 0, k


def test_each_stage_refines_its_input():
    model = build_model(tiny(unet_skips=False))
    with torch.no_grad():
        for stage in model.stages:
            stage.hmr.delta.weight.mul_(100)  # make updates large enough to see
        stages = model(images())["stages"]
    for prev, cur in zip(stages, stages[1:]):
        assert not torch.allclose(prev["pose"], cur["pose"])


@pytest.mark.parametrize("self_attention", [False, True])
def test_seed_best_model_builds_and_runs(self_attention):
    spec = ArchSpec(**TINY, cascade_widths=SEED_BEST, self_attention=self_attention)
    model = build_model(spec)
    assert model.skip_sources == {4: 2, 5: 1, 6: 0}
    x = images(1).contiguous(memory_format=torch.channels_last)
    check_contract(model(x), spec, 1)


def test_size_figures():
    plain, with_sa = build_model(tiny()), build_model(tiny(self_attention=True))
    assert count_parameters(with_sa) > count_parameters(plain) > 0
    assert flops_per_sample(with_sa, SIZE) > flops_per_sample(plain, SIZE) > 0
    assert plain.training  # the FLOP count leaves the mode as it was


def test_integral_joints_feed_every_stage_and_the_head_learns():
    """The 2.5D joints enter each stage: moving them moves every stage's output, and the head gets grads."""
    model = build_model(tiny(heatmap="integral")).eval()
    out = model(images())
    for k, stage in enumerate(model.stages):
        joints = out["joints_25d"].flatten(-2)
        args = (torch.zeros(2, model.backbone.out_channels), out["stages"][k]["joints_3d"] * 0,
                out["stages"][k]["joints_3d"], torch.zeros(2, 3))
        state = model.mean_hand_state.expand(2, 2, -1)
        a = stage(args[0], state, args[2].flatten(-2) / 100, args[3], joints)[0]
        b = stage(args[0], state, args[2].flatten(-2) / 100, args[3], joints + 0.5)[0]
        assert not torch.allclose(a, b), k
    model.train()
    out = model(images())
    (out["joints_25d"][..., :3].sum() + out["stages"][-1]["joints_3d"].sum()).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.joint_head.parameters())


def test_pca_pose_is_the_finger_mean_plus_coefficients_times_components():
    from mahm_search.model.params import HandParamLayout

    layout = HandParamLayout("pca", 12)
    assert layout.pose_dim == 15 and layout.state_dim == 15 + 10 + 3
    components = torch.linalg.qr(torch.randn(2, 45, 45, dtype=torch.float64))[0].transpose(1, 2)[:, :12]
    finger_mean = torch.randn(2, 45, dtype=torch.float64)
    pose = torch.randn(4, 2, 15, dtype=torch.float64)
    aa = layout.pose_axis_angle(pose, finger_mean, components)
    assert torch.equal(aa[..., :3], pose[..., :3])
    for h in range(2):
        torch.testing.assert_close(aa[:, h, 3:], finger_mean[h] + pose[:, h, 3:] @ components[h])
    zero = layout.pose_axis_angle(layout.mean_state(finger_mean)[None, :, :15], finger_mean, components)
    torch.testing.assert_close(zero[0, :, 3:], finger_mean)


def test_pca_network_starts_at_the_mean_hand_and_regresses_k_coefficients():
    model = build_model(tiny(pose_repr="pca", pca_components=6)).eval()
    assert model.layout.pose_dim == 9
    out = model(images())
    check_contract(out, tiny(pose_repr="pca", pca_components=6), 2)
    first = out["stages"][0]
    assert first["pose"][..., 3:].abs().max() < 0.05  # zero coefficients around the (zero) finger mean
    # Every finger pose it can output lies in the span of the first 6 components.
    comps = model.mano.hands_components[:, :6]
    fingers = out["stages"][-1]["pose"][..., 3:] - model.finger_mean
    for h in range(2):
        inside = fingers[:, h] @ comps[h].T @ comps[h]
        torch.testing.assert_close(inside, fingers[:, h], atol=1e-5, rtol=0)
