"""The worked example (examples/mahm_lab_plugins) as if pip-installed: its package on sys.path and its
entry points (read from its own setup.cfg) in a dist-info folder importlib.metadata finds there."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mahm_lab_plugins"


def install_example(site: Path, monkeypatch) -> None:
    cfg = configparser.ConfigParser()
    cfg.read(EXAMPLE / "setup.cfg")
    lines = []
    for group, text in cfg["options.entry_points"].items():
        lines.append(f"[{group}]")
        lines += [line.strip() for line in text.strip().splitlines() if line.strip()]
    info = site / "mahm_lab_plugins-0.1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mahm-lab-plugins\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(EXAMPLE))
    for name in [m for m in sys.modules if m.startswith("mahm_lab_plugins")]:
        monkeypatch.delitem(sys.modules, name)
