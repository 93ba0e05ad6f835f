"""What one Tune trial asks Ray for: one GPU per trial when the cluster has GPUs (or the GPU share
the searcher computed under pack_gpu), else the study's `ray.cpus_per_trial`."""

from __future__ import annotations

from typing import Callable, Optional

from .suggestion import suggestion_info


def has_gpus(cluster_resources: dict) -> bool:
    return float(cluster_resources.get("GPU", 0) or 0) > 0


def resources_function(spec, cluster_resources: dict) -> Callable[[dict], object]:
    """tune.with_resources' callable form: the trial's own config decides its GPU share."""
    from ray import tune

    cpus = float(spec.ray.cpus_per_trial)
    gpus = float(spec.ray.gpus_per_trial or 1.0) if has_gpus(cluster_resources) else 0.0

    def resources(config: dict) -> tune.PlacementGroupFactory:
        bundle = {"CPU": cpus}
        if gpus > 0:
            share = float(suggestion_info(config).get("gpu_share", 1.0))
            bundle["GPU"] = min(gpus, share) if share < 1.0 else gpus
        return tune.PlacementGroupFactory([bundle])

    return resources


def local_cpus(spec, available: Optional[int] = None) -> int:
    """CPUs for a local Ray: at least one trial's worth, else this machine's count."""
    import os

    count = available if available is not None else (os.cpu_count() or 1)
    return max(count, int(-(-spec.ray.cpus_per_trial // 1)))
