"""importance.png, drawn by Optuna's own matplotlib plot (fANOVA importances), only with enough trials."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Optional

import matplotlib
import matplotlib.pyplot as plt
import optuna
from optuna.visualization import matplotlib as optuna_mpl

from .style import DPI, FIGSIZE, save_figure


def _save(ax, path: Path, title: str) -> None:
    fig = ax.figure
    fig.set_size_inches(*FIGSIZE)
    fig.set_dpi(DPI)
    ax.set_title("", loc="left")  # Optuna's own title sits there and would overlap ours
    ax.set_title(title)
    fig.set_layout_engine("constrained")
    save_figure(fig, path)
    plt.close(fig)


# An importance ranking from a few trials is noise. Drawn only when both hold:
MIN_COMPLETE = 10  # completed trials in all
MIN_PER_LEVEL = 2  # completed trials at every level of every varied factor (ablation levels)
IMPORTANCE_RULE = (f"importance is drawn only with >= 2 varied params, >= {MIN_COMPLETE} completed trials "
                   f"and >= {MIN_PER_LEVEL} completed trials at every level of every varied param")


def importance_problem(n_complete: int, n_varied: int, level_counts: list[int]) -> Optional[str]:
    if n_varied < 2 or n_complete < MIN_COMPLETE or min(level_counts, default=0) < MIN_PER_LEVEL:
        return (f"importance.png skipped: {IMPORTANCE_RULE} (have {n_varied} varied, {n_complete} completed, "
                f"fewest at one level {min(level_counts, default=0)})")
    return None


def plot_importance(study: optuna.Study, path: Path, title: str, n_varied: int,
                    level_counts: list[int]) -> Optional[str]:
    """Draw parameter importances; return a note instead when there is too little to rank."""
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    problem = importance_problem(len(complete), n_varied, level_counts)
    if problem:
        return problem
    with warnings.catch_warnings(), matplotlib.rc_context():
        warnings.simplefilter("ignore")
        try:
            # a multi-objective study: importance for the score, its first value
            target = (lambda t: t.values[0]) if len(study.directions) > 1 else None
            ax = optuna_mpl.plot_param_importances(study, target=target, target_name="final validation score")
        except (RuntimeError, ValueError, ZeroDivisionError) as err:
            return f"importance.png skipped: Optuna could not rank the params ({err})"
        ax.set_xlabel(f"importance for the final validation score (share, sums to 1; n={len(complete)} trials)")
        _save(ax, path, title)
    return None
