"""A tiny study end to end on SQLite (real trainer), read back with plain optuna.load_study."""

from __future__ import annotations

import json

import optuna
from optuna.trial import TrialState

from mahm_search.search.runner import run_study
from support.search import write_study

ATTRS = {"config", "params_count", "memory_estimate_bytes", "memory_peak_bytes", "rescue", "steps_done",
         "wall_time_s", "config_key", "repeat", "seed", "final_metrics"}


def test_tiny_study_with_repeats_then_rerun_adds_nothing(tmp_path):
    path = write_study(tmp_path, n_trials=2, repeats=2)
    run_study(path)
    study = optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path}/tiny.db")
    trials = study.get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 2
    for t in trials:
        assert ATTRS <= set(t.user_attrs), ATTRS - set(t.user_attrs)
        assert sorted(t.intermediate_values) == [2, 4]
        assert t.value == t.intermediate_values[4]
        assert t.user_attrs["steps_done"] == 4 and t.user_attrs["rescue"] == "none"
        assert t.user_attrs["config"]["train"]["seed"] == t.user_attrs["seed"]
        run_dir = tmp_path / "tiny_runs" / f"trial_{t.number}"
        assert t.user_attrs["run_dir"] == str(run_dir.resolve())
        # checkpoints.keep defaults to best: once the trial ended, only best.pt is left, and recorded
        assert (run_dir / "best.pt").is_file() and not (run_dir / "checkpoint.pt").exists()
        assert t.user_attrs["checkpoint"] == str((run_dir / "best.pt").resolve())
        # the record's estimate and measured peak are one quantity (tensor bytes), so they agree on CPU
        # (within the few hundred KB by which a real batch and step differ from the traced ones)
        estimate, peak = t.user_attrs["memory_estimate_tensor_bytes"], t.user_attrs["memory_peak_bytes"]
        assert abs(peak / estimate - 1) < 0.03, (estimate, peak)
    # repeats: same params and config_key, different seeds
    assert trials[0].params == trials[1].params
    assert trials[0].user_attrs["config_key"] == trials[1].user_attrs["config_key"]
    assert [t.user_attrs["repeat"] for t in trials] == [0, 1]
    assert trials[0].user_attrs["seed"] != trials[1].user_attrs["seed"]

    run_study(path)  # already complete: nothing repeated, nothing added
    assert len(study.get_trials()) == 2


def test_grid_with_repeats_visits_every_point_k_times(tmp_path):
    # Optuna's GridSampler raised KeyError('grid_id') on an enqueued repeat once one point was left.
    path = write_study(tmp_path, name="grid", n_trials=4, repeats=2, sampler={"type": "grid", "seed": 0},
                       train={"steps": 2, "eval_every": 2, "batch_size": 2, "warmup_steps": 0},
                       space={"train.lr": {"choices": [1.0e-4, 1.0e-3]}})
    run_study(path)
    trials = optuna.load_study(study_name="grid", storage=f"sqlite:///{tmp_path}/grid.db").get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 4
    assert sorted(t.params["train.lr"] for t in trials) == [1.0e-4, 1.0e-4, 1.0e-3, 1.0e-3]


def test_status_prints_floats_short_and_json_keeps_them(tmp_path):
    from typer.testing import CliRunner

    from mahm_search.cli import app

    path = write_study(tmp_path, n_trials=1)
    run_study(path)
    table = CliRunner().invoke(app, ["status", str(path)]).output
    as_json = json.loads(CliRunner().invoke(app, ["status", str(path), "--json"]).output)
    lr = as_json["best"]["params"]["train.lr"]
    assert f"{lr:.4g}" in table and repr(lr) not in table


def test_a_configuration_proposed_again_gets_the_next_seed(tmp_path):
    # A grid of one point asked for 3 trials re-proposes that point: seeds 0, 1, 2, never one twice.
    path = write_study(tmp_path, n_trials=3, sampler={"type": "grid", "seed": 0},
                       space={"train.lr": {"choices": [1.0e-3]}})
    run_study(path)
    trials = optuna.load_study(study_name="tiny", storage=f"sqlite:///{tmp_path / 'tiny.db'}").get_trials()
    assert sorted(t.user_attrs["seed"] for t in trials) == [0, 1, 2]
    assert sorted(t.user_attrs["repeat"] for t in trials) == [0, 1, 2]
