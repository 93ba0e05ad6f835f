"""Multi-objective (Pareto) studies: the study file's objective list, NSGA-II by default, no pruning,
the memory gate still on; the front, its intervals and its uncertainty over seeds; the report's
figure and table."""

from __future__ import annotations

import numpy as np
import optuna
import pytest

from mahm_search.errors import ConfigError
from mahm_search.results import StudyResults, non_dominated, pareto_front
from mahm_search.search.runner import run_study
from mahm_search.study.study_spec import load_study_spec
from support.search import use_fake_trainer, write_study

TWO = [{"metric": "score", "direction": "minimize"}, {"metric": "memory_peak", "direction": "minimize"}]


def test_non_dominated_follows_each_direction():
    points = np.array([[1.0, 5.0], [2.0, 3.0], [3.0, 4.0], [4.0, 1.0]])
    assert non_dominated(points, [False, False]).tolist() == [True, True, False, True]
    assert non_dominated(points, [True, False]).tolist() == [False, False, False, True]
    assert non_dominated(points, [True, True]).tolist() == [True, False, True, True]


def test_spec_takes_a_list_of_objectives(tmp_path):
    spec = load_study_spec(write_study(tmp_path, objective=TWO, sampler={"type": "nsgaii", "seed": 3},
                                       pruner={"type": "none"}))
    assert spec.multi_objective and [o.metric for o in spec.objectives] == ["score", "memory_peak"]
    assert spec.objective.metric == "score" and spec.sampler.type == "nsgaii"


def test_default_sampler_of_a_multi_objective_study_is_nsga2(tmp_path):
    import yaml

    path = write_study(tmp_path, objective=TWO)
    data = yaml.safe_load(path.read_text())
    del data["sampler"], data["pruner"]
    path.write_text(yaml.safe_dump(data))
    spec = load_study_spec(path)
    assert spec.sampler.type == "nsgaii" and spec.pruner.type == "none"


@pytest.mark.parametrize("changes, expected", [
    ({"pruner": {"type": "median"}}, "pruner: Optuna cannot prune a multi-objective study"),
    ({"objective": [{"metric": "memory_peak"}, {"metric": "score"}]}, "the first objective must be a metric"),
    ({"objective": [{"metric": "score"}, {"metric": "mpjpe"}]}, "expected one of memory_peak, memory_estimate"),
    ({"objective": [{"metric": "score"}, {"metric": "flopz"}]}, "objective[1].metric: "),
    ({"sampler": {"type": "cmaes"}}, "'cmaes' is single-objective"),
    ({"backend": "ray"}, "backend optuna only"),
])
def test_bad_multi_objective_settings_are_one_line(tmp_path, changes, expected):
    with pytest.raises(ConfigError) as err:
        load_study_spec(write_study(tmp_path, **{"objective": TWO, **changes}))
    assert len(err.value.problems) == 1 and expected in err.value.problems[0], err.value.problems


def _trial(values, params):
    return optuna.trial.create_trial(values=values, params=params,
                                     distributions={"x": optuna.distributions.CategoricalDistribution(["a", "b", "c", "d"])})


def test_front_with_intervals_and_bootstrap_shares():
    trials = []
    # a: accurate but big; b: small but worse; c: dominated by a; d: on the front by its mean, but one of
    # its seeds is far worse, so resampling its seeds often drops it (a wobbly member)
    for seed in range(3):
        trials.append(_trial([40.0 + seed * 0.1, 200.0], {"x": "a"}))
        trials.append(_trial([50.0 + seed * 0.1, 100.0], {"x": "b"}))
        trials.append(_trial([45.0 + seed * 0.1, 250.0], {"x": "c"}))
    for score in (44.0, 44.5, 56.0):
        trials.append(_trial([score, 150.0], {"x": "d"}))
    for number, t in enumerate(trials):
        t.number = number
    points = pareto_front(StudyResults(trials, maximize=False), [False, False], n_boot=400)
    by = {p.params["x"]: p for p in points}
    assert {k for k, p in by.items() if p.on_front} == {"a", "b", "d"}
    assert by["a"].front_share == 1.0 and by["b"].front_share == 1.0 and by["c"].front_share == 0.0
    assert 0.3 < by["d"].front_share < 0.95
    assert by["a"].intervals[0].known and by["a"].intervals[0].low < 40.1 < by["a"].intervals[0].high
    assert not by["a"].intervals[1].known  # memory did not vary over seeds: no interval
    assert [p.on_front for p in points] == [True, True, True, False]  # front first


def test_a_multi_objective_study_runs_and_reports_its_front(tmp_path, monkeypatch):
    calls: list = []
    use_fake_trainer(monkeypatch, calls)
    path = write_study(tmp_path, objective=TWO, n_trials=4, repeats=2, pruner={"type": "none"},
                       sampler={"type": "bruteforce", "seed": 0},
                       space={"arch.cascade_widths": {"choices": [[32], [64]]}})
    study = run_study(path)
    assert len(study.directions) == 2
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(done) == 4 and all(len(t.values) == 2 for t in done)
    assert all(t.values[1] == pytest.approx(123 / 2**20) for t in done)  # the fake trainer's peak, MiB
    assert all(t.user_attrs["curve"] == [[2, pytest.approx(t.values[0] + 25.0)], [4, pytest.approx(t.values[0])]]
               for t in done)  # no intermediate values in a multi-objective study: the curve is in the record
    from mahm_search.report.markdown import write_report

    report = write_report(path, quiet=True)
    text = report.read_text()
    assert "## Pareto front" in text and "![Pareto front](pareto.png)" in text
    assert "non-dominated in resamples" in text and (report.parent / "pareto.png").stat().st_size > 10_000
    assert (report.parent / "curves.png").exists()  # the curves come from the records


def test_the_memory_gate_still_prunes_in_a_multi_objective_study(tmp_path, monkeypatch):
    from mahm_search.memory import MemoryPlan
    from mahm_search.search import trial as trial_module

    calls: list = []
    use_fake_trainer(monkeypatch, calls)
    monkeypatch.setattr(trial_module, "plan_memory", lambda c, b, d: MemoryPlan(
        config=c, estimate_bytes=2 * b, original_estimate_bytes=2 * b, rescue="none", fits=False, method="stub"))
    study = run_study(write_study(tmp_path, objective=TWO, n_trials=2, pruner={"type": "none"}))
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.PRUNED] * 2 and not calls
    assert all(t.user_attrs["prune_reason"] == "memory" for t in study.trials)
