"""What a printed score is: the metric, its evaluation protocol and the validation set it was taken on.

Every table, figure axis and finding names it, because numbers from different protocols (or a
different validation set) are not comparable (train/metrics.py documents the protocols).
"""

from __future__ import annotations

from typing import Optional

METRIC_TEXT = {
    "score": "score = mean(MPJPE, MPVPE), wrist protocol (MPJPE as InterHand2.6M, MPVPE as InterWild), mm",
    "mpjpe": "MPJPE, wrist protocol (InterHand2.6M: per joint, then over joints), mm",
    "mpvpe": "MPVPE, wrist protocol (InterWild), mm",
    "pa_mpjpe": "PA-MPJPE, wrist protocol (each hand similarity-aligned), mm",
    "mrrpe": "MRRPE (InterHand2.6M), mm",
}
SHORT_TEXT = {"score": "score (mean of MPJPE, MPVPE; wrist protocol)", "mpjpe": "MPJPE (wrist protocol)",
              "mpvpe": "MPVPE (wrist protocol)", "pa_mpjpe": "PA-MPJPE (wrist protocol)", "mrrpe": "MRRPE"}


def metric_text(metric: str) -> str:
    return METRIC_TEXT.get(metric, f"{metric}, mm")


def short_metric(metric: str) -> str:
    """For axis labels, where the full text does not fit."""
    return SHORT_TEXT.get(metric, metric)


def val_set_text(config: Optional[dict]) -> str:
    """'synthetic validation set, 32 samples' from a trial's config, as far as it says."""
    data = (config or {}).get("data") or {}
    if data.get("source") == "interhand":
        ih = data.get("interhand") or {}
        limit = ih.get("max_val")
        return f"InterHand2.6M {ih.get('val_split', 'val')} split" + (f", first {limit} samples" if limit else "")
    n_val = (data.get("synthetic") or {}).get("n_val")
    return f"synthetic validation set, {n_val} samples" if n_val else "validation set"
