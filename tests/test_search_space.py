"""Search spaces: list choices round-trip through Optuna as readable strings; `when` conditions."""

from __future__ import annotations

import optuna

from mahm_search.study.choices import encode_choice
from mahm_search.study.space import parse_space


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


def test_assignments_list_what_the_sampler_can_propose_with_conditions():
    space = parse_space({
        "arch.self_attention": {"choices": [True, False]},
        "arch.attention_heads": {"int": [1, 4], "step": 3, "when": {"arch.self_attention": True}},
    }, "<t>")
    got = space.assignments(lambda p: None)
    assert got == [{"arch.self_attention": True, "arch.attention_heads": 1},
                   {"arch.self_attention": True, "arch.attention_heads": 4},
                   {"arch.self_attention": False}]
    # the same dicts as Optuna stores a trial's params, so a study can tell what it has tried
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(8):
        trial = study.ask()
        space.suggest(trial, lambda p: None)
        assert trial.params in got
        study.tell(trial, 0.0)


def test_assignments_of_an_endless_or_huge_space_are_unknown():
    assert parse_space({"train.lr": {"float": [1e-4, 1e-2], "log": True}}, "<t>").assignments(lambda p: None) is None
    many = parse_space({f"train.{k}": {"choices": list(range(10))}
                        for k in ("lr", "weight_decay", "batch_size", "steps")}, "<t>")
    assert many.assignments(lambda p: None, limit=1000) is None
