"""The blind baseline: what a network scores if it learns nothing from the image.

The blind (chance-level) predictor ignores its input and outputs the TRAINING set's mean root-relative
hands: each hand's mean root-relative joints_3d (2,21,3), each hand's mean root-relative MANO mesh
(2,778,3; the ground-truth mesh is MANO on the GT pose and shape, train/loss/targets.py) and the mean
left-minus-right root offset root_rel (3,). Means are over valid entries only: a joint where it,
its hand and its hand's root are valid; a mesh where its hand is valid and has a MANO fit; root_rel
where both roots are valid. Training samples are read unaugmented (augmentation is drawn per step).

It is scored on the run's own VALIDATION set by train/evaluate.py's `evaluate`, the code that scores a
trained model, with per-sample errors kept, so a model can be compared with it paired over the same
samples. A network whose score is not below the blind one has learned nothing a mean hand does not
know; one whose PA-MPJPE is not below the blind PA-MPJPE has not learned articulation, only where
the hands point. The result is cached on disk per data configuration (blind_cache.py), so a study
of many trials on one data set computes it once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Optional

import numpy as np
import torch
from torch import nn

from ...hands.joints import ROOT
from ..evaluate import PER_SAMPLE_KEYS, evaluate, sample_scores
from ...metrics.metrics import MetricAccumulator
from ..loss.targets import ground_truth

LABEL_KEYS = ("joints_3d", "joint_valid", "hand_valid", "mano_valid", "mano_pose", "mano_shape")
BATCH = 64  # samples per MANO call and per evaluation batch (any size gives the same sums)


class MeanHandPredictor(nn.Module):
    """Returns the same last-stage dict for every image: the mean hands (root-relative mm), in the
    keys the metrics read (joints_3d, vertices, root_rel); `mano` is the layer the GT meshes come from."""

    def __init__(self, mano: nn.Module, joints: torch.Tensor, vertices: torch.Tensor, root_rel: torch.Tensor):
        super().__init__()
        self.mano = mano
        self.register_buffer("joints", joints.float())  # (2, 21, 3)
        self.register_buffer("vertices", vertices.float())  # (2, 778, 3)
        self.register_buffer("root_rel", root_rel.float())  # (3,)

    def forward(self, images: torch.Tensor) -> dict:
        b = images.shape[0]
        stage = {"joints_3d": self.joints.expand(b, *self.joints.shape),
                 "vertices": self.vertices.expand(b, *self.vertices.shape),
                 "root_rel": self.root_rel.expand(b, 3)}
        return {"stages": [stage], "heatmaps": None}


@dataclass
class BlindBaseline:
    """The blind predictor's validation metrics (evaluate()'s keys, official averaging) and its
    per-sample errors (PER_SAMPLE_KEYS, in the val set's order, NaN where a sample counts nothing)."""

    metrics: dict
    per_sample: dict = field(default_factory=dict)
    n_train: int = 0  # training samples the means are over
    n_val: int = 0
    key: str = ""  # the data configuration's cache key (blind_cache.blind_key)

    def for_record(self, objective: str) -> dict:
        """What a trial records (study/record.py `blind`): metrics with `score` = the objective, as its
        own final_metrics have it, and the objective's and PA-MPJPE's per-sample errors."""
        metrics = dict(self.metrics)
        if objective in metrics:
            metrics["score"] = metrics[objective]
        return {"key": self.key, "metrics": metrics, "val_scores": list(self.per_sample.get(objective, [])),
                "val_pa_scores": list(self.per_sample.get("pa_mpjpe", [])),
                "n_train": self.n_train, "n_val": self.n_val}


def label_batches(ds, batch_size: int = BATCH) -> Iterator[dict]:
    """The dataset's 3D labels (LABEL_KEYS) as torch batches, unaugmented and without decoding images
    where the source can (InterHand2.6M `labels`); else its raw sample, else the sample itself."""
    read = getattr(ds, "labels", None) or getattr(ds, "raw_sample", None) or (lambda i: ds[i])
    for start in range(0, len(ds), batch_size):
        samples = [read(i) for i in range(start, min(start + batch_size, len(ds)))]
        yield {k: torch.as_tensor(np.stack([np.asarray(s[k], np.float32) for s in samples])) for k in LABEL_KEYS}


@torch.no_grad()
def training_means(train_ds, mano: nn.Module) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(joints (2,21,3), vertices (2,778,3), root_rel (3,)): the masked means of the module doc, in
    float64 sums. An entry valid in no training sample is 0 (the origin: its own root)."""
    sum_j = cnt_j = sum_v = cnt_v = sum_r = cnt_r = 0.0
    for batch in label_batches(train_ds):
        joints = batch["joints_3d"].double()
        rel = joints - joints[:, :, ROOT:ROOT + 1]
        jv = batch["joint_valid"].double() * batch["hand_valid"].double()[..., None]
        jv = jv * jv[..., ROOT:ROOT + 1]  # an invalid root invalidates the whole hand
        sum_j = sum_j + (rel * jv[..., None]).sum(0)
        cnt_j = cnt_j + jv.sum(0)
        verts = ground_truth(mano, batch)["vertices"].double()
        mv = batch["mano_valid"].double() * batch["hand_valid"].double()
        sum_v = sum_v + (verts * mv[..., None, None]).sum(0)
        cnt_v = cnt_v + mv.sum(0)
        both = jv[:, 0, ROOT] * jv[:, 1, ROOT]
        sum_r = sum_r + ((joints[:, 1, ROOT] - joints[:, 0, ROOT]) * both[:, None]).sum(0)
        cnt_r = cnt_r + both.sum()
    return (_mean(sum_j, cnt_j[..., None]), _mean(sum_v, cnt_v[..., None, None]),
            _mean(sum_r, torch.as_tensor(cnt_r, dtype=torch.float64)))


def _mean(total, count) -> torch.Tensor:
    total = torch.as_tensor(total, dtype=torch.float64)
    return torch.where(count > 0, total / torch.clamp(count, min=1), torch.zeros_like(total)).float()


def compute_blind(train_ds, val_ds, mano: nn.Module, train_spec, key: str = "") -> BlindBaseline:
    """The blind baseline of a (train, val) pair, on the CPU (`mano` a CPU TwoHandMANO), with the trainer's
    own evaluate()."""
    from ..batches import val_batches

    if len(train_ds) == 0:
        raise ValueError("the blind baseline needs at least one training sample")
    model = MeanHandPredictor(mano, *training_means(train_ds, mano))
    acc = MetricAccumulator(keep_per_sample=True)
    metrics = evaluate(model, val_batches(val_ds, BATCH), torch.device("cpu"), train_spec, accumulator=acc,
                       plugins=False)  # the built-in metrics only: metric plug-ins may read what the mean hand lacks
    per_sample = {k: sample_scores(acc, k) for k in PER_SAMPLE_KEYS}
    return BlindBaseline(metrics=metrics, per_sample=per_sample, n_train=len(train_ds), n_val=len(val_ds), key=key)


def blind_baseline(config, train_ds=None, val_ds=None, mano: Optional[nn.Module] = None) -> BlindBaseline:
    """The blind baseline of config's data (its DataSpec and ManoSpec), from the disk cache when this data
    configuration was scored before, else computed and cached. Pass the datasets a caller already built
    (the trainer's) to skip building them again."""
    from ...data.build import build_datasets
    from ...hands.layer import TwoHandMANO
    from .blind_cache import blind_key, load_blind, save_blind

    mano = mano if mano is not None else TwoHandMANO(config.mano)
    key = blind_key(config.data, mano)
    cached = load_blind(key)
    if cached is not None:
        return cached
    if train_ds is None or val_ds is None:
        train_ds, val_ds = build_datasets(config.data, config.mano)
    baseline = compute_blind(train_ds, val_ds, mano, config.train, key)
    save_blind(baseline)
    return baseline
