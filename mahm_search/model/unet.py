"""U-net skips of the MAHM cascade: stages of equal width mirrored around the narrowest one."""

from __future__ import annotations

from typing import Dict, Sequence


def unet_skip_sources(widths: Sequence[int]) -> Dict[int, int]:
    """{target stage: source stage} for every mirrored pair (i, 2m - i) of equal width, m = the first
    narrowest stage. [1024, 512, 256, 128, 256, 512, 1024] -> {4: 2, 5: 1, 6: 0}."""
    if not widths:
        return {}
    m = min(range(len(widths)), key=lambda i: widths[i])
    skips = {}
    for i in range(m):
        j = 2 * m - i
        if j < len(widths) and widths[j] == widths[i]:
            skips[j] = i
    return skips
