"""Validation: the LAST stage's prediction over the whole val set, aggregated with the metrics'
MetricAccumulator (per-joint sums and counts over the whole set, as the official evaluation averages;
see metrics/metrics.py for the protocols)."""

from __future__ import annotations

from typing import Iterable, Optional

import torch

from ..errors import ConfigError
from ..metrics.metrics import MetricAccumulator
from .plugins.metrics import PluginMetrics
from .step.step import autocast_for, to_device
from .loss.targets import ground_truth


@torch.no_grad()
def evaluate(model: torch.nn.Module, batches: Iterable[dict], device: torch.device, spec,
             channels_last: bool = False, accumulator: Optional[MetricAccumulator] = None,
             plugins: bool = True) -> dict[str, float]:
    """Metrics of the set. Pass `accumulator` (e.g. keep_per_sample=True) to read more from it after.
    plugins: also the metric plug-ins of spec (train.metrics, a plug-in objective)."""
    was_training = model.training
    model.eval()
    acc = accumulator if accumulator is not None else MetricAccumulator()
    plugins = PluginMetrics(spec.plugin_metrics()) if plugins and spec.plugin_metrics() else None
    try:
        for cpu_batch in batches:
            batch = to_device(cpu_batch, device, channels_last)
            with autocast_for(device, spec):
                outputs = model(batch["image"])
            gt = ground_truth(model.mano, batch)
            acc.update(outputs["stages"][-1], batch, gt["vertices"], j_regressor=model.mano.J_regressor)
            if plugins is not None:
                plugins.update(outputs, batch, gt)
    finally:
        model.train(was_training)
    return {**{k: float(v) for k, v in acc.compute().items()}, **(plugins.compute() if plugins is not None else {})}


def with_objective(metrics: dict[str, float], objective: str) -> dict[str, float]:
    """`score` becomes the objective named by train.objective (lower is better)."""
    if objective not in metrics:
        raise ConfigError([f"train.objective: '{objective}' is not a metric; expected one of "
                           f"{sorted(metrics)}"])
    return {**metrics, "score": metrics[objective]}


PER_SAMPLE_KEYS = ("score", "mpjpe", "mpvpe", "pa_mpjpe")  # metrics MetricAccumulator.per_sample can split


def sample_scores(acc: MetricAccumulator, objective: str) -> list[float]:
    """The objective per validation sample from a keep_per_sample accumulator ([] when it has none).
    Note: the mean of these is not the official set score (that averages per joint first); they serve
    paired comparisons and the score's standard error over samples."""
    if objective not in PER_SAMPLE_KEYS:
        return []
    return [float(v) for v in acc.per_sample(objective)]


def sample_ids(dataset) -> Optional[list[int]]:
    """The val set's official sample ids (InterHand2.6M), or None for sets without them (synthetic)."""
    ids = getattr(dataset, "sample_ids", None)
    return [int(i) for i in ids] if ids is not None else None
