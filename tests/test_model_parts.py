"""The model's building blocks: rotations, camera, U-net pairs, backbone layout, attention, heatmaps."""

from __future__ import annotations

import math

import pytest
import torch

from mahm_search.errors import ConfigError, DataError
from mahm_search.model.attention import CrossHandAttention, InteractingHandsAttention
from mahm_search.model.backbone import ResNetBackbone, load_backbone_weights
from mahm_search.model.camera import JOINT_SCALE_MM, project_weak_perspective
from mahm_search.model.heads.heatmap import heatmap_joint_features
from mahm_search.model.rotations import (axis_angle_to_matrix, axis_angle_to_rot6d, matrix_to_axis_angle,
                                         rot6d_to_axis_angle, rot6d_to_matrix)
from mahm_search.model.unet import unet_skip_sources


def test_rotation_round_trips_are_exact_and_finite_at_the_edges():
    g = torch.Generator().manual_seed(0)
    axis = torch.nn.functional.normalize(torch.randn(500, 3, generator=g), dim=-1)
    aa = axis * torch.rand(500, 1, generator=g) * (math.pi - 1e-3)
    assert torch.allclose(matrix_to_axis_angle(axis_angle_to_matrix(aa)), aa, atol=1e-4)
    assert torch.allclose(rot6d_to_axis_angle(axis_angle_to_rot6d(aa)), aa, atol=1e-4)
    zero = torch.zeros(4, 3, requires_grad=True)
    out = rot6d_to_axis_angle(axis_angle_to_rot6d(zero))
    out.sum().backward()
    assert torch.all(torch.isfinite(zero.grad)) and out.abs().max() < 1e-6


def test_rot6d_of_any_vector_is_a_rotation():
    m = rot6d_to_matrix(torch.randn(100, 6))
    eye = torch.eye(3).expand(100, 3, 3)
    assert torch.allclose(m @ m.transpose(-1, -2), eye, atol=1e-5)
    assert torch.allclose(torch.linalg.det(m), torch.ones(100), atol=1e-5)


def test_weak_perspective_convention():
    pts = torch.zeros(1, 2, 21, 3)
    pts[0, 0, 0] = torch.tensor([JOINT_SCALE_MM, -JOINT_SCALE_MM, 50.0])
    cam = torch.tensor([[[0.5, 0.0, 0.0], [1.0, -0.5, 0.5]]])
    px = project_weak_perspective(pts, cam, 128)
    assert px[0, 0, 0].tolist() == [96.0, 32.0]  # uv_norm (0.5, -0.5) -> pixels
    assert px[0, 1, 5].tolist() == [32.0, 96.0]  # the root lands at t


def test_unet_pairs_mirror_around_the_narrowest_stage():
    assert unet_skip_sources([1024, 512, 256, 128, 256, 512, 1024]) == {4: 2, 5: 1, 6: 0}
    assert unet_skip_sources([512, 256, 512]) == {2: 0}
    assert unet_skip_sources([512, 256, 384]) == {}  # unequal widths: no skip
    assert unet_skip_sources([256]) == {}


@pytest.mark.parametrize("name,params", [("resnet18", 11_176_512), ("resnet50", 23_508_032)])
def test_backbone_matches_torchvision_layout(name, params):
    net = ResNetBackbone(name)
    assert sum(p.numel() for p in net.parameters()) == params  # torchvision's count without fc
    keys = set(net.state_dict())
    assert {"conv1.weight", "bn1.num_batches_tracked", "layer2.0.downsample.0.weight",
            "layer4.1.bn2.running_var"} <= keys


def test_backbone_outputs_and_channels_last():
    net = ResNetBackbone("resnet18", width_mult=0.125)
    x = torch.randn(2, 3, 64, 64).contiguous(memory_format=torch.channels_last)
    fmap, pooled = net(x)
    assert fmap.shape == (2, net.out_channels, 2, 2) and pooled.shape == (2, net.out_channels)


