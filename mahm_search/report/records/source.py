"""Open the study named by a study file, read-only, for plots and reports.

search/ owns the study file format (`load_study_spec`) and the storage (`open_study`); this module
only gathers what the report needs from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import optuna

from ...study.storage import open_study
from ...study.plots_spec import PlotsSpec
from ...study.study_spec import load_study_spec


@dataclass
class LoadedStudy:
    path: Path  # the study file
    name: str
    study: optuna.Study
    settings: dict  # the study spec as plain data, for the report's settings section
    plots: PlotsSpec
    spec: object = None  # the validated study spec (study/study_spec.py)

    @property
    def maximize(self) -> bool:
        return self.study.directions[0] == optuna.study.StudyDirection.MAXIMIZE  # the score's, first

    @property
    def file_metric(self) -> str:
        """objective.metric as the study file gives it now."""
        return self.settings.get("objective", {}).get("metric", "score")

    @property
    def metric(self) -> str:
        """The metric the stored scores are: the one the study was created with (its
        `objective_metric`, study/storage.py), not the file's, which may have been edited since."""
        stored = self.study.user_attrs.get("objective_metric")
        return str(stored) if stored else self.file_metric

    @property
    def storage_text(self) -> str:
        """The storage as the report prints it: a file under the study file's folder relative to it
        (a copied study gives the same report and no local path leaks), a password hidden."""
        return storage_text(self.settings.get("storage", ""), self.path)

    @property
    def default_out(self) -> Path:
        return self.path.parent / f"{self.name}-report"


def storage_text(url: str, study_file: str | Path) -> str:
    folder = Path(study_file).resolve().parent
    for prefix in ("sqlite:///", "journal:"):
        if url.startswith(prefix):
            file = Path(url[len(prefix):])
            try:
                relative = file.resolve().relative_to(folder)
            except ValueError:
                return url
            return f"{prefix}{relative.as_posix()} (relative to the study file's folder)"
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def load_study(study_path: str | Path) -> LoadedStudy:
    """Raises ConfigError for a bad study file and StudyStorageError for a missing storage/study."""
    path = Path(study_path)
    spec = load_study_spec(path)
    study = open_study(spec, create=False)  # never creates: a report needs an existing study
    settings = spec.model_dump(mode="json", exclude={"plots"})
    settings["storage"] = spec.storage_url
    return LoadedStudy(path=path, name=spec.name, study=study, settings=settings,
                       plots=spec.plots, spec=spec)
