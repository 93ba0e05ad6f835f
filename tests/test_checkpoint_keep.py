"""checkpoints: {keep: best | last | none}: a finished trial's run folder keeps one checkpoint (or none),
recorded as `checkpoint`; a trial that can still resume keeps everything."""

from __future__ import annotations

import optuna
import pytest

from mahm_search.errors import ConfigError
from mahm_search.runs import keep_checkpoints
from mahm_search.search.runner import run_study
from mahm_search.study.study_spec import load_study_spec
from support.fake_trainer import fake_steps
from support.search import write_study


def _both(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("checkpoint.pt", "best.pt"):
        (folder / name).write_bytes(b"x")


@pytest.mark.parametrize("keep, left", [("best", ["best.pt"]), ("last", ["checkpoint.pt"]), ("none", [])])
def test_keep_leaves_one_checkpoint_or_none(tmp_path, keep, left):
    _both(tmp_path)
    kept = keep_checkpoints(tmp_path, keep)
    assert sorted(p.name for p in tmp_path.glob("*.pt")) == left
    assert kept == ((tmp_path / left[0]).resolve() if left else None)


def test_best_without_a_best_pt_leaves_nothing(tmp_path):
    (tmp_path / "checkpoint.pt").write_bytes(b"x")  # e.g. pruned before its first evaluation
    assert keep_checkpoints(tmp_path, "best") is None and not list(tmp_path.iterdir())


def test_study_file_validates_keep(tmp_path):
    assert load_study_spec(write_study(tmp_path)).checkpoints.keep == "best"
    with pytest.raises(ConfigError, match=r"checkpoints.keep"):
        load_study_spec(write_study(tmp_path, checkpoints={"keep": "all"}))


def _writing_trainer(seen):
    """Writes both checkpoints as the trainer does, then raises (Ctrl-C) on the second trial: the tests'
    one stand-in loop (fake_trainer.fake_steps) with the real checkpoint files."""

    def interrupt_second(step: int) -> None:
        if len(seen) == 2:
            raise KeyboardInterrupt  # Ctrl-C: the trial stays resumable, nothing deleted

    def train(config, reporter, run_dir):
        seen.append(sorted(p.name for p in run_dir.glob("*.pt")))
        _both(run_dir)
        return fake_steps(config, reporter, run_dir, metrics=lambda c, step: {"score": 11.0 - step / 2},
                          checkpoint=False, loss=lambda step: 0.5, params_count=7, memory_peak_bytes=1,
                          after_eval=interrupt_second)

    return train


@pytest.mark.parametrize("keep", ["best", "last", "none"])
def test_finished_trials_keep_their_checkpoint_and_record_it(tmp_path, monkeypatch, keep):
    from mahm_search.memory import unplanned
    from mahm_search.search import trial as trial_module

    monkeypatch.setattr(trial_module, "plan_memory", lambda c, b, d: unplanned(c))
    seen = []
    monkeypatch.setattr("mahm_search.train.trainer.train", _writing_trainer(seen))
    path = write_study(tmp_path, n_trials=2, checkpoints={"keep": keep})
    with pytest.raises(KeyboardInterrupt):
        run_study(path)
    study = optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path}/tiny.db")
    done, interrupted = study.get_trials()[:2]  # (a third: the interrupted one queued again)
    name = {"best": "best.pt", "last": "checkpoint.pt", "none": None}[keep]
    folder = tmp_path / "tiny_runs" / f"trial_{done.number}"
    assert sorted(p.name for p in folder.glob("*.pt")) == ([name] if name else [])
    assert done.user_attrs["checkpoint"] == (str((folder / name).resolve()) if name else None)
    # the interrupted trial can resume: both files stay, nothing recorded
    assert sorted(p.name for p in (tmp_path / "tiny_runs" / f"trial_{interrupted.number}").glob("*.pt")) == \
        ["best.pt", "checkpoint.pt"]
    assert "checkpoint" not in interrupted.user_attrs


def test_a_ray_trial_stopped_by_the_scheduler_keeps_its_checkpoint(tmp_path):
    pytest.importorskip("ray")
    from mahm_search.search.optuna.optuna_private import trial_id_of
    from mahm_search.search.ray.searcher import finalize_stopped_trial
    from mahm_search.study.record import write_record
    from mahm_search.study.storage import open_study

    spec = load_study_spec(write_study(tmp_path, checkpoints={"keep": "last"}))
    study = open_study(spec, create=True)
    trial = study.ask()
    folder = tmp_path / "tiny_runs" / "trial_0"
    _both(folder)
    write_record(trial, run_dir=str(folder.resolve()))
    finalize_stopped_trial(spec, study, trial_id_of(trial), error=False, result={"step": 2, "metrics": {}})
    frozen = study.get_trials()[0]
    assert frozen.state == optuna.trial.TrialState.PRUNED and frozen.user_attrs["prune_reason"] == "pruner"
    assert [p.name for p in folder.glob("*.pt")] == ["checkpoint.pt"]
    assert frozen.user_attrs["checkpoint"] == str((folder / "checkpoint.pt").resolve())