def test_backbone_weights_load_and_fail_clearly(tmp_path):
    src = ResNetBackbone("resnet18")
    state = dict(src.state_dict(), **{"fc.weight": torch.zeros(1000, 512), "fc.bias": torch.zeros(1000)})
    good = tmp_path / "resnet18.pth"
    torch.save(state, good)
    dst = ResNetBackbone("resnet18")
    load_backbone_weights(dst, good)
    assert torch.equal(dst.conv1.weight, src.conv1.weight)

    with pytest.raises(ConfigError, match=r"arch.backbone_weights.*width_mult 0.5"):
        load_backbone_weights(ResNetBackbone("resnet18", width_mult=0.5), good)
    with pytest.raises(DataError, match="does not exist"):
        load_backbone_weights(dst, tmp_path / "missing.pth")
    junk = tmp_path / "junk.pth"
    junk.write_text("not a checkpoint")
    with pytest.raises(DataError, match="arch.backbone_weights"):
        load_backbone_weights(dst, junk)


def test_backbone_weights_imagenet_reads_the_file_its_variable_names(tmp_path, monkeypatch):
    from mahm_search.model.backbone import backbone_weights_problem

    src = ResNetBackbone("resnet18")
    torch.save(src.state_dict(), tmp_path / "r18.pth")
    monkeypatch.delenv("MAHM_IMAGENET_RESNET18", raising=False)
    with pytest.raises(ConfigError, match=r"\$MAHM_IMAGENET_RESNET18 is not set \(nothing is downloaded\)"):
        load_backbone_weights(ResNetBackbone("resnet18"), "imagenet")
    assert "MAHM_IMAGENET_RESNET18 is not set" in backbone_weights_problem("resnet18", 1, "imagenet")
    monkeypatch.setenv("MAHM_IMAGENET_RESNET18", str(tmp_path / "r18.pth"))
    dst = ResNetBackbone("resnet18")
    load_backbone_weights(dst, "imagenet")
    assert torch.equal(dst.conv1.weight, src.conv1.weight)
    assert backbone_weights_problem("resnet18", 1, "imagenet") is None


def test_backbone_weights_at_another_width_are_refused_at_validation():
    from mahm_search.errors import parse_model
    from mahm_search.model.spec import ArchSpec

    with pytest.raises(ConfigError) as err:
        parse_model(ArchSpec, {"width_mult": 0.25, "backbone_weights": "imagenet"}, "study.yaml", prefix="arch")
    line = err.value.problems[0]
    assert line.startswith("study.yaml: arch") and "width_mult 1 only (this config: 0.25)" in line


def test_cross_hand_attention_reads_the_other_hand():
    torch.manual_seed(0)
    cha = CrossHandAttention(dim=16, heads=4).eval()
    tokens = torch.randn(1, 2, 21, 16, requires_grad=True)
    out = cha(tokens)
    (grad,) = torch.autograd.grad(out[0, 0].sum(), tokens)
    assert grad[0, 1].abs().sum() > 0  # the right hand's output reads the left hand's tokens
    # Attention is shared by the hands, the feed-forward is not: swapping the hands changes the result.
    assert not torch.allclose(cha(tokens.flip(1)).flip(1), out)


def test_self_attention_saves_tokens_squared_times_heads():
    att = InteractingHandsAttention(width=64, heads=4, self_attention=True, cross_attention=False)
    shapes = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: shapes.append(tuple(t.shape)) or t, lambda t: t):
        att(torch.randn(3, 2, 64), torch.randn(3, 2, 21, 3))
    assert (6, 4, 21, 21) in shapes  # (B*2 hands, heads, J, J) attention weights kept for backward


def test_soft_argmax_finds_a_gaussian_peak():
    h = w = 16
    ys, xs = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing="ij")
    maps = torch.zeros(1, 42, h, w)
    maps[0, 5] = torch.exp(-((xs - 12.0) ** 2 + (ys - 4.0) ** 2) / 2.0)
    feats = heatmap_joint_features(maps).view(1, 2, 21, 3)
    u, v, conf = feats[0, 0, 5]
    assert abs(u - (12.0 / w * 2 - 1)) < 0.02 and abs(v - (4.0 / h * 2 - 1)) < 0.02
    assert conf > 0.7 and feats[0, 1, :, 2].max() == 0
