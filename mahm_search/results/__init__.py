"""What a study found: configurations under one key, their seeds' scores, the best one under one tie
rule, and the intervals and pooled spread behind every number (scipy.stats)."""

from .._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "config_key": "._keys", "trial_key": "._keys", "params_of": "._keys", "is_seed_param": "._keys",
    "ranked": "._ranking", "best_key": "._ranking", "finite_scores": "._ranking",
    "StudyResults": "._study", "Configuration": "._study", "study_trials": "._study", "completed": "._study",
    "primary_value": "._study",
    "ParetoPoint": "._pareto", "pareto_front": "._pareto", "non_dominated": "._pareto", "front_keys": "._pareto",
    "robust_share": "._pareto",
    "Interval": "._stats", "mean_ci": "._stats", "pooled_std": "._stats", "Pooled": "._stats",
    "CONFIDENCE": "._stats", "seed_std": "._stats", "val_se": "._stats", "welch": "._stats", "paired": "._stats",
    "holm": "._stats", "seeds_to_resolve": "._stats", "min_detectable_difference": "._stats",
    "signed": "._stats", "p_text": "._stats",
})
