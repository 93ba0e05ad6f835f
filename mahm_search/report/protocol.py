"""What a printed score is: the metric, its evaluation protocol and the validation set it was taken on.

Every table, figure axis and finding names it, because numbers from different protocols (or a
different validation set) are not comparable (metrics/metrics.py documents the protocols).
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


HAND_TYPE_TEXT = {"interacting": "interacting-hand frames", "single": "single-hand frames",
                  "all": "frames of every hand type"}


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def interhand_selection(ih: dict) -> list[str]:
    """The InterHand2.6M validation samples a run keeps (data/interhand/interhand_index.py), in words: the
    hand types with the MANO-fit requirement (build_index(require_mano=True): the official MPJPE also
    counts samples without a fit), captures, stride, fraction and the sample cap."""
    hand_type = ih.get("hand_type") or "interacting"
    parts = [f"{HAND_TYPE_TEXT.get(hand_type, f'hand_type {hand_type}')} with MANO fits"]
    captures = ih.get("captures")
    if captures is not None:
        parts.append(f"capture{'s' if len(captures) != 1 else ''} {', '.join(str(c) for c in captures)}")
    stride = int(ih.get("stride") or 1)
    if stride > 1:
        parts.append(f"every {_ordinal(stride)} frame")
    fraction = ih.get("fraction")
    if fraction is not None and float(fraction) < 1:
        parts.append(f"{float(fraction) * 100:.3g}% of frames")
    limit = ih.get("max_val")
    if limit:
        parts.append(f"{limit} of those samples, evenly spaced")
    return parts


def val_set_text(config: Optional[dict]) -> str:
    """'synthetic validation set, 32 samples' from a trial's config, as far as it says. For
    InterHand2.6M the split and the selection made from it ('InterHand2.6M val split: interacting-hand
    frames with MANO fits, capture 0, every 5th frame, 10% of frames; not the full split'): scores on
    a selection are not comparable with scores on the full official split."""
    data = (config or {}).get("data") or {}
    if data.get("source") == "interhand":
        ih = data.get("interhand") or {}
        return f"InterHand2.6M {ih.get('val_split', 'val')} split: {', '.join(interhand_selection(ih))}; " \
               "not the full split"
    n_val = (data.get("synthetic") or {}).get("n_val")
    return f"synthetic validation set, {n_val} samples" if n_val else "validation set"
