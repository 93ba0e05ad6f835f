"""search/racing.py: which configurations get another seed, and `repeats: auto` in a real study."""

from __future__ import annotations

import optuna
import yaml
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

from mahm_search.search.racing import per_look_alpha, race, seeds_to_queue
from mahm_search.study.sections import RacingSpec
from mahm_search.study.study_spec import load_study_spec


def test_a_clear_winner_ends_the_race():
    state = race({"a": [45.0, 45.3], "b": [50.0, 50.2]}, maximize=False)
    assert state.resolved and state.leader == "a" and state.eliminated == ("b",) and state.need_seed == ()


def test_close_configurations_keep_racing_until_the_cap():
    scores = {"a": [50.0, 50.8, 50.4], "b": [50.3, 50.9], "c": [60.0, 60.4, 60.2, 60.1]}
    state = race(scores, maximize=False, max_seeds=8)
    assert state.leader == "a" and state.contenders == ("b",) and set(state.need_seed) == {"a", "b"}
    assert "c" in state.eliminated  # far behind: no more seeds for it
    capped = {"a": [50.0, 50.8, 50.1], "b": [50.3, 50.9, 50.2]}
    assert race(capped, maximize=False, max_seeds=3).need_seed == ()


def test_single_seeds_race_the_two_best_until_a_spread_is_known():
    state = race({"a": [50.0], "b": [51.0], "c": [52.0]}, maximize=False)
    assert state.need_seed == ("a", "b")
    # with a known per-seed spread (from a, 2 seeds) a single far seed is eliminated, a near one is not
    state = race({"a": [50.0, 50.2, 50.1], "b": [50.3], "c": [58.0]}, maximize=False)
    assert "c" in state.eliminated and "b" in state.contenders


def test_a_difference_too_small_for_the_cap_leaves_the_race_tied():
    # 0.1 apart with a per-seed spread of ~0.25: 8 seeds would resolve it with < 10% probability
    scores = {"a": [50.0, 50.5, 50.2], "b": [50.1, 50.6, 50.3]}
    state = race(scores, maximize=False, max_seeds=8)
    assert state.tied == ("b",) and state.contenders == () and state.over and not state.resolved
    # the same gap against a 4x smaller spread (t = 2, not yet significant) is worth more seeds
    close = {"a": [50.0, 50.06, 50.12], "b": [50.1, 50.16, 50.22]}
    assert race(close, maximize=False, max_seeds=8).need_seed == ("a", "b")
    # judged only from 3 seeds on: over 2 seeds an observed difference is too noisy a guess
    assert race({"a": [50.0, 50.5], "b": [50.1, 50.6]}, maximize=False).need_seed == ("a", "b")


def test_the_spread_is_pooled_over_every_configuration():
    # a and b alone (2 seeds each, df 2) cannot be told apart at Pocock's level; c and d, far behind,
    # show the per-seed spread is small, which resolves a vs b
    pair = {"a": [50.0, 50.3], "b": [51.0, 51.3]}
    assert race(pair, maximize=False).contenders == ("b",)
    many = {**pair, "c": [60.0, 60.3, 60.1, 60.2], "d": [61.0, 61.3, 61.1, 61.2]}
    assert race(many, maximize=False).resolved


def test_direction_matters():
    assert race({"a": [45.0, 45.3], "b": [50.0, 50.2]}, maximize=True).leader == "b"


def test_each_look_is_stricter_than_the_overall_level():
    assert abs(per_look_alpha(0.95, 2) - 0.05) < 1e-12  # one look: no correction
    assert 0.01 < per_look_alpha(0.95, 8) < 0.02  # Pocock, 7 looks: 0.013


def _trial(state, x, repeat, value=None):
    return create_trial(state=state, value=value, params={"x": x}, distributions={"x": FloatDistribution(0, 10)},
                        user_attrs={"repeat": repeat})


def test_seeds_to_queue_skips_configurations_with_a_seed_on_its_way():
    trials = [_trial(TrialState.COMPLETE, 1.0, 0, 50.0), _trial(TrialState.COMPLETE, 2.0, 0, 51.0),
              _trial(TrialState.COMPLETE, 3.0, 0, 60.0)]
    queued = seeds_to_queue(trials, maximize=False, confidence=0.95, max_seeds=8)
    assert queued == [({"x": 1.0}, 1), ({"x": 2.0}, 1)]
    running = trials + [_trial(TrialState.RUNNING, 2.0, 1)]
    assert seeds_to_queue(running, maximize=False, confidence=0.95, max_seeds=8) == [({"x": 1.0}, 1)]


def test_repeats_auto_in_the_study_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "s", "repeats": {"auto": True, "confidence": 0.9, "max": 5},
                                    "space": {"train.lr": {"choices": [1e-4, 1e-3]}}}))
    spec = load_study_spec(path)
    assert spec.racing == RacingSpec(confidence=0.9, max=5) and spec.fixed_repeats == 1
    path.write_text(yaml.safe_dump({"name": "s", "repeats": "auto"}))
    assert load_study_spec(path).racing == RacingSpec()


WIDTHS3 = [[512, 256, 512], [1024, 512, 256, 512, 1024], [1024, 512, 256, 128, 256, 512, 1024]]


