"""report.md and the figures on studies run by the real search (stand-in trainer): intervals,
protocol names, honest findings, importance rule, ablation axis, curve styles, history, convergence."""

from __future__ import annotations

import json

import optuna

from support.study_factory import N_VAL, WIDTHS, lr_trials, make_study
from mahm_search.report.figures.ablation_plot import MIN_SPAN_MM, y_limits
from mahm_search.report.convergence import convergence_table
from mahm_search.report.figures.figures import write_figures
from mahm_search.report.figures.history_plot import plot_history
from mahm_search.report.markdown import write_report
from mahm_search.report.figures.optuna_plots import importance_problem
from mahm_search.report.records.records import trial_records
from mahm_search.results import Interval
from mahm_search.study.record import TrialRecord

DEEPEST = list(WIDTHS)[-1]


def test_trials_keep_their_per_sample_validation_scores(tmp_path):
    make_study(tmp_path, "cascade", repeats=2)
    trials = optuna.load_study(study_name="demo-cascade", storage=f"sqlite:///{tmp_path / 'demo-cascade.db'}").trials
    for t in trials:
        record = TrialRecord.of(t)
        assert len(record.val_scores) == N_VAL
        # the final score is the mean of its samples in the stand-in, so they must agree
        assert abs(sum(record.val_scores) / N_VAL - t.value) < 0.01


def test_one_seed_report_claims_nothing_and_shows_dashes(tmp_path):
    text = write_report(make_study(tmp_path, "cascade")).read_text()
    assert "score = mean(MPJPE, MPVPE), wrist protocol" in text and f"{N_VAL} samples" in text
    best = text.split("## Best configurations")[1].split("## Ablation")[0]
    assert "\u2013" in best and "0.00" not in best  # no "std 0.00" for n=1
    finding = text.split("## Findings")[1]
    assert "is better than" not in finding and "better" not in finding.replace("is better", "")
    assert "inconclusive" in finding and "run >= 2 seeds" in finding


def test_close_configurations_are_inconclusive_with_the_resolvable_difference(tmp_path):
    # self-attention changes the score by 1 mm against 0.4 mm seed noise and a 3.5 mm cascade effect
    # pooled into each level: with 2 seeds the factor comparison cannot be resolved
    text = write_report(make_study(tmp_path, "self_attention", repeats=2)).read_text()
    finding = text.split("## Findings")[1]
    line = next(ln for ln in finding.splitlines() if ln.startswith("- with self-attention vs without self-attention"))
    assert "inconclusive" in line and "this comparison resolves differences >=" in line
    assert "95% CI over trials" in line and "all other factors pooled" in line  # levels pool configurations


def test_importance_rule():
    assert importance_problem(9, 2, [5, 4, 4, 5]) is not None
    assert importance_problem(10, 2, [5, 5, 1, 9]) is not None
    assert importance_problem(10, 1, [5, 5]) is not None
    assert importance_problem(10, 2, [5, 5, 2, 8]) is None


def test_ablation_axis_does_not_magnify_noise():
    rows = [{"scores": [50.0, 50.1], "ci": Interval(50.05, 49.9, 50.2, 2), "val_se": 1.0},
            {"scores": [50.2], "ci": Interval(50.2, None, None, 1), "val_se": 1.0}]
    low, high = y_limits(rows)
    assert high - low >= MIN_SPAN_MM  # 0.3 mm of data is not stretched over the whole panel
    assert low < 49.9 and high > 50.2
    wide = [{"scores": [40.0, 60.0], "ci": Interval(50.0, 30.0, 70.0, 2), "val_se": None}]
    low, high = y_limits(wide)
    assert low <= 30.0 and high >= 70.0  # the CI is never cut off


def test_lines_differing_only_in_lr_look_different(tmp_path):
    study = make_study(tmp_path, "cascade", extra=lr_trials(),
                       plots={"group_by": ["arch.cascade_widths"], "figures": ["curves"]})
    lines = json.loads(write_figures(study, quiet=True).files["curves_json"].read_text())["lines"]
    same_widths = [ln for ln in lines if ln["params"].get("train.lr")]
    assert len(same_widths) == 3 and len({ln["colour_group"] for ln in same_widths}) == 1
    looks = {(ln["colour_group"], ln["style_group"]) for ln in lines}
    assert len(looks) == len(lines)


def test_history_draws_every_trial_with_integer_ticks(tmp_path):
    make_study(tmp_path, "self_attention")  # one trial is pruned (oom) half-way
    records = trial_records(optuna.load_study(study_name="demo-self_attention",
                                              storage=f"sqlite:///{tmp_path / 'demo-self_attention.db'}"))
    pruned = [r.number for r in records if r.state == "PRUNED"]
    assert pruned
    drawn = plot_history(records, tmp_path / "history.png", "t", maximize=False)
    assert drawn == sorted(r.number for r in records)
    import matplotlib.pyplot as plt  # the figure is closed; check the locator on a fresh axis the same way
    from matplotlib.ticker import MaxNLocator
    fig, ax = plt.subplots()
    ax.set_xlim(-0.5, len(records) - 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    assert all(float(t).is_integer() for t in ax.get_xticks())
    plt.close(fig)


def test_convergence_steps_to_the_reference_score(tmp_path):
    study = make_study(tmp_path, "self_attention", repeats=3)
    records = trial_records(optuna.load_study(study_name="demo-self_attention",
                                              storage=f"sqlite:///{tmp_path / 'demo-self_attention.db'}"))
    factors = ["arch.cascade_widths", "arch.self_attention"]
    target, rows = convergence_table(records, factors, maximize=False)
    ref = rows[0]
    assert ref.is_reference and "without self-attention" in ref.configuration and DEEPEST not in ref.configuration
    ref_finals = [r.final for r in records if r.state == "COMPLETE" and not r.params["arch.self_attention"]
                  and r.params["arch.cascade_widths"] != DEEPEST]
    assert abs(target - sum(ref_finals) / len(ref_finals)) < 1e-9
    # self-attention (tau 200 vs 400) reaches the reference's final score in fewer steps, resolved
    fast = next(r for r in rows if r.configuration == "widths 1024-512-256-512-1024, with self-attention")
    assert fast.reached == 3 and fast.steps_vs_ref.known and fast.steps_vs_ref.high < 0
    text = write_report(study).read_text()
    assert "## Convergence and cost" in text and "reaches the target in fewer steps" in text
