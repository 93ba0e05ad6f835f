"""Search spaces: list choices round-trip through Optuna as readable strings; `when` conditions."""

from __future__ import annotations

import optuna

from mahm_search.search.choices import encode_choice
from mahm_search.search.space import parse_space


def test_list_choices_are_stored_readably_and_decoded():
    space = parse_space({"arch.cascade_widths": {"choices": [[1024, 512, 256], [64]]}}, "<t>")
    assert encode_choice([1024, 512, 256]) == "1024-512-256"
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen = set()
    for _ in range(8):
        trial = study.ask()
        params = space.suggest(trial, lambda p: None)
        assert params["arch.cascade_widths"] in ([1024, 512, 256], [64])
        assert trial.params["arch.cascade_widths"] in ("1024-512-256", "64")
        seen.add(trial.params["arch.cascade_widths"])
        study.tell(trial, 0.0)
    assert seen == {"1024-512-256", "64"}


def test_condition_activates_a_param_only_when_met():
    space = parse_space({
        "arch.self_attention": {"choices": [True, False]},
        "arch.attention_heads": {"int": [1, 4], "when": {"arch.self_attention": True}},
    }, "<t>")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(10):
        trial = study.ask()
        params = space.suggest(trial, lambda p: None)
        assert ("arch.attention_heads" in params) == params["arch.self_attention"]
        study.tell(trial, 0.0)
