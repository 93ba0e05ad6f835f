"""Trials sharing one device by memory estimate (the Optuna backend's workers).

`PackedObjective`: a trial the memory gate admitted starts training only when its estimate fits next to
the estimates of the trials running on that device (ledger.py, one ledger per device: `ledger_path`).
`auto_worker_count` is `--workers auto`: as many workers per device as the smallest configuration of
the space fits in the budget (rule.py: auto_workers).
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import re
import time
from typing import Optional, Tuple

import optuna

from ...study.record import TrialRecord
from ...study.study_spec import load_study_spec
from ...train.batches import cpu_share
from ..trial import Admission, TrialObjective
from .ledger import MemoryLedger


# -- trials sharing a device, by estimate ----------------------------------------------------------
class PackedObjective(TrialObjective):
    """A TrialObjective whose admitted trials start training only when their memory estimate fits next
    to those of the trials running on the same device, in whichever worker process (search/packing/ledger.py).
    The estimate and budget are the memory gate's (the record's memory_estimate_bytes and
    memory_budget_bytes); the time spent waiting is not counted in the trial's wall time."""

    def __init__(self, spec, progress=None, train_fn=None, poll_s: Optional[float] = None):
        super().__init__(spec, progress=progress, train_fn=train_fn)
        self._poll_s = poll_s

    def train_admitted(self, trial: optuna.Trial, admission: Admission) -> float:
        record = TrialRecord.of(trial)
        budget = record.memory_budget_bytes
        if budget is None:  # not planned (cannot happen after admit): nothing to pack by
            return super().train_admitted(trial, admission)
        estimate = int(record.memory_estimate_bytes or 0)
        ledger = MemoryLedger(ledger_path(self.spec, admission.config),
                              **({} if self._poll_s is None else {"poll_s": self._poll_s}))
        key = f"trial_{trial.number}"

        def on_wait(running: dict) -> None:
            from ...memory import format_bytes

            print(f"trial {trial.number} waits for memory: needs {format_bytes(estimate)}, "
                  f"{format_bytes(sum(running.values()))} of {format_bytes(budget)} estimated in use by "
                  f"{len(running)} running trial{'s' if len(running) != 1 else ''}", flush=True)

        waited_from = time.perf_counter()
        if not ledger.admit(key, estimate, budget, on_wait=on_wait):
            raise RuntimeError(f"estimate {estimate} B exceeds the budget {budget} B: it cannot be packed")
        waited = time.perf_counter() - waited_from
        try:
            return super().train_admitted(trial, dataclasses.replace(admission, started=admission.started + waited))
        finally:
            ledger.release(key)


def ledger_path(spec, config):
    """One ledger per device: `<study folder>/<name>_packing/<device>.json` (a CUDA device by its UUID,
    so workers that name it differently through CUDA_VISIBLE_DEVICES still share it)."""
    from ...train.device import resolve_device

    device = resolve_device(config.train)
    tag = "cpu"
    if device.type == "cuda":
        import torch

        index = device.index if device.index is not None else torch.cuda.current_device()
        uuid = getattr(torch.cuda.get_device_properties(index), "uuid", None)
        tag = f"cuda-{uuid}" if uuid is not None else \
            f"cuda-{os.environ.get('CUDA_VISIBLE_DEVICES', 'all')}-{index}"
    elif device.type != "cpu":
        tag = str(device)
    return spec.folder / f"{spec.name}_packing" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', tag)}.json"


def auto_worker_count(spec) -> Tuple[int, str]:
    """(workers, why) for `--workers auto`: per device, as many as the smallest configuration of the
    space (describe.study_configurations, planned by the memory gate) fits in the budget, at most one
    per CPU core (search/packing/rule.py: auto_workers); times the CUDA devices when there are several."""
    from ...console.describe import study_configurations
    from ...memory import default_budget_bytes, format_bytes
    from ...train.device import resolve_device
    from .. import trial as trial_module
    from .rule import auto_workers

    configs, _ = study_configurations(spec)
    device = resolve_device(configs[0][1].train)
    budget = spec.memory_bytes or default_budget_bytes(device, spec.memory_ram_share)
    plans = [trial_module.plan_memory(config, budget, device) for _, config in configs]
    estimates = [int(p.estimate_bytes) for p in plans if p.fits]
    if not estimates:
        return 1, f"no configuration of the space fits the budget {format_bytes(budget)}"
    devices = max(1, _cuda_device_count()) if device.type == "cuda" else 1
    cpus = cpu_share()
    per_device = auto_workers(budget, min(estimates), cpu_count=max(1, cpus // devices))
    where = f"{devices} CUDA devices" if devices > 1 else str(device)
    return per_device * devices, (f"smallest estimate {format_bytes(min(estimates))} of "
                                  f"{format_bytes(budget)} on {where}, {cpus} CPU cores")


def auto_worker_count_isolated(spec) -> Tuple[int, str]:
    """auto_worker_count, but on CUDA in a short-lived process, so that this one (which only watches
    the workers) never holds a CUDA context on the device that the estimates share."""
    if not _cuda_device_count():
        return auto_worker_count(spec)
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_auto_worker_count_of, str(spec.path), tuple(spec.overrides)).result()


def _auto_worker_count_of(study_path: str, overrides: tuple = ()) -> Tuple[int, str]:
    return auto_worker_count(load_study_spec(study_path, overrides))


def _cuda_device_count() -> int:
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) == "":
        return 0
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0
