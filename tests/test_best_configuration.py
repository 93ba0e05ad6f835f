"""search/best.py over results.StudyResults: `status` and the run summary lead with the best mean over
seeds, not the luckiest seed."""

import optuna
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState, create_trial

from mahm_search.results import StudyResults, mean_ci
from mahm_search.search.best import best_configuration as best_of, describe_best

DIST = {"arch.self_attention": CategoricalDistribution([False, True])}


def _trial(number, value, attention, state=TrialState.COMPLETE):
    t = create_trial(state=state, value=value if state == TrialState.COMPLETE else None,
                     params={"arch.self_attention": attention}, distributions=DIST,
                     user_attrs={"config_key": f"sa={attention}", "rescue": "none"})
    t.number = number
    return t


def best_configuration(trials, maximize, readable):
    return best_of(StudyResults(trials, maximize), readable)


def mean_interval(values):
    return mean_ci(values).bounds()


def test_the_best_mean_wins_over_the_luckiest_seed():
    # without self-attention: one lucky seed (48.3) but a worse mean (49.1)
    trials = [_trial(0, 48.3, False), _trial(1, 49.5, False), _trial(2, 49.5, False),
              _trial(3, 48.9, True), _trial(4, 49.0, True), _trial(5, 48.8, True),
              _trial(6, None, True, state=TrialState.PRUNED)]
    best = best_configuration(trials, maximize=False, readable=dict)
    assert best["params"] == {"arch.self_attention": True} and best["n"] == 3 and best["trials"] == [3, 4, 5]
    assert abs(best["mean"] - 48.9) < 1e-9 and best["ci"][0] < 48.9 < best["ci"][1]
    assert "mean of 3 seeds, 95% CI over seeds [" in describe_best(best)
    assert best_configuration(trials, maximize=True, readable=dict)["params"] == {"arch.self_attention": False}


def test_no_interval_from_one_seed_or_identical_seeds():
    assert mean_interval([48.0]) is None and mean_interval([48.0, 48.0]) is None
    low, high = mean_interval([48.0, 49.0])
    assert low < 48.5 < high and high - low > 10  # t with 1 degree of freedom: 12.7 half-widths
    assert "one seed" in describe_best(best_configuration([_trial(0, 48.3, False)], False, dict))
    assert best_configuration([_trial(0, None, True, state=TrialState.FAIL)], False, dict) is None


def test_a_tie_on_the_mean_goes_to_more_seeds_then_to_the_earlier_configuration():
    tied = [_trial(0, 49.0, False), _trial(1, 48.0, True), _trial(2, 50.0, True)]
    assert best_configuration(tied, False, dict)["params"] == {"arch.self_attention": True}
    same_n = [_trial(0, 49.0, True), _trial(1, 49.0, False)]
    assert best_configuration(same_n, False, dict)["params"] == {"arch.self_attention": True}


def test_status_json_names_both(tmp_path, monkeypatch):
    from mahm_search.console import status as status_module

    trials = [_trial(0, 48.3, False), _trial(1, 49.9, False), _trial(2, 48.9, True), _trial(3, 49.0, True)]
    study = optuna.create_study(storage=f"sqlite:///{tmp_path}/s.db", study_name="s")
    for t in trials:
        study.add_trial(t)

    class Spec:
        name, storage_url, n_trials, folder = "s", f"sqlite:///{tmp_path}/s.db", 4, tmp_path
        objective = type("O", (), {"metric": "score", "direction": "minimize"})
        search_space = type("S", (), {"readable": staticmethod(dict)})

    monkeypatch.setattr(status_module, "load_study_spec", lambda path: Spec)
    monkeypatch.setattr(status_module, "open_study", lambda spec, create: study)
    status = status_module.study_status("s.yaml")
    assert status["best"]["number"] == 0  # the best single trial, as before
    assert status["best_configuration"]["params"] == {"arch.self_attention": True}
