"""One Optuna trial: sample params -> TrialConfig -> memory gate -> train -> outcome and user attrs.

Outcomes (user attrs as docs/interfaces.md lists them):
- COMPLETE: value = the objective at the last eval.
- PRUNED with prune_reason `memory` (does not fit the budget even with a rescue; no step was
  trained), `pruner` (the study's pruner), `nan` (the loss became non-finite) or `oom` (the device
  ran out of memory anyway; memory is released and the study goes on).
- FAIL: any other exception; its message is in user attr `error` (the study continues).
A retry of a killed trial (RetryHeartbeatStaleTrialCallback) trains in the original trial's run
folder, so the trainer resumes from its last checkpoint, and inherits its intermediate values.
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import optuna

from ..config import TrialConfig, set_dotted, trial_config
from ..memory import default_budget_bytes, plan_memory
from .trial_reporter import PRUNE_REASON_ATTR, TrialReporter


def config_key(params: Dict[str, Any]) -> str:
    """Same sampled params (seed excluded) -> same key, so repeats can be grouped."""
    text = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def retried_trial_number(trial: optuna.Trial) -> Optional[int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # Optuna 5's Trial has no system_attrs; the callback reads them from a FrozenTrial.
        frozen = trial if isinstance(trial, optuna.trial.FrozenTrial) else trial.storage.get_trial(trial._trial_id)
        return optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(frozen)


def trial_run_dir(runs_dir: Path, trial: optuna.Trial) -> Path:
    original = retried_trial_number(trial)
    return runs_dir / f"trial_{original if original is not None else trial.number}"


def _memory_errors() -> tuple[type[BaseException], ...]:
    import torch

    return (torch.cuda.OutOfMemoryError, MemoryError)


def release_device_memory() -> None:
    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


class TrialObjective:
    """Callable for study.optimize. `progress` (optional) receives step/eval events in-process."""

    def __init__(self, spec, progress=None, train_fn: Callable | None = None):
        self.spec = spec
        self.progress = progress
        self._train_fn = train_fn
        fixed = TrialConfig.model_validate(spec.base_config).to_dict()
        self._fixed = lambda dotted: _get_dotted(fixed, dotted)

    def __call__(self, trial: optuna.Trial) -> float:
        try:
            return self._run(trial)
        except optuna.TrialPruned:
            raise
        except Exception as err:
            # Every failure is recorded, so it counts as done and is never retried blindly.
            if "error" not in trial.user_attrs:
                trial.set_user_attr("error", f"{type(err).__name__}: {err}"[:2000])
            raise

    def _run(self, trial: optuna.Trial) -> float:
        started = time.perf_counter()
        spec = self.spec
        params = spec.search_space.suggest(trial, self._fixed)
        repeat = int(trial.user_attrs.get("repeat", 0))
        seed = int(spec.base_config.get("train", {}).get("seed", 0)) + repeat
        self._enqueue_repeats(trial)
        config = self._build_config(trial, params, seed)
        for key, value in (("config_key", config_key(params)), ("repeat", repeat), ("seed", seed),
                           ("config", config.to_dict())):
            trial.set_user_attr(key, value)

        import torch  # noqa: F401  (imported here so spawned workers set their device first)
        from ..train.device import resolve_device

        device = resolve_device(config.train)
        budget = spec.memory_bytes or default_budget_bytes(device, spec.memory_ram_share)
        plan = plan_memory(config, budget, device)
        trial.set_user_attr("memory_estimate_bytes", int(plan.estimate_bytes))
        trial.set_user_attr("rescue", plan.rescue)
        if "memory" not in trial.constraints:  # a retry inherits the original's constraint
            trial.set_constraint("memory", (plan.estimate_bytes - budget) / budget if plan.fits else
                                 max((plan.estimate_bytes - budget) / budget, 1e-6))
        if not plan.fits:
            self._finish_attrs(trial, started, steps_done=0, metrics={}, info={})
            trial.set_user_attr(PRUNE_REASON_ATTR, "memory")
            raise optuna.TrialPruned(f"needs ~{plan.estimate_bytes} B, budget {budget} B, no rescue fits")
        config = plan.config
        trial.set_user_attr("config", config.to_dict())
        return self._train(trial, config, started)

    # -- pieces ---------------------------------------------------------------------------------
    def _build_config(self, trial: optuna.Trial, params: Dict[str, Any], seed: int) -> TrialConfig:
        tree = json.loads(json.dumps(self.spec.base_config, default=str))
        for dotted, value in params.items():
            set_dotted(tree, dotted, value)
        set_dotted(tree, "train.seed", seed)
        return trial_config(tree, f"{self.spec.path} (trial {trial.number})")

    def _enqueue_repeats(self, trial: optuna.Trial) -> None:
        """A freshly sampled configuration queues its k-1 repeats (same params, next seeds)."""
        fresh = "repeat" not in trial.user_attrs and retried_trial_number(trial) is None
        if not fresh or self.spec.repeats <= 1:
            return
        trial.set_user_attr("repeat", 0)
        for r in range(1, self.spec.repeats):
            trial.study.enqueue_trial(dict(trial.params), user_attrs={"repeat": r})

    def _train(self, trial: optuna.Trial, config: TrialConfig, started: float) -> float:
        metric = self.spec.objective.metric
        on_eval = self.progress.trial_eval if self.progress is not None else None
        reporter = TrialReporter(trial, metric, on_eval=on_eval)
        if self.progress is not None:
            reporter = self.progress.wrap_reporter(reporter, trial.number, config.train.steps)
        run_dir = trial_run_dir(self.spec.runs_dir, trial)
        run_dir.mkdir(parents=True, exist_ok=True)
        core = getattr(reporter, "inner", reporter)
        oom_message = None
        try:
            result = self.train_fn(config, reporter, run_dir)
        except optuna.TrialPruned:
            self._finish_attrs(trial, started, core.last_step, core.last_metrics, core.info)
            raise
        except _memory_errors() as err:
            oom_message = f"{type(err).__name__}: {err}"[:500]
        except Exception as err:
            self._finish_attrs(trial, started, core.last_step, core.last_metrics, core.info)
            trial.set_user_attr("error", f"{type(err).__name__}: {err}"[:2000])
            raise
        if oom_message is not None:
            # Outside the except block: the traceback (and the tensors its frames hold) is gone.
            release_device_memory()
            self._finish_attrs(trial, started, core.last_step, core.last_metrics, core.info)
            trial.set_user_attr(PRUNE_REASON_ATTR, "oom")
            raise optuna.TrialPruned(oom_message)
        return self._complete(trial, result, started, metric)

    def _complete(self, trial: optuna.Trial, result, started: float, metric: str) -> float:
        trial.set_user_attr("params_count", int(result.params_count))
        trial.set_user_attr("memory_peak_bytes", int(result.memory_peak_bytes or 0))
        trial.set_user_attr("steps_done", int(result.steps_done))
        trial.set_user_attr("wall_time_s", round(time.perf_counter() - started, 3))
        trial.set_user_attr("final_metrics", _plain(result.final_metrics))
        if result.status == "nan":
            trial.set_user_attr(PRUNE_REASON_ATTR, "nan")
            raise optuna.TrialPruned(result.message or "the training loss became non-finite")
        values = [h[metric] for h in result.history if metric in h]
        if not values:
            raise RuntimeError(f"training finished without any '{metric}' evaluation")
        return float(values[-1])

    def _finish_attrs(self, trial, started: float, steps_done: int, metrics: dict, info: dict) -> None:
        trial.set_user_attr("params_count", info.get("params_count"))
        trial.set_user_attr("memory_peak_bytes", None)
        trial.set_user_attr("steps_done", int(steps_done))
        trial.set_user_attr("wall_time_s", round(time.perf_counter() - started, 3))
        trial.set_user_attr("final_metrics", _plain(metrics))

    @property
    def train_fn(self) -> Callable:
        if self._train_fn is None:
            from ..train.trainer import train

            self._train_fn = train
        return self._train_fn


def _get_dotted(tree: dict, dotted: str) -> Any:
    node: Any = tree
    for key in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _plain(metrics: Any) -> Dict[str, float]:
    return {str(k): float(v) for k, v in (metrics or {}).items() if isinstance(v, (int, float))}
