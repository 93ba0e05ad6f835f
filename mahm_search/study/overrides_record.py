"""What `--set` overrides a study ran with: study user attrs `overrides` (this run's, in order) and
`overrides_runs` (every distinct set used so far), and one line when a resumed study's differ."""

from __future__ import annotations

from typing import List, Optional

from .storage import with_retries

ATTR = "overrides"
RUNS_ATTR = "overrides_runs"


def record_overrides(study, spec) -> Optional[str]:
    """Store this run's overrides; returns (and prints) a warning when the study's last run used other
    ones, else None. A study made before overrides existed counts as having used none."""
    current: List[str] = list(spec.overrides)
    attrs = with_retries(lambda: study.user_attrs)
    before = attrs.get(ATTR)
    runs = [list(r) for r in attrs.get(RUNS_ATTR) or ([before] if before is not None else [])]
    message = None
    previous = list(before) if before is not None else ([] if study_has_trials(study) else None)
    if previous is not None and previous != current:
        message = (f"run: warning: {spec.path}: this study ran before with {shown(previous)} and now with "
                   f"{shown(current)}; its trials keep the config each trained with")
        print(message, flush=True)
    if current not in runs:
        runs.append(current)
    with_retries(lambda: study.set_user_attr(ATTR, current))
    with_retries(lambda: study.set_user_attr(RUNS_ATTR, runs))
    return message


def study_has_trials(study) -> bool:
    return bool(with_retries(lambda: study.get_trials(deepcopy=False)))


def shown(overrides: List[str]) -> str:
    return "no --set" if not overrides else " ".join(f"--set {o}" for o in overrides)
