"""MAHMLoss, heatmap targets, stage weights and loss balancing (no network: hand-made tensors)."""

import torch

from mahm_search.train.loss.balance import balanced_weights
from mahm_search.train.loss.heatmap_targets import gaussian_heatmaps
from mahm_search.train.loss.losses import INTEGRAL_CE_WEIGHT, TERMS, MAHMLoss
from mahm_search.train.spec import LossSpec

B, S = 4, 64


def make_batch(seed=0):
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g)  # noqa: E731
    joint_valid = torch.ones(B, 2, 21)
    joint_valid[0, 0, 3] = 0  # one invalid joint
    hand_valid = torch.ones(B, 2)
    hand_valid[1, 1] = 0  # one invalid hand
    mano_valid = torch.ones(B, 2)
    mano_valid[2, 0] = 0  # one hand without MANO fit
    return {"image": r(B, 3, S, S), "joints_3d": r(B, 2, 21, 3) * 50, "joints_2d": torch.rand(B, 2, 21, 2, generator=g) * S,
            "mano_pose": r(B, 2, 48) * 0.3, "mano_shape": r(B, 2, 10), "root_rel": r(B, 3) * 100,
            "hand_valid": hand_valid, "joint_valid": joint_valid, "mano_valid": mano_valid, "K": torch.eye(3).expand(B, 3, 3)}


def make_outputs(seed=1, n_stages=3, heatmaps=True):
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g)  # noqa: E731
    stages = [{"pose": r(B, 2, 48) * 0.3, "shape": r(B, 2, 10), "cam": r(B, 2, 3), "root_rel": r(B, 3) * 100,
               "vertices": r(B, 2, 778, 3) * 50, "joints_3d": r(B, 2, 21, 3) * 50,
               "joints_2d": torch.rand(B, 2, 21, 2, generator=g) * S} for _ in range(n_stages)]
    return {"stages": stages, "heatmaps": torch.rand(B, 42, 16, 16, generator=g) if heatmaps else None}


def gt_for(seed=2):
    return {"vertices": torch.randn(B, 2, 778, 3, generator=torch.Generator().manual_seed(seed)) * 50}


def test_every_term_is_present_and_finite():
    total, terms = MAHMLoss(LossSpec(weights={"joints_pa": 1.0}))(make_outputs(), make_batch(), gt_for())
    assert set(terms) == set(TERMS)
    assert torch.isfinite(total) and all(torch.isfinite(v) and v > 0 for v in terms.values())


def test_invalid_joints_hands_and_mano_do_not_change_the_loss():
    batch, out, gt = make_batch(), make_outputs(), gt_for()
    loss = MAHMLoss()
    before, _ = loss(out, batch, gt)
    for st in out["stages"]:
        st["joints_3d"][0, 0, 3] += 1e4  # invalid joint
        st["joints_2d"][0, 0, 3] += 1e4
        st["joints_3d"][1, 1] += 1e4  # invalid hand
        st["vertices"][1, 1] += 1e4
        st["pose"][1, 1] += 3
        st["root_rel"][1] += 1e4  # needs both hands
        st["vertices"][2, 0] += 1e4  # no MANO fit
        st["pose"][2, 0] += 3
        st["shape"][2, 0] += 10
    out["heatmaps"][1, 21:] += 5  # hand 1 of sample 1 is invalid
    out["heatmaps"][0, 3] += 5  # joint 3 of hand 0, sample 0
    after, _ = loss(out, batch, gt)
    torch.testing.assert_close(after, before)
    out["stages"][-1]["joints_3d"][0, 0, 4] += 10.0  # a valid joint does count
    assert loss(out, batch, gt)[0] > before


def test_micro_batch_terms_add_up_to_the_full_batch():
    batch, out, gt = make_batch(), make_outputs(), gt_for()
    loss = MAHMLoss()
    full, _ = loss(out, batch, gt)
    den = loss.denominators(batch)
    half = lambda tree, sl: {k: (v[sl] if torch.is_tensor(v) else [half(s, sl) for s in v] if isinstance(v, list) else v)  # noqa: E731
                             for k, v in tree.items()}
    parts = [loss(half(out, sl), half(batch, sl), half(gt, sl), den)[0] for sl in (slice(0, 1), slice(1, B))]
    torch.testing.assert_close(parts[0] + parts[1], full)