def race_study(folder, space: dict, n_trials: int, repeats="auto"):
    """A `repeats: auto` study over `space` with a grid sampler, in `folder`: (spec, study)."""
    from mahm_search.study.storage import open_study

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "race.yaml"
    path.write_text(yaml.safe_dump({"name": "race", "storage": "sqlite:///race.db", "sampler": {"type": "grid"},
                                    "pruner": {"type": "none"}, "n_trials": n_trials, "repeats": repeats,
                                    "memory": "10GiB", "train": {"steps": 2000, "eval_every": 100},
                                    "space": space}))
    spec = load_study_spec(path)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return spec, open_study(spec, create=True)


def run_race(spec, study) -> None:
    """Run the study to its end with the report tests' stand-in trainer and memory plan."""
    import mahm_search.search.trial as trial_module
    from unittest import mock

    from support.study_factory import stand_in_plan, stand_in_train
    from mahm_search.search.optuna.optuna_backend import run_worker_loop

    with mock.patch.object(trial_module, "plan_memory", stand_in_plan):
        run_worker_loop(spec, study, spec.n_trials, objective=trial_module.TrialObjective(spec, train_fn=stand_in_train))


def test_racing_study_spends_seeds_on_the_leaders(tmp_path):
    spec, study = race_study(tmp_path, {"arch.cascade_widths": {"choices": WIDTHS3}}, n_trials=8,
                             repeats={"auto": True, "max": 4})
    run_race(spec, study)
    seeds: dict[str, list[int]] = {}
    for t in study.get_trials(states=(TrialState.COMPLETE,)):
        seeds.setdefault(t.params["arch.cascade_widths"], []).append(t.user_attrs["seed"])
    assert all(len(set(s)) == len(s) for s in seeds.values()), seeds  # never the same seed twice
    deepest = seeds["1024-512-256-128-256-512-1024"]
    assert len(deepest) >= 2 and len(deepest) > len(seeds["512-256-512"])  # the leader got the seeds


def test_racing_study_ends_when_the_race_is_over(tmp_path, capsys):
    """A finite space, every configuration tried and the race over: the run stops before n_trials,
    says why, and the summary and report.md state the race."""
    from mahm_search.report.markdown import write_report
    from mahm_search.console.summary import summary_lines

    spec, study = race_study(tmp_path, {"arch.cascade_widths": {"choices": [WIDTHS3[0], WIDTHS3[2]]}},
                             n_trials=40, repeats={"auto": True, "max": 6})
    run_race(spec, study)
    trials = study.get_trials()
    assert 4 <= len(trials) <= 12, len(trials)  # 2 configurations x at most 6 seeds, far from 40
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert "run: race over" in capsys.readouterr().out
    race_line = [line for line in summary_lines(spec, study, spec.n_trials) if line.startswith("summary: race")]
    assert race_line and race_line[0].startswith("summary: race over: leader arch.cascade_widths=1024-512-256-128")
    report = write_report(spec.path, quiet=True).read_text()
    assert "Seeds were raced (`repeats: auto`, confidence 0.95, at most 6 seeds)" in report
    assert "Race over: leader arch.cascade_widths=1024-512-256-128-256-512-1024" in report


def test_racing_study_capped_by_n_trials_says_how_to_go_on(tmp_path):
    from mahm_search.console.summary import summary_lines

    spec, study = race_study(tmp_path, {"arch.cascade_widths": {"choices": WIDTHS3[:2]}}, n_trials=3)
    run_race(spec, study)
    lines = summary_lines(spec, study, spec.n_trials)
    assert any(line.startswith("summary: race not over") for line in lines), lines
    assert any("raise n_trials" in line for line in lines)


def _lrs_tried(folder, n_lrs: int, n_trials: int) -> list:
    """A grid over n_lrs learning rates, which the stand-in trainer ignores: equal configurations,
    so the race among them goes on. Returns the lr of each completed trial."""
    spec, study = race_study(folder, {"train.lr": {"choices": [1e-3 * (i + 1) for i in range(n_lrs)]}}, n_trials)
    run_race(spec, study)
    return [t.params["train.lr"] for t in study.get_trials(states=(TrialState.COMPLETE,))]


def test_race_rounds_do_not_starve_new_configurations(tmp_path):
    """Queued race seeds run before the sampler's next proposal. If the worker queued a round whenever
    nothing was queued, or every trial (queued seeds too) queued one, the first configurations would
    race on while the others waited. A round is queued only by a trial the sampler proposed, and the
    worker queues rounds itself only once the space is exhausted: new configurations and rounds take
    turns."""
    assert len(set(_lrs_tried(tmp_path / "a", n_lrs=3, n_trials=3))) == 3
    assert len(set(_lrs_tried(tmp_path / "b", n_lrs=6, n_trials=7))) >= 4


def test_a_race_seed_queued_twice_is_not_trained_twice(tmp_path):
    """Two workers can queue the same race seed at once; the second copy to start takes the next
    seed, so the CIs never count one seed twice."""
    spec, study = race_study(tmp_path, {"train.lr": {"choices": [1e-3, 2e-3]}}, n_trials=2)
    for _ in range(2):  # what two workers' rounds left behind
        study.enqueue_trial({"train.lr": 1e-3}, user_attrs={"repeat": 1}, skip_if_exists=False)
    run_race(spec, study)
    seeds = [t.user_attrs["seed"] for t in study.get_trials(states=(TrialState.COMPLETE,))]
    assert len(seeds) == 2 and len(set(seeds)) == 2, seeds
