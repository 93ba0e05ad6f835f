"""The blind baseline's verdict in status, the end-of-run summary and report.md: a warning in plain words
for a model no better than the mean hand (or whose PA-MPJPE is not below the mean pose's), none for one
that is, and "not recorded" for trials from before the baseline existed. Studies made by the real
search loop with a stand-in trainer (no network): only the scores are made up."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path
from unittest import mock

import optuna
import pytest

import mahm_search.search.trial as trial_module
from mahm_search.memory import unplanned
from mahm_search.report.markdown import write_report
from mahm_search.search.blind_check import NOT_ARTICULATED, NOT_BETTER, NOT_RECORDED, against_blind
from mahm_search.search.optuna.optuna_backend import run_worker_loop
from mahm_search.study.record import TrialRecord
from mahm_search.console.status import print_status, study_status
from mahm_search.study.storage import open_study
from mahm_search.study.study_spec import load_study_spec
from mahm_search.console.summary import summary_lines
from support.fake_trainer import fake_steps
from support.search import write_study

N_VAL = 24
BLIND, BLIND_PA = 54.5, 18.9
DIFFICULTY = [random.Random(f"sample/{i}").gauss(0, 5.0) for i in range(N_VAL)]  # shared by every predictor


def stand_in(score: float, pa: float, with_blind: bool = True):
    """A trainer whose last evaluation scores `score` (and PA-MPJPE `pa`) plus seed noise, with per-sample
    errors that share each sample's difficulty with the blind baseline's, as real ones do."""

    def train(config, reporter, run_dir):
        rng = random.Random(config.train.seed * 7919 + int(config.train.lr * 1e6))
        final, final_pa = score + rng.gauss(0, 0.3), pa + rng.gauss(0, 0.2)
        metrics = {"score": final, "mpjpe": final, "mpvpe": final, "pa_mpjpe": final_pa}
        result = fake_steps(config, reporter, run_dir, metrics=lambda c, step: metrics, checkpoint=False,
                            loss=lambda step: 0.5, params_count=7)
        per_sample = [final + d + rng.gauss(0, 1.0) for d in DIFFICULTY]
        per_pa = [final_pa + d / 5 + rng.gauss(0, 0.3) for d in DIFFICULTY]
        blind = {"key": "k", "n_train": 64, "n_val": N_VAL,
                 "metrics": {"score": BLIND, "mpjpe": BLIND + 4, "mpvpe": BLIND - 4, "pa_mpjpe": BLIND_PA},
                 "val_scores": [BLIND + d for d in DIFFICULTY], "val_pa_scores": [BLIND_PA + d / 5 for d in DIFFICULTY]}
        return dataclasses.replace(result, val_scores=per_sample, val_pa_scores=per_pa,
                                   blind=blind if with_blind else None)

    return train


def run_study(folder: Path, score: float, pa: float, repeats: int = 2, with_blind: bool = True) -> Path:
    path = write_study(folder, name="blind", n_trials=2 * repeats, repeats=repeats,
                       sampler={"type": "grid", "seed": 0},
                       space={"train.lr": {"choices": [0.001, 0.002]}})
    spec = load_study_spec(path)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = open_study(spec, create=True)
    with mock.patch.object(trial_module, "plan_memory", lambda c, b, d: unplanned(c)):
        objective = trial_module.TrialObjective(spec, train_fn=stand_in(score, pa, with_blind))
        run_worker_loop(spec, study, spec.n_trials, objective=objective)
    return path


def outputs(path: Path, capsys) -> dict[str, str]:
    """What a reader sees: status (printed and --json), the end-of-run summary and report.md."""
    spec = load_study_spec(path)
    print_status(path)
    printed = capsys.readouterr().out
    as_json = json.dumps(study_status(path), default=str)
    summary = "\n".join(summary_lines(spec, open_study(spec, create=False), spec.n_trials))
    report = write_report(path, quiet=True).read_text()
    return {"status": printed, "json": as_json, "summary": summary, "report": report}


def test_no_better_than_the_mean_hand_is_said_everywhere(tmp_path, capsys):
    shown = outputs(run_study(tmp_path, score=BLIND + 0.2, pa=BLIND_PA + 1.0), capsys)
    for where, text in shown.items():
        assert NOT_BETTER in text, where
        assert NOT_ARTICULATED in text, where
    assert "54.50" in shown["status"] and "18.90" in shown["status"]  # the blind score and PA-MPJPE
    assert shown["report"].startswith("# Study report: blind\n\n> **Warning: no configuration is shown better")
    assert "## Against the blind baseline" in shown["report"] and "skill 95% CI" in shown["report"]


def test_a_model_shown_better_gets_no_warning_but_its_numbers(tmp_path, capsys):
    shown = outputs(run_study(tmp_path, score=30.0, pa=12.0), capsys)
    for where, text in shown.items():
        assert NOT_BETTER not in text and NOT_ARTICULATED not in text, where
    line = next(s for s in shown["summary"].splitlines() if "better than predicting the average hand" in s)
    assert "vs blind 54.50 mm" in line and "skill 0.4" in line  # 1 - 30 / 54.5 = 0.45
    assert f"paired over {N_VAL} validation samples (one-sided p < 0.001)" in line and "over its 2 seeds" in line
    assert "articulation learned: PA-MPJPE" in shown["summary"]
    status = study_status(tmp_path / "blind.yaml")["blind"]
    assert status["best_configuration"]["score"]["shown"] and status["baseline"]["pa_mpjpe"] == BLIND_PA
    assert 0.4 < status["best_configuration"]["score"]["skill"] < 0.5


def test_one_seed_is_judged_paired_over_the_samples(tmp_path, capsys):
    shown = outputs(run_study(tmp_path, score=30.0, pa=BLIND_PA + 1.0, repeats=1), capsys)
    assert NOT_BETTER not in shown["summary"] and NOT_ARTICULATED in shown["summary"]
    assert f"paired over {N_VAL} validation samples" in shown["summary"] and "(one seed)" in shown["summary"]


def test_trials_from_before_the_baseline_still_report(tmp_path, capsys):
    shown = outputs(run_study(tmp_path, score=30.0, pa=12.0, with_blind=False), capsys)
    for where, text in shown.items():
        assert NOT_RECORDED in text or NOT_RECORDED[0].upper() + NOT_RECORDED[1:] in text, where
        assert NOT_BETTER not in text, where


def test_without_any_test_nothing_is_shown():
    # one seed and no per-sample errors: nothing measures the noise, so even a low score is not "shown"
    record = TrialRecord(blind={"metrics": {"score": BLIND}, "val_scores": []}, final_metrics={"score": 10.0})
    verdict = against_blind([(10.0, record)])
    assert verdict is not None and not verdict.shown and verdict.skill == pytest.approx(1 - 10 / BLIND)
    assert "nothing measures its noise" in verdict.evidence()
