"""Metric plug-ins at evaluation: fn(outputs, batch, gt) -> the batch's mean (a scalar) or one value per
sample (B,); averaged over the whole val set by sample count, reported under the plug-in's name."""

from __future__ import annotations

from typing import Dict, List

import torch

from ...errors import ConfigError
from ...plugins.kinds import METRICS
from ...plugins.registry import PluginError


def metric_functions(names: List[str]) -> Dict[str, object]:
    try:
        return {name: METRICS.get(name) for name in names}
    except PluginError as err:
        raise ConfigError([str(err)]) from None


class PluginMetrics:
    def __init__(self, names: List[str]):
        self.functions = metric_functions(names)
        self.sums = {name: 0.0 for name in names}
        self.counts = {name: 0 for name in names}

    def update(self, outputs: dict, batch: dict, gt: dict) -> None:
        b = batch["image"].shape[0]
        for name, fn in self.functions.items():
            value = torch.as_tensor(fn(outputs, batch, gt)).detach().double()
            if value.dim() == 0:
                self.sums[name] += float(value) * b
                self.counts[name] += b
            else:
                self.sums[name] += float(value.sum())
                self.counts[name] += value.numel()

    def compute(self) -> Dict[str, float]:
        return {name: self.sums[name] / self.counts[name] if self.counts[name] else float("nan") for name in self.sums}
