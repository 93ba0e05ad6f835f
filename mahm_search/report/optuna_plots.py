"""history.png and importance.png, drawn by Optuna's own matplotlib plots (not redone here)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Optional

import matplotlib
import matplotlib.pyplot as plt
import optuna
from optuna.visualization import matplotlib as optuna_mpl

from .style import DPI, FIGSIZE, score_label


def _save(ax, path: Path, title: str) -> None:
    fig = ax.figure
    fig.set_size_inches(*FIGSIZE)
    fig.set_dpi(DPI)
    ax.set_title("", loc="left")  # Optuna's own title sits there and would overlap ours
    ax.set_title(title)
    fig.set_layout_engine("constrained")
    fig.savefig(path)
    plt.close(fig)


def plot_history(study: optuna.Study, path: Path, title: str, maximize: bool) -> None:
    # rc_context: Optuna switches matplotlib to its ggplot style globally; keep that to its figures
    with warnings.catch_warnings(), matplotlib.rc_context():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        ax = optuna_mpl.plot_optimization_history(study, target_name="final validation score (mm)")
        ax.set_xlabel("trial number")
        ax.set_ylabel(score_label(maximize, "final validation score"))
        ax.legend(loc="best", fontsize=9)
        _save(ax, path, title)


def plot_importance(study: optuna.Study, path: Path, title: str, n_varied: int) -> Optional[str]:
    """Draw parameter importances; return a note instead when there is too little to rank."""
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if n_varied < 2 or len(complete) < 2:
        return (f"importance.png skipped: needs at least 2 varied params and 2 complete trials "
                f"(have {n_varied} and {len(complete)})")
    with warnings.catch_warnings(), matplotlib.rc_context():
        warnings.simplefilter("ignore")
        try:
            ax = optuna_mpl.plot_param_importances(study, target_name="final validation score")
        except (RuntimeError, ValueError, ZeroDivisionError) as err:
            return f"importance.png skipped: Optuna could not rank the params ({err})"
        ax.set_xlabel("importance for the final validation score (share, sums to 1)")
        _save(ax, path, title)
    return None
