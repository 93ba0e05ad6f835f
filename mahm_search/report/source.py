"""Open the study named by a study file, read-only, for plots and reports.

search/ owns the study file format (`load_study_spec`) and the storage (`open_study`); this module
only gathers what the report needs from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import optuna

from ..search.storage import open_study
from ..search.plots_spec import PlotsSpec
from ..search.study_spec import load_study_spec


@dataclass
class LoadedStudy:
    path: Path  # the study file
    name: str
    study: optuna.Study
    settings: dict  # the study spec as plain data, for the report's settings section
    plots: PlotsSpec
    spec: object = None  # the validated study spec (search/study_spec.py)

    @property
    def maximize(self) -> bool:
        return self.study.direction == optuna.study.StudyDirection.MAXIMIZE

    @property
    def metric(self) -> str:
        return self.settings.get("objective", {}).get("metric", "score")

    @property
    def default_out(self) -> Path:
        return self.path.parent / f"{self.name}-report"


def load_study(study_path: str | Path) -> LoadedStudy:
    """Raises ConfigError for a bad study file and StudyStorageError for a missing storage/study."""
    path = Path(study_path)
    spec = load_study_spec(path)
    study = open_study(spec, create=False)  # never creates: a report needs an existing study
    settings = spec.model_dump(mode="json", exclude={"plots"})
    settings["storage"] = spec.storage_url
    return LoadedStudy(path=path, name=spec.name, study=study, settings=settings,
                       plots=spec.plots, spec=spec)
