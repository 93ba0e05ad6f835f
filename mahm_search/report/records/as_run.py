"""What the trials ran, from their own records, and where the study file (or the code) now differs.

The report's Settings come from here, not from the study file as it is now: editing the file after a
run must not relabel the stored scores. Every trial records its full TrialConfig (train/data/arch/loss/
mano, after any memory rescue), the memory budget the gate applied and the code that ran it; the
study keeps the metric its scores are (`objective_metric`, study/storage.py).

`settings_as_run` gives the Settings block: the values every recorded trial shares, the ones that vary
(searched params, seeds, rescues) and, labelled as such, the search's own settings that no trial records
(sampler, pruner, n_trials, ...), from the file. `file_changes` rebuilds each trial's config from the
study file as it is now (the trial's searched values and seed put in, as the search does) and lists
every setting that differs from what the trial ran, split into settings the file names (the file
changed) and defaults of the current code (the code changed). `provenance` gives the code versions
and the dates the trials ran.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Optional

from ...config import flatten_dotted as flatten, get_dotted, is_config_path, set_dotted, trial_config
from ...errors import ConfigError
from ...memory import format_bytes
from ...provenance import code_version
from ...results import is_seed_param
from .records import StudyTrial, rescued

CONFIG_SECTIONS = ("arch", "data", "train", "loss", "mano")
# What a memory rescue changes in the config (memory/plan.py rescue_ladder): not a change of the file.
RESCUE_KEYS = ("train.checkpointing", "train.micro_batches")
# Study settings a trial's config holds (shown from the trials' records) or replaced by what they
# recorded: the rest of the study file is shown as the file gives it, labelled so.
AS_RUN_KEYS = ("train", "data", "mano", "base", "objective", "memory")
MAX_VALUES = 8  # a varying setting lists at most this many values
MISSING = "<not a setting then>"  # a key the trial's record does not hold (a setting added since)
ABSENT = "<not a setting now>"  # a key the current code's config does not hold (removed since)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for dotted, value in flat.items():
        set_dotted(tree, dotted, value)
    return tree


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def recorded(records: Iterable[StudyTrial]) -> list[StudyTrial]:
    """The trials whose config is recorded (a trial that died before its admission has none)."""
    return [r for r in records if r.record.config]


# -- what changed since the trials ran ---------------------------------------------------------

@dataclass
class Change:
    setting: str  # dotted config path, or 'memory' / 'objective.metric'
    now: Any  # what the study file (with the current code) gives now
    ran: Counter  # what the trials ran: _key(value) -> trials
    values: dict = field(default_factory=dict)  # _key(value) -> value
    of: int = 0  # trials compared
    phrase: Optional[str] = None  # says it all instead of the generic text

    def text(self) -> str:
        if self.phrase:
            return f"`{self.setting}`: {self.phrase}"
        ran = ", ".join(f"{_text(self.values[k])}" + (f" ({n} trials)" if len(self.ran) > 1 else "")
                        for k, n in self.ran.most_common())
        trials = sum(self.ran.values())
        share = f"{trials} of {self.of} trials" if trials != self.of else f"all {self.of} trials"
        return f"`{self.setting}`: now {_text(self.now)}; the trials ran {ran} ({share})"


@dataclass
class Changes:
    file: list[Change] = field(default_factory=list)  # settings the study file names
    code: list[Change] = field(default_factory=list)  # defaults of the current code
    problems: list[str] = field(default_factory=list)  # trials whose config the file no longer builds


def _file_config(spec, trial: StudyTrial, searched: set[str], cache: dict) -> dict[str, Any]:
    """The config the study file as it is now gives this trial (its searched values and seed put in,
    as search/trial.py does), flattened; built once per distinct searched values and seed."""
    values = {dotted: get_dotted(trial.record.config, dotted) for dotted in sorted(searched)}
    base_seed = int((spec.base_config.get("train") or {}).get("seed", 0))
    seed = base_seed + int(trial.record.repeat or 0)
    key = (_key(values), seed)
    if key not in cache:
        tree = json.loads(json.dumps(spec.base_config, default=str))
        for dotted, value in values.items():
            set_dotted(tree, dotted, value)
        set_dotted(tree, "train.seed", seed)
        cache[key] = flatten(trial_config(tree, f"{spec.path} (trial {trial.number})").to_dict())
    return cache[key]


def file_changes(loaded, records: list[StudyTrial]) -> Changes:
    """Where the study file as it is now (and the current code's defaults) differ from what the trials
    ran: their recorded configs, the memory budget they recorded, the metric the study stored."""
    spec, out = loaded.spec, Changes()
    metric, file_metric = loaded.metric, loaded.file_metric
    if metric != file_metric:
        out.file.append(Change("objective.metric", file_metric, Counter(), of=0,
                               phrase=f"now {file_metric}; the stored scores are {metric} (the metric the study "
                                      f"was created with), and everything below labels them {metric}"))
    if spec is None:
        return out
    runs = recorded(records)
    explicit = set(flatten(spec.base_config))
    searched = {p for r in runs for p in r.params if not is_seed_param(p) and is_config_path(p)}
    found: dict[str, Change] = {}
    cache: dict = {}
    for trial in runs:
        try:
            now = _file_config(spec, trial, searched & set(flatten(trial.record.config)), cache)
        except ConfigError as err:
            out.problems.append(f"trial {trial.number}: the study file no longer builds its config "
                                f"({'; '.join(err.problems)[:300]})")
            continue
        ran = flatten(trial.record.config)
        for key in sorted(set(now) | set(ran)):
            if key in searched or (key in RESCUE_KEYS and rescued(trial)):
                continue
            want, got = now.get(key, ABSENT), ran.get(key, MISSING)
            if _key(want) == _key(got):
                continue
            change = found.setdefault(key, Change(key, want, Counter(), of=len(runs)))
            change.ran[_key(got)] += 1
            change.values[_key(got)] = got
    for key, change in found.items():
        (out.file if key in explicit else out.code).append(change)
    budget = spec.memory_bytes
    budgets = Counter(r.record.memory_budget_bytes for r in records if r.record.memory_budget_bytes)
    if budget is not None and budgets and set(budgets) != {budget}:
        out.file.append(Change("memory", f"{spec.memory} ({format_bytes(budget)})",
                               Counter({_key(format_bytes(b)): n for b, n in budgets.items()}),
                               {_key(format_bytes(b)): format_bytes(b) for b in budgets},
                               of=sum(budgets.values())))
    return out


# -- the Settings block ---------------------------------------------------------------------------

def _values_text(values: list[Any]) -> Any:
    shown = values[:MAX_VALUES]
    return shown + [f"... {len(values) - MAX_VALUES} more"] if len(values) > MAX_VALUES else shown


def applied_memory(loaded, records: list[StudyTrial]) -> str:
    budgets = sorted({r.record.memory_budget_bytes for r in records if r.record.memory_budget_bytes})
    applied = ", ".join(format_bytes(b) for b in budgets) or "not recorded by these trials"
    return f"default ({applied})" if loaded.spec is None or loaded.spec.memory is None else applied


def settings_as_run(loaded, records: list[StudyTrial]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(as run: from the trials' records and the study's storage, from the file: the search's own
    settings, which no trial records)."""
    runs = recorded(records)
    metric = loaded.metric
    as_run: dict[str, Any] = {
        "objective": {"metric": metric, "direction": "maximize" if loaded.maximize else "minimize"},
        "memory": applied_memory(loaded, records),
    }
    metrics = loaded.study.user_attrs.get("objective_metrics") or []
    if len(metrics) > 1:  # a multi-objective study: the costs after the score, and their directions
        as_run["objective"]["and"] = [{"metric": m, "direction": d.name.lower()}
                                      for m, d in zip(metrics[1:], loaded.study.directions[1:])]
    runs_overrides = loaded.study.user_attrs.get("overrides_runs")
    if runs_overrides and any(runs_overrides):  # `run --set KEY=VALUE`, each distinct set of them used
        as_run["overrides (--set)"] = [" ".join(r) if r else "none" for r in runs_overrides]
    if runs:
        configs = [flatten(r.record.config) for r in runs]
        keys = list(dict.fromkeys(k for c in configs for k in c))
        common, varies = {}, {}
        for key in keys:
            values = {_key(c.get(key, MISSING)): c.get(key, MISSING) for c in configs}
            if len(values) == 1:
                common[key] = next(iter(values.values()))
            else:
                varies[key] = _values_text([values[k] for k in sorted(values, key=_sort_key(values))])
        as_run["config"] = {s: v for s, v in _nest(common).items()}
        if varies:
            as_run["varies per trial"] = varies
    else:
        as_run["config"] = "not recorded by these trials (see the study file's train/data/base below)"
    from_file = {k: v for k, v in loaded.settings.items() if k not in AS_RUN_KEYS or not runs}
    from_file["storage"] = loaded.storage_text
    return as_run, from_file


def _sort_key(values: dict[str, Any]):
    from ..factors import level_sort_key

    def key(k: str) -> tuple:
        value = values[k]
        if isinstance(value, list):
            return (1, len(value), k)
        return (0, *level_sort_key(value)) if not isinstance(value, (dict, type(None))) else (2, 0, k)
    return key


# -- provenance ---------------------------------------------------------------------------------

NOT_RECORDED = "not recorded (code from before trials recorded their version)"


@dataclass
class Provenance:
    versions: Counter  # code_version (None: not recorded) -> trials that recorded their config
    first_start: Optional[datetime]
    last_end: Optional[datetime]
    running: int  # trials not finished (their end is not in last_end)
    report_code: str

    @property
    def mixed(self) -> bool:
        """Trials from more than one code version (trials that did not record one count as one)."""
        return len(self.versions) > 1

    def versions_text(self) -> str:
        return "; ".join(f"`{v}` ({n} trial{'s' if n != 1 else ''})" if v else f"{NOT_RECORDED} ({n} trials)"
                         for v, n in sorted(self.versions.items(), key=lambda kv: (kv[0] is None, -kv[1])))

    def dates_text(self) -> str:
        if self.first_start is None:
            return "no trial has started"
        end = f" to {self.last_end:%Y-%m-%d %H:%M}" if self.last_end else ""
        more = f"; {self.running} still running" if self.running else ""
        return f"{self.first_start:%Y-%m-%d %H:%M}{end} (Optuna's stored times, the workers' local clock{more})"

    def as_dict(self) -> dict[str, Any]:
        """For curves.json."""
        return {"code_versions": {str(v) if v else "not recorded": n for v, n in self.versions.items()},
                "first_trial_start": self.first_start.isoformat() if self.first_start else None,
                "last_trial_end": self.last_end.isoformat() if self.last_end else None,
                "report_code": self.report_code}


def provenance(records: list[StudyTrial]) -> Provenance:
    starts = [r.started for r in records if r.started is not None]
    ends = [r.completed for r in records if r.completed is not None]
    # code_version is written with the trial's config: a trial without one never reached its admission
    return Provenance(versions=Counter(r.record.code_version for r in recorded(records)),
                      first_start=min(starts, default=None), last_end=max(ends, default=None),
                      running=sum(r.completed is None and r.started is not None for r in records),
                      report_code=code_version())
