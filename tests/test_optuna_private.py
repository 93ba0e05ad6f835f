"""Optuna's private API is reached through search/optuna/optuna_private.py only, on the versions it was checked on."""

from __future__ import annotations

import re
from pathlib import Path

import optuna
from packaging.specifiers import SpecifierSet

from mahm_search.search.optuna import optuna_private as op

PACKAGE = Path(op.__file__).resolve().parents[1]
PRIVATE = re.compile(r"\._storage\b|\._trial_id\b|\._study_id\b|storages\._rdb\b")


def test_the_installed_optuna_is_one_the_adapter_was_checked_against():
    assert optuna.__version__ in SpecifierSet(",".join(op.CHECKED_OPTUNA)), (optuna.__version__, op.CHECKED_OPTUNA)


def test_the_adapter_reaches_storage_ids_and_tables(tmp_path):
    study = optuna.create_study(storage=f"sqlite:///{tmp_path}/s.db", study_name="s")
    trial = study.ask()
    frozen = op.storage_of(study).get_trial(op.trial_id_of(trial))
    assert frozen.number == trial.number and op.trial_id_of(frozen) == op.trial_id_of(trial)
    assert op.storage_of(study).get_study_name_from_id(op.study_id_of(study)) == "s"
    models = op.rdb_models()
    assert {"TrialHeartbeatModel", "StudySystemAttributeModel", "TrialModel"} <= set(dir(models))


def test_no_other_module_uses_optuna_private_names():
    users = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
             if p.name != "optuna_private.py" and PRIVATE.search(p.read_text())]
    assert users == []
