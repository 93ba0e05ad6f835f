"""`mahm-search best STUDY.yaml [--rank K] [--out FILE]`: the K-th configuration of results' one ranking
(mean over seeds: status, the summary and report.md rank the same way) as a TrialConfig YAML.

The file is the config a trial of it trained, read from the trial's record (`config`: after any memory
rescue, with that trial's seed), so `mahm-search train FILE` trains exactly what that trial trained.
A comment header names the study, the configuration's mean and interval, and its trials.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Optional, Tuple

import yaml

from ..config import TrialConfig, trial_config
from ..errors import ConfigError, MahmError
from ..files import atomic_write
from ..results import Configuration, StudyResults
from ..search.best import describe_best
from ..study.record import TrialRecord
from ..study.storage import open_study
from ..study.study_spec import load_study_spec


def ranked_configuration(study_path: Path, rank: int = 1) -> Tuple[object, Configuration, int]:
    """(spec, the rank-th best configuration, how many are ranked); MahmError when there is none."""
    if rank < 1:
        raise ConfigError([f"--rank: expected 1 or more, got {rank}"])
    spec = load_study_spec(study_path)
    study = open_study(spec, create=False)
    order = StudyResults.of(study, study.direction.name == "MAXIMIZE").ranked()
    if not order:
        raise MahmError(f"{study_path}: study '{spec.name}' has no completed trial yet; "
                        f"run `mahm-search run {study_path}` first")
    if rank > len(order):
        raise ConfigError([f"--rank: expected 1 to {len(order)} (the study's ranked configurations), got {rank}"])
    return spec, order[rank - 1], len(order)


def best_config_text(study_path: Path, rank: int = 1) -> Tuple[str, TrialConfig]:
    """The YAML (header + config) and the TrialConfig it holds."""
    spec, configuration, total = ranked_configuration(study_path, rank)
    trial = configuration.done[0]  # the first completed seed: its record is what was trained
    record = TrialRecord.of(trial)
    if record.config is None:
        raise MahmError(f"{study_path}: trial {trial.number} recorded no config (a study from before "
                        "trials recorded it); rerun the study to get one")
    try:
        config = trial_config(record.config, f"{spec.storage_url} (trial {trial.number}'s recorded config)")
    except ConfigError as err:
        raise ConfigError([f"{line} (the trial was run by code_version {record.code_version}, incompatible "
                           "with this version)" for line in err.problems]) from None
    interval = configuration.interval
    summary = describe_best({"mean": interval.mean, "n": interval.n, "ci": interval.bounds()})
    seeds = ", ".join(f"{t.number} (seed {TrialRecord.of(t).seed})" for t in configuration.done)
    header = [
        f"mahm-search best: study '{spec.name}' ({study_path}), configuration ranked {rank} of {total} "
        f"by mean {spec.objective.metric} over seeds ({spec.objective.direction})",
        f"{spec.objective.metric}: {summary}",
        f"trials: {seeds}; this is trial {trial.number}'s config (seed {config.train.seed})",
    ]
    if record.rescue not in (None, "none"):
        header.append(f"memory rescue applied by the study: {record.rescue}")
    header.append("train it: mahm-search train THIS_FILE --out runs/best")
    body = yaml.safe_dump(config.to_dict(), sort_keys=False, default_flow_style=None, width=100)
    return "".join(f"# {line}\n" for line in header) + body, config


def write_best_config(study_path: Path, rank: int = 1, out: Optional[Path] = None) -> Path:
    """Write the rank-th configuration's file (default <study folder>/<name>_best.yaml, or
    <name>_rank<K>.yaml) atomically, and print where it went."""
    study_path = Path(study_path)
    text, _ = best_config_text(study_path, rank)
    if out is None:
        spec = load_study_spec(study_path)
        out = spec.folder / (f"{spec.name}_best.yaml" if rank == 1 else f"{spec.name}_rank{rank}.yaml")
    out = Path(out)
    if out.is_dir():
        raise ConfigError([f"--out: {out} is a folder; expected a YAML file name"])
    atomic_write(out, lambda f: f.write(text.encode("utf-8")))
    print(io.StringIO(text).readline().removeprefix("# ").rstrip())
    print(f"wrote {out}")
    return out
