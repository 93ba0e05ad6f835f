"""The jobs a study submitted, kept next to it (`<study folder>/<name>_slurm.json`, written atomically)
so that `status` lists them: each submission's job ids, options, time and log folder."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, List

from ...files import atomic_write


def jobs_file(spec) -> Path:
    return Path(spec.folder) / f"{spec.name}_slurm.json"


def read_jobs(spec) -> List[Dict[str, Any]]:
    try:
        return list(json.loads(jobs_file(spec).read_text()).get("submissions", []))
    except (OSError, ValueError):
        return []


def record_submission(spec, job_ids: List[str], options: Dict[str, Any], logs: Path) -> None:
    submissions = read_jobs(spec) + [{"at": time.strftime("%Y-%m-%d %H:%M:%S"), "job_ids": job_ids,
                                      "options": options, "logs": str(logs)}]
    text = json.dumps({"submissions": submissions}, indent=1)
    atomic_write(jobs_file(spec), lambda f: f.write(text.encode()))


def job_lines(spec) -> List[str]:
    """status: one line per submission, with the jobs' states where SLURM's sacct answers."""
    lines = []
    for sub in read_jobs(spec):
        states = _states(sub) if sub.get("options", {}).get("cluster", "slurm") == "slurm" else {}
        shown = ", ".join(f"{j} {states[j]}" if j in states else j for j in sub["job_ids"])
        lines.append(f"slurm jobs submitted {sub['at']}: {shown} (logs {sub['logs']})")
    return lines


def _states(sub: Dict[str, Any]) -> Dict[str, str]:
    try:
        import submitit

        return {j: submitit.SlurmJob(sub["logs"], j).state for j in sub["job_ids"]}
    except Exception:  # no sacct here (status run off the cluster), or submitit not installed
        return {}
