"""report/: figures, trials.csv, curves.json and report.md from real (synthetic) Optuna studies."""

from __future__ import annotations

import json

import optuna
import pandas as pd
import pytest
import yaml
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

from support.study_factory import WIDTHS as DEMO_WIDTHS, make_study
from mahm_search.report.errors import EmptyStudyError
from mahm_search.report.figures.figures import write_figures
from mahm_search.report.markdown import write_report
from mahm_search.report.figures.style import wants_log_scale

WIDTHS = "1024-512-256-128-256-512-1024"


def _extra(state, values, **attrs):
    """A trial of a configuration the study has not trained (a configuration is its params: the lr
    tells it from the study's own)."""
    params = {"arch.cascade_widths": WIDTHS, "arch.self_attention": True, "train.lr": 0.01}
    dists = {"arch.cascade_widths": CategoricalDistribution(["1024-512-256-512-1024", WIDTHS]),
             "arch.self_attention": CategoricalDistribution([False, True]),
             "train.lr": FloatDistribution(1e-4, 0.1, log=True)}
    return create_trial(state=state, params=params, distributions=dists, intermediate_values=values,
                        user_attrs=attrs)


def _lines(result):
    return json.loads(result.files["curves_json"].read_text())["lines"]


def test_figure2_study_writes_every_file_with_reasons(tmp_path):
    study = make_study(tmp_path, "self_attention")
    result = write_figures(study)
    assert result.out == tmp_path / "demo-self_attention-report"
    for name in ("curves.png", "curves_time.png", "ablation.png", "history.png", "trials.csv", "curves.json"):
        assert (result.out / name).stat().st_size > 0, name
    # 3 completed trials: too few to rank importances, and the note says by which rule
    assert "importance" not in result.files
    assert any(">= 10 completed trials" in note for note in result.notes)
    trials = pd.read_csv(result.out / "trials.csv")
    assert len(trials) == 4
    assert sorted(trials["state"]) == ["COMPLETE", "COMPLETE", "COMPLETE", "PRUNED"]
    assert trials.loc[trials["state"] == "PRUNED", "prune_reason"].tolist() == ["oom"]
    assert {"param:arch.cascade_widths", "final_score", "best_score", "memory_estimate_bytes",
            "memory_peak_bytes", "rescue", "steps_done", "error"} <= set(trials.columns)
    lines = _lines(result)
    assert len(lines) == 4
    ended = [ln for ln in lines if ln["end_marker"]]
    assert [(ln["end_marker"], len(ln["steps"]), ln["steps"][-1]) for ln in ended] == [("oom", 10, 1000)]
    assert all(len(ln["steps"]) == 20 for ln in lines if not ln["end_marker"])
    # one seed per configuration: the best mean leads, but nothing is resolved, so nothing is crowned
    leader = [ln for ln in lines if ln["is_leader"]]
    assert len(leader) == 1 and leader[0]["label"] == f"widths {WIDTHS}, without self-attention"
    assert not any(ln["is_best"] for ln in lines)


def test_repeats_give_one_mean_line_and_band_per_configuration(tmp_path):
    study = make_study(tmp_path, "self_attention", repeats=3, plots={"band": "std", "smoothing": 0.5})
    result = write_figures(study)
    assert len(pd.read_csv(result.out / "trials.csv")) == 12
    lines = _lines(result)
    assert len(lines) == 4 and all(ln["repeats"] == 3 for ln in lines)
    for ln in lines:
        assert len(ln["band_low"]) == len(ln["values"]) == len(ln["steps"]) == len(ln["smoothed"]) == 20
        assert all(lo <= v <= hi for lo, v, hi in zip(ln["band_low"], ln["values"], ln["band_high"]))
    died = [m for ln in lines for m in ln["end_markers"]]
    assert [(m["reason"], m["step"]) for m in died] == [("oom", 1000)]
    widths = result.ablation["arch.cascade_widths"]
    assert [row["n"] for row in widths] == [6, 5]  # the pruned repeat is not a final score


