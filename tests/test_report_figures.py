"""The figures read on their own (audit items M1, M2, M4, M5, M9, L2, L4, L5): what the band is and
what the scores were taken on, a best only when it is resolved, one colour per level in every figure,
one name per factor, every varied factor shown, two-decimal annotations, embeddable and
reproducible PDF/SVG, and a one-line error for a bad --out. Checked on the data the figures are
drawn from and on the files written (SVG keeps its text as text, so the words can be searched)."""

from __future__ import annotations

import json

import matplotlib
import optuna
import pytest
from typer.testing import CliRunner

from support.study_factory import N_VAL, STEPS, WIDTHS, lr_trials, make_study
from mahm_search.cli import app
from mahm_search.report.figures.ablation_plot import MIN_SPAN_MM, level_note, y_limits
from mahm_search.report.figures.curves_plot import band_text, legend_labels
from mahm_search.report.factors import (axis_label, curve_label, level_label, level_tick, short_name)
from mahm_search.report.figures.figures import protocol_text, write_figures
from mahm_search.report.records.records import trial_records
from mahm_search.results import Interval
from mahm_search.report.figures.style import level_colours

DEEPEST = list(WIDTHS)[-1]


def _svg(result, name: str) -> str:
    """The figure's text as drawn: svg.fonttype 'none' keeps every string as a <text> element."""
    return result.files[name].read_text()


def _records(folder, name):
    return trial_records(optuna.load_study(study_name=name, storage=f"sqlite:///{folder / (name + '.db')}"))


# M1: the band's kind, the seeds per line, the validation set and the training length are on the figure


def test_curves_say_what_the_band_is_and_what_the_scores_were_taken_on(tmp_path):
    result = write_figures(make_study(tmp_path, "cascade", repeats=3), fmt="svg", quiet=True)
    assert band_text(result.lines) == "line: mean over its 3 seeds; shaded band: min\u2013max over the seeds"
    protocol = protocol_text(result.records, result.lines)
    assert protocol == (f"synthetic validation set, {N_VAL} samples; {STEPS} training steps per trial; "
                        "3 seeds per configuration")
    for name in ("curves", "curves_time", "ablation"):
        svg = _svg(result, name)
        assert f"{N_VAL} samples" in svg and f"{STEPS} training steps" in svg, name
    assert "shaded band: min\u2013max over the seeds" in _svg(result, "curves")
    assert json.loads(result.files["curves_json"].read_text())["protocol"] == protocol


def test_a_std_band_is_named_as_one(tmp_path):
    result = write_figures(make_study(tmp_path, "cascade", repeats=3, plots={"band": "std"}), fmt="svg", quiet=True)
    assert "mean \u00b1 1 std over the seeds" in band_text(result.lines)
    assert "\u00b1 1 std over the seeds" in _svg(result, "curves")


# M2: a best only when compare() resolves it against every other


def test_one_seed_crowns_nothing(tmp_path):
    result = write_figures(make_study(tmp_path, "self_attention"), fmt="svg", quiet=True)
    leaders = [ln for ln in result.lines if ln["is_leader"]]
    assert len(leaders) == 1 and not any(ln["is_best"] for ln in result.lines)
    assert not any(row["is_best"] for rows in result.ablation.values() for row in rows)
    assert sum(row["is_leader"] for row in result.ablation["arch.cascade_widths"]) == 1
    curves = _svg(result, "curves")
    assert "best mean (not resolved)" in curves and "best:" not in curves and "[best]" not in curves
    ablation = _svg(result, "ablation")
    assert "not resolved" in ablation and "best (resolved)" not in ablation


def test_an_unresolved_leader_with_seeds_is_only_the_highest_mean(tmp_path):
    # 2 seeds: self-attention's 1 mm edge over 0.4 mm seed noise is not resolved, so no line is best
    result = write_figures(make_study(tmp_path, "self_attention", repeats=2), quiet=True)
    leader = next(ln for ln in result.lines if ln["is_leader"])
    assert leader["params"] == {"arch.cascade_widths": DEEPEST, "arch.self_attention": True}
    assert not leader["is_best"]
    assert legend_labels([leader])[0].endswith("\u2014 best mean (not resolved)")
    attention = result.ablation["arch.self_attention"]
    assert [row["is_leader"] for row in attention] == [False, True]
    assert not any(row["is_best"] for row in attention)


