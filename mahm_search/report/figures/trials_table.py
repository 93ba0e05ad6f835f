"""trials.csv: one row per trial with its state, params, scores (and its data's blind baseline: the
training set's mean hand, train/blind/blind.py), steps, memory, how it ended, the code that ran it and when."""

from __future__ import annotations

import pandas as pd

from ..records.records import StudyTrial

ATTR_COLUMNS = ("steps_done", "wall_time_s", "params_count", "memory_budget_bytes", "memory_original_estimate_bytes",
                "memory_estimate_bytes", "memory_estimate_tensor_bytes", "memory_method", "memory_peak_bytes",
                "data_wait_share", "rescue", "prune_reason", "error", "code_version")


def trials_frame(records: list[StudyTrial]) -> pd.DataFrame:
    rows = []
    for r in records:
        row = {"number": r.number, "state": r.state, "config_key": r.config_key, "repeat": r.repeat,
               "seed": r.seed}
        row.update({f"param:{k}": v for k, v in r.params.items()})
        row.update({"final_score": r.final, "best_score": r.best,
                    "last_step": r.steps[-1] if r.steps else None, "n_evals": len(r.steps),
                    "pa_mpjpe": r.record.final_metrics.get("pa_mpjpe")})
        blind = (r.record.blind or {}).get("metrics") or {}
        row.update({"blind_score": blind.get("score"), "blind_pa_mpjpe": blind.get("pa_mpjpe")})
        row.update({k: r.record.get(k) for k in ATTR_COLUMNS})
        row.update({"datetime_start": r.started.isoformat() if r.started else None,
                    "datetime_complete": r.completed.isoformat() if r.completed else None})
        if row["steps_done"] is None:
            row["steps_done"] = row["last_step"]
        rows.append(row)
    frame = pd.DataFrame(rows)
    # params first after the identity columns, in a stable order whatever the trials' order
    params = sorted(c for c in frame.columns if c.startswith("param:"))
    head = ["number", "state", "config_key", "repeat", "seed"]
    return frame[head + params + [c for c in frame.columns if c not in head and c not in params]]