def test_running_and_failed_trials(tmp_path):
    extra = (_extra(TrialState.RUNNING, {100: 90.0, 200: 70.0}),
             _extra(TrialState.FAIL, {}, error="RuntimeError: boom"))
    result = write_figures(make_study(tmp_path, "self_attention", extra=extra))
    trials = pd.read_csv(result.out / "trials.csv")
    assert trials["state"].tolist()[-2:] == ["RUNNING", "FAIL"]
    assert trials["error"].iloc[-1] == "RuntimeError: boom"
    running = [ln for ln in _lines(result) if ln["end_marker"] == "running"]
    assert len(running) == 1 and running[0]["steps"] == [100, 200]


def test_plots_section_label_and_top_k(tmp_path):
    plots = {"label": "{arch.cascade_widths}, self-attn={arch.self_attention}", "top_k": 2,
             "figures": ["curves"]}
    result = write_figures(make_study(tmp_path, "self_attention", plots=plots))
    labels = sorted(ln["label"] for ln in _lines(result))
    # the two best completed configurations; the one that died of memory ranks after them
    # a yes/no field reads "with/without <name>", taking the name written before it along
    assert labels == [f"{WIDTHS}, without self-attention",
                      "1024-512-256-512-1024, with self-attention (rescued: checkpointing=stages)"]
    assert set(result.files) == {"curves", "curves_time", "curves_json", "trials"}


def test_importance_skipped_with_one_factor(tmp_path):
    result = write_figures(make_study(tmp_path, "cascade"), fmt="svg")
    assert "importance" not in result.files and any("importance" in n for n in result.notes)
    assert result.files["curves"].suffix == ".svg"


def test_report_md_tables_and_findings(tmp_path):
    path = write_report(make_study(tmp_path, "cascade", repeats=3))
    text = path.read_text()
    for needle in ("## Settings", "## Best configurations", "### widths (`arch.cascade_widths`)", "**", "](curves.png)",
                   "## Findings", "n=3", "95% CI", "val SE"):
        assert needle in text, needle
    # deeper cascades score ~3.5 mm lower with 0.4 mm seed noise: resolved, over seeds and paired
    finding = text.split("## Findings")[1]
    assert f"widths {WIDTHS} is better than widths 512-256-512" in finding  # the best against each runner-up
    assert f"widths {WIDTHS} is better than widths 1024-512-256-512-1024" in finding
    assert "; resolved against every other configuration below." in finding  # the leader, crowned only now
    assert "Welch, n=3 vs 3" in finding and "paired over 32 validation samples" in finding


def test_empty_study_is_a_clear_error(tmp_path):
    study = make_study(tmp_path, "cascade")
    spec = yaml.safe_load(study.read_text())
    spec["name"] = "empty"
    spec["storage"] = "sqlite:///demo-cascade.db"
    empty = tmp_path / "empty.yaml"
    empty.write_text(yaml.safe_dump(spec))
    optuna.create_study(study_name="empty", storage=f"sqlite:///{tmp_path / 'demo-cascade.db'}")
    with pytest.raises(EmptyStudyError, match="no finished trials"):
        write_figures(empty)


def test_log_scale_only_for_wide_ranges():
    assert not wants_log_scale([45.0, 120.0])
    assert wants_log_scale([45.0, 5000.0])


def test_continuous_factor_is_cut_into_quartiles(tmp_path):
    from optuna.distributions import FloatDistribution

    extra = tuple(create_trial(
        state=TrialState.COMPLETE, value=50.0 + i, intermediate_values={100: 60.0 + i, 200: 50.0 + i},
        params={"arch.cascade_widths": "512-256-512", "train.lr": 1e-4 * (i + 1)},
        distributions={"arch.cascade_widths": CategoricalDistribution(list(DEMO_WIDTHS)),
                       "train.lr": FloatDistribution(1e-4, 1e-2, log=True)}) for i in range(12))
    study = make_study(tmp_path, "cascade", extra=extra, plots={"figures": ["ablation"]})
    result = write_figures(study, quiet=True)
    rows = result.ablation["train.lr"]
    assert len(rows) == 4 and sum(row["n"] for row in rows) == 12
    assert rows[0]["is_best"]  # the smallest lr values score lowest here