def test_a_resolved_best_is_drawn_as_best(tmp_path):
    # 3 seeds, deeper cascades 3.5 mm better against 0.4 mm seed noise: resolved against both others
    result = write_figures(make_study(tmp_path, "cascade", repeats=3), fmt="svg", quiet=True)
    best = [ln for ln in result.lines if ln["is_best"]]
    assert [ln["params"]["arch.cascade_widths"] for ln in best] == [DEEPEST]
    rows = result.ablation["arch.cascade_widths"]
    assert [row["is_best"] for row in rows] == [False, False, True]
    assert "best: better than every other line" in _svg(result, "curves")
    assert "best (resolved)" in _svg(result, "ablation")


# M4: one colour per level, the same in curves, ablation and history; best is not a hue


def test_one_colour_per_level_in_every_figure(tmp_path):
    result = write_figures(make_study(tmp_path, "self_attention", repeats=2), fmt="svg", quiet=True)
    by_level = {row["value"]: row["colour"] for row in result.ablation["arch.cascade_widths"]}
    assert len(set(by_level.values())) == len(by_level) and None not in by_level.values()
    for line in result.lines:  # the colouring factor (the first varied: widths) gives the line's colour
        assert line["colour"] == by_level[line["params"]["arch.cascade_widths"]], line["label"]
    # levels of a factor that does not colour the curves are not given those colours
    assert all(row["colour"] is None for row in result.ablation["arch.self_attention"])
    for name in ("curves", "ablation", "history"):
        svg = _svg(result, name).lower()
        assert all(colour in svg for colour in by_level.values()), name
    assert "#d62728" not in _svg(result, "ablation").lower()  # no red "best" hue


def test_level_colours_follow_the_level_order_not_the_trial_order():
    levels = ["256-128-256", "256", "512-256-128-64-128-256-512", "256-128-64-128-256"]
    assert level_colours(levels) == level_colours(list(reversed(levels)))
    assert list(level_colours(levels)) == [repr(v) for v in ("256", "256-128-256", "256-128-64-128-256",
                                                              "512-256-128-64-128-256-512")]
    assert all(c.lower() not in ("#d62728", "#7f7f7f") for c in level_colours(range(8)).values())


# M5: one display name per factor


def test_one_name_per_factor_and_flags_read_with_or_without():
    assert short_name("arch.cascade_widths") == "widths"
    assert short_name("arch.self_attention") == "self-attention"
    assert level_label("arch.self_attention", True) == "with self-attention"
    assert level_label("arch.self_attention", False) == "without self-attention"
    assert level_label("arch.cascade_widths", "256-128-256") == "widths 256-128-256"
    assert level_tick("arch.cascade_widths", "256") == "256"
    assert axis_label("arch.cascade_widths") == "widths (channels of each MAHM stage, in order)"
    # Figure 2's label template reads the same as the legend without a template
    assert curve_label({"arch.self_attention": True}, ["arch.self_attention"],
                       "self-attention {arch.self_attention}") == "with self-attention"
    assert curve_label({"arch.self_attention": False}, ["arch.self_attention"],
                       "self-attn={arch.self_attention}") == "without self-attention"


def test_figures_use_the_display_names_and_explain_widths(tmp_path):
    result = write_figures(make_study(tmp_path, "self_attention"), fmt="svg", quiet=True)
    ablation = _svg(result, "ablation")
    assert "arch.cascade_widths" not in ablation  # titles and ticks use the display names
    assert "widths (channels of each MAHM stage, in order)" in ablation  # the x label
    assert ">without self-attention<" in ablation and ">with self-attention<" in ablation
    assert ">True<" not in ablation and ">False<" not in ablation
    curves = _svg(result, "curves")
    assert "widths: channels of each MAHM stage, in order" in curves
    assert [row["tick"] for row in result.ablation["arch.self_attention"]] == ["without self-attention",
                                                                               "with self-attention"]


# M9: a factor outside the label template is shown, and the ablation covers every varied factor


def test_a_label_names_every_varied_factor_its_template_leaves_out():
    # quickstart: "widths 64" and "widths 128-64-128" also differ in lr; no collision, so no other rule adds it
    factors = ["arch.cascade_widths", "train.lr"]
    assert curve_label({"arch.cascade_widths": "64", "train.lr": 0.00133}, factors,
                       "widths {arch.cascade_widths}") == "widths 64 (lr 0.00133)"
    assert curve_label({"arch.cascade_widths": "64", "train.lr": 0.00133}, factors) == "widths 64, lr 0.00133"