def masked_mean(err, mask):
    """Mean of err over the elements of valid units (mask: err's leading dims, broadcast over the rest)."""
    m = mask.reshape(mask.shape + (1,) * (err.dim() - mask.dim()))
    return (err * m).sum() / (mask.sum() * (err.numel() // mask.numel()))


def reference_terms(out, batch, gt, spec):
    """The module docstring's terms written out plainly, one stage at a time (float64)."""
    from smplx.lbs import batch_rodrigues

    d = lambda x: x.double()  # noqa: E731
    size = batch["image"].shape[-1]
    hand = d(batch["hand_valid"])
    joint = d(batch["joint_valid"]) * hand[..., None]
    mano = d(batch["mano_valid"]) * hand
    both = hand[:, 0] * hand[:, 1]
    gt_j3d = d(batch["joints_3d"] - batch["joints_3d"][:, :, 20:21])
    gt_rot = batch_rodrigues(d(batch["mano_pose"]).reshape(-1, 3)).view(B, 2, 16, 9)
    stage_w = MAHMLoss(spec).stage_weights(len(out["stages"]))
    terms = dict.fromkeys(("joints_3d", "joints_2d", "pose", "shape", "root_rel", "vertices"), 0.0)
    for w, st in zip(stage_w, out["stages"]):
        rot = batch_rodrigues(d(st["pose"]).reshape(-1, 3)).view(B, 2, 16, 9)
        terms["joints_3d"] += w * masked_mean((d(st["joints_3d"]) - gt_j3d).abs() * 0.1, joint)
        terms["joints_2d"] += w * masked_mean((d(st["joints_2d"]) - d(batch["joints_2d"])).abs() * (2.0 / size), joint)
        terms["pose"] += w * masked_mean((rot - gt_rot) ** 2, mano)
        terms["shape"] += w * masked_mean((d(st["shape"]) - d(batch["mano_shape"])) ** 2, mano)
        terms["root_rel"] += w * masked_mean((d(st["root_rel"]) - d(batch["root_rel"])).abs() * 0.1, both)
        terms["vertices"] += w * masked_mean((d(st["vertices"]) - d(gt["vertices"])).abs() * 0.1, mano)
    return terms


def test_terms_equal_the_plain_per_stage_formulas():
    """The stacked, reduce-then-mask evaluation is the documented loss (float rounding aside)."""
    batch, out, gt = make_batch(), make_outputs(), gt_for()
    spec = LossSpec(stage_decay=0.7)
    _, terms = MAHMLoss(spec)(out, batch, gt)
    for t, ref in reference_terms(out, batch, gt, spec).items():
        torch.testing.assert_close(terms[t].double(), ref, rtol=1e-5, atol=0, msg=t)


def test_stage_decay_weights_late_stages_more_and_sum_to_one():
    w = MAHMLoss(LossSpec(stage_decay=0.5)).stage_weights(3)
    assert abs(sum(w) - 1) < 1e-9 and w[0] < w[1] < w[2]
    assert MAHMLoss().stage_weights(4) == [0.25] * 4


def test_zero_weight_removes_a_term():
    batch, out, gt = make_batch(), make_outputs(), gt_for()
    loss = MAHMLoss(LossSpec(weights={"vertices": 0.0}))
    total, terms = loss(out, batch, gt)
    torch.testing.assert_close(total, sum(v for t, v in terms.items() if t != "vertices"))


def test_gaussian_heatmap_peaks_at_the_joint():
    joints = torch.zeros(1, 2, 21, 2)
    joints[0, 0, 5] = torch.tensor([40.0, 8.0])  # x, y in a 64-px crop -> (10, 2) in a 16-px map
    hm = gaussian_heatmaps(joints, 64, (16, 16))
    assert hm.shape == (1, 42, 16, 16)
    y, x = divmod(int(hm[0, 5].argmax()), 16)
    assert (x, y) in {(9, 1), (10, 2), (9, 2), (10, 1)} and hm[0, 5].max() > 0.5


def test_balanced_weights_bring_terms_to_their_priorities():
    magnitudes = {"joints_3d": 40.0, "joints_2d": 0.3, "pose": 0.05, "shape": 1.2, "root_rel": 8.0,
                  "vertices": 35.0}
    priorities = LossSpec().weights.model_dump() | {"pose": 3.0}
    w = balanced_weights(magnitudes, priorities)
    weighted = {t: w[t] * m for t, m in magnitudes.items()}
    assert max(weighted.values()) / min(weighted.values()) <= 10
    assert abs(weighted["pose"] - 3.0) < 1e-9 and w["heatmap"] == priorities["heatmap"]  # unmeasured: kept


def integral_outputs(batch, offset=0.0, seed=3):
    """Integral-head outputs: (u, v) at the batch's joints (+ offset), z at the true depth, sharp logits there."""
    from mahm_search.hands.joints import ROOT
    from mahm_search.model.heads.joint_head import DEPTH_UNIT_MM

    out = make_outputs(seed, heatmaps=False)
    uv = batch["joints_2d"] / S * 2 - 1 + offset
    j = batch["joints_3d"]
    z = (j[..., 2] - j[:, :, ROOT:ROOT + 1, 2]) / DEPTH_UNIT_MM
    out["joints_25d"] = torch.cat((uv, z[..., None], torch.ones_like(z)[..., None]), -1)
    maps = gaussian_heatmaps(batch["joints_2d"] + offset * S / 2, S, (16, 16), sigma=1.0)
    out["joint_logits"] = maps.clamp_min(1e-30).log()  # its softmax is the normalised target itself
    return out


def test_integral_term_falls_to_its_floor_at_the_truth_and_ignores_invalid_joints():
    batch, gt, loss = make_batch(), gt_for(), MAHMLoss()
    right = loss.terms(integral_outputs(batch), batch, gt)["heatmap"]
    wrong = loss.terms(integral_outputs(batch, offset=0.2), batch, gt)["heatmap"]
    target = gaussian_heatmaps(batch["joints_2d"], S, (16, 16), sigma=1.0).flatten(2)
    target = target / target.sum(-1, keepdim=True)
    entropy = -(target * target.clamp_min(1e-30).log()).sum(-1)  # (B,42): CE's floor
    mask = (batch["joint_valid"] * batch["hand_valid"][:, :, None]).flatten(1)
    torch.testing.assert_close(right, INTEGRAL_CE_WEIGHT * (entropy * mask).sum() / mask.sum(), atol=1e-4, rtol=0)
    assert wrong > right + 0.4  # (u, v) off by 0.2 each: +0.4 of L1 alone
    out = integral_outputs(batch)
    out["joints_25d"][0, 0, 3] += 5  # joint 3 of hand 0, sample 0: invalid
    out["joints_25d"][1, 1] += 5  # hand 1 of sample 1: invalid
    out["joint_logits"][1, 21:] *= -1
    torch.testing.assert_close(loss.terms(out, batch, gt)["heatmap"], right)
    den = MAHMLoss.denominators(batch)
    full = integral_outputs(batch)
    half = lambda d, i: {k: (half(v, i) if isinstance(v, dict) else [half(x, i) for x in v] if isinstance(v, list)  # noqa: E731
                             else None if v is None else v[i:i + 2]) for k, v in d.items()}
    parts = sum(loss.terms(half(full, i), half(batch, i), half(gt, i), den)["heatmap"] for i in (0, 2))
    torch.testing.assert_close(parts, right)


def test_aligned_joint_term_ignores_global_pose_and_scale_but_not_articulation():
    """joints_pa is PA-MPJPE as a loss: a rotated, scaled, shifted copy of the truth costs nothing, a bent
    finger does; a hand without enough valid joints adds nothing and leaves finite gradients."""
    import math

    from mahm_search.hands.joints import ROOT

    batch, gt = make_batch(), gt_for()
    loss = MAHMLoss(LossSpec(weights={"joints_pa": 1.0}))
    truth = batch["joints_3d"] - batch["joints_3d"][:, :, ROOT:ROOT + 1]
    c, s_ = math.cos(0.7), math.sin(0.7)
    rot = torch.tensor([[c, -s_, 0.0], [s_, c, 0.0], [0.0, 0.0, 1.0]])
    out = make_outputs(n_stages=2, heatmaps=False)
    for st in out["stages"]:
        st["joints_3d"] = (1.3 * truth @ rot.T + 5.0).requires_grad_()
    assert loss.terms(out, batch, gt)["joints_pa"] < 1e-4
    bent = out["stages"][1]["joints_3d"].detach().clone()
    bent[:, :, 3] += 15.0  # one joint of every hand moves 15 mm
    out["stages"][1]["joints_3d"] = bent.requires_grad_()
    assert loss.terms(out, batch, gt)["joints_pa"] > 0.05
    batch["joint_valid"][3, 0, 2:] = 0  # two valid joints left: aligned on the template, masked out
    out["stages"][0]["joints_3d"].grad = None
    loss.terms(out, batch, gt)["joints_pa"].backward()
    assert torch.isfinite(out["stages"][0]["joints_3d"].grad).all()
    assert out["stages"][0]["joints_3d"].grad[3, 0].abs().max() == 0


def test_joints_pa_is_off_and_not_computed_by_default():
    assert "joints_pa" not in MAHMLoss().terms(make_outputs(), make_batch(), gt_for())