def test_a_rescued_configuration_says_so_in_its_legend(tmp_path):
    # Figure 2's point: the self-attention models only fit by a rescue, and the reader must see that.
    result = write_figures(make_study(tmp_path, "self_attention"))
    for line in _lines(result):
        rescued = line["label"].endswith(" (rescued: checkpointing=stages)")
        assert rescued == line["params"]["arch.self_attention"], line["label"]


def test_configurations_a_label_template_leaves_alike_are_told_apart(tmp_path):
    # A template naming only the widths would give self-attention on and off the same legend entry.
    result = write_figures(make_study(tmp_path, "self_attention", plots={"label": "{arch.cascade_widths}",
                                                                              "figures": ["curves"]}))
    lines = _lines(result)
    labels = [ln["label"] for ln in lines]
    assert len(set(labels)) == len(labels), labels
    for line in lines:
        attn = "with self-attention" if line["params"]["arch.self_attention"] else "without self-attention"
        assert line["label"].startswith(f"{line['params']['arch.cascade_widths']} ("), line["label"]
        assert attn in line["label"], line["label"]


def test_report_settings_show_the_memory_budget_applied(tmp_path):
    text = write_report(make_study(tmp_path, "cascade", memory=None)).read_text()
    settings = text.split("## Settings")[1].split("## Best")[0]
    assert "memory: null" not in settings
    assert "memory: default (" in settings and "GiB)" in settings


def test_a_comparison_is_stated_once(tmp_path):
    # With one varied factor its levels are the configurations: the best-vs-second finding and the
    # factor's finding compare the same trials and must not both be printed.
    text = write_report(make_study(tmp_path, "two_cascades", repeats=2)).read_text()
    findings = [ln for ln in text.split("## Findings")[1].splitlines() if " minus " in ln]
    payloads = [ln.split(" minus ", 1)[1].split(":", 1)[1] for ln in findings]
    assert findings and len(payloads) == len(set(payloads)), findings


def test_cascade_levels_are_ordered_by_depth_a_single_stage_first():
    from mahm_search.report.factors import level_sort_key

    levels = ["256-128-256", "512-256-128-64-128-256-512", "256", "256-128-64-128-256"]
    assert sorted(levels, key=level_sort_key) == ["256", "256-128-256", "256-128-64-128-256",
                                                   "512-256-128-64-128-256-512"]


def test_history_with_seeds_follows_the_best_configuration_mean_not_a_lucky_seed():
    from types import SimpleNamespace

    from mahm_search.report.figures.history_plot import best_mean_so_far

    def trial(number, key, final):
        return SimpleNamespace(number=number, config_key=key, final=final, state="COMPLETE")

    # b's first seed is the best single trial (40), but a's mean stays better once b's second seed lands
    trials = [trial(0, "a", 45.0), trial(1, "b", 40.0), trial(2, "a", 45.2), trial(3, "b", 52.0)]
    xs, ys = best_mean_so_far(trials, maximize=False)
    assert xs == [0, 1, 2, 3] and ys == [45.0, 40.0, 40.0, 45.1]


def test_a_study_name_the_storage_lacks_names_the_ones_it_holds(tmp_path):
    from mahm_search.study.storage import StudyStorageError

    study = make_study(tmp_path, "cascade")
    spec = yaml.safe_load(study.read_text())
    spec["name"], spec["storage"] = "demo-cascde", "sqlite:///demo-cascade.db"  # a typo in name:
    typo = tmp_path / "typo.yaml"
    typo.write_text(yaml.safe_dump(spec))
    with pytest.raises(StudyStorageError, match=r"holds no study named 'demo-cascde' \(it holds 'demo-cascade': "
                                                r"is `name:` in the study file right\?\)"):
        write_figures(typo)