def test_a_factor_outside_the_template_is_in_the_labels_and_the_ablation(tmp_path):
    plots = {"group_by": ["arch.cascade_widths"], "label": "widths {arch.cascade_widths}"}
    result = write_figures(make_study(tmp_path, "cascade", extra=lr_trials(), plots=plots), fmt="svg", quiet=True)
    labels = sorted(ln["label"] for ln in result.lines if "train.lr" in ln["params"])
    assert labels == ["widths 512-256-512 (lr 0.0001)", "widths 512-256-512 (lr 0.001)",
                      "widths 512-256-512 (lr 0.01)"]
    # group_by only colours: the ablation still has the lr panel, after the grouping factor
    assert list(result.ablation) == ["arch.cascade_widths", "train.lr"]
    assert "lr (learning rate)" in _svg(result, "ablation")
    assert all(row["colour"] is None for row in result.ablation["train.lr"])


# L2: two decimals with the unit; the y span comes from the CIs, not 4x the per-trial val SE


def test_ablation_annotations_have_two_decimals_and_the_unit():
    row = {"mean": 48.8612, "n": 4, "ci": Interval(48.86, 47.95, 49.77, 4), "is_leader": True, "is_best": False}
    assert level_note(row) == "48.86 mm\nn=4\nbest mean,\nnot resolved"
    one = {"mean": 49.0, "n": 1, "ci": Interval(49.0, None, None, 1)}
    assert level_note(one) == "49.00 mm\nn=1, no CI"


def test_ablation_span_is_padded_from_the_cis_not_the_validation_noise():
    # the quickstart's case: two single trials at 51.5 and 52.2 mm with val SE 4 mm gave a 35-69 mm axis
    rows = [{"scores": [51.47], "ci": Interval(51.47, None, None, 1), "val_se": 4.0},
            {"scores": [52.20], "ci": Interval(52.20, None, None, 1), "val_se": 4.0}]
    low, high = y_limits(rows)
    assert low < 51.47 and high > 52.20 and high - low == pytest.approx(MIN_SPAN_MM)
    wide = [{"scores": [48.1, 49.6], "ci": Interval(48.9, 47.95, 49.77, 4), "val_se": 1.4}]
    low, high = y_limits(wide)
    assert low < 47.95 and high > 49.77 and high - low < 2.5  # padded by a tenth of the CI span


# L4: embeddable fonts, text kept as text, reproducible files


def test_pdf_fonts_are_truetype_and_files_are_reproducible(tmp_path):
    assert matplotlib.rcParams["pdf.fonttype"] == 42 and matplotlib.rcParams["svg.fonttype"] == "none"
    study = make_study(tmp_path, "cascade", repeats=3)
    first = write_figures(study, out=tmp_path / "a", fmt="pdf", quiet=True)
    second = write_figures(study, out=tmp_path / "b", fmt="pdf", quiet=True)
    for name in ("curves", "curves_time", "ablation", "history"):
        data = first.files[name].read_bytes()
        assert data == second.files[name].read_bytes(), name
        assert b"/CreationDate" not in data and b"/FontFile2" in data and b"/Type3" not in data, name
    svg_a = write_figures(study, out=tmp_path / "sa", fmt="svg", quiet=True).files["ablation"].read_bytes()
    svg_b = write_figures(study, out=tmp_path / "sb", fmt="svg", quiet=True).files["ablation"].read_bytes()
    assert svg_a == svg_b and b"<dc:date>" not in svg_a and b"<text" in svg_a


# L5: --out naming a file is one line and exit 2


@pytest.mark.parametrize("command", ["plot", "report"])
def test_out_naming_a_file_is_a_one_line_error(tmp_path, command):
    study = make_study(tmp_path, "cascade")
    for out in (study, study / "inside"):
        res = CliRunner().invoke(app, [command, str(study), "--out", str(out)])
        assert res.exit_code == 2, res.output
        lines = [ln for ln in res.output.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: --out ") and "Traceback" not in res.output
        assert "not a folder" in lines[0] or "which is a file" in lines[0]


def test_write_figures_refuses_a_file_as_out_folder(tmp_path):
    from mahm_search.errors import ConfigError

    study = make_study(tmp_path, "cascade")
    with pytest.raises(ConfigError, match="exists and is not a folder"):
        write_figures(study, out=study, quiet=True)
