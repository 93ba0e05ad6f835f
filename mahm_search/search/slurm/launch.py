"""`mahm-search run STUDY.yaml --slurm "partition=gpu,gpus_per_node=1,timeout_min=1440,array=8"`:
submit the study's workers as a job array through submitit (SLURM's sbatch --array, requeue on
preemption and time limit). Each job is one worker on the study's storage (worker.py), so the
storage must reach every node: PostgreSQL/MySQL, or journal:FILE on a shared filesystem
(`journal_lock: open` on NFS). SQLite on a shared filesystem is risky (its file locks over NFS are
unreliable): allowed, with a warning; an in-memory storage is refused."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from ...errors import ConfigError
from ..preempt import log_event
from .jobs import jobs_file, record_submission
from ...study.slurm_options import SlurmOptions, slurm_options


def submit_study(path, flag: Optional[str] = None, n_trials: Optional[int] = None, overrides=()) -> list:
    """Submit the array; returns submitit's jobs (waited for with `wait: true` or cluster local).
    `overrides`: the command's `--set` lines, applied by every job as by `run`."""
    from ...study.study_spec import load_study_spec

    spec = load_study_spec(path, overrides)
    options = slurm_options(_section(spec), flag, str(spec.path))
    check_storage(spec, options)
    import submitit  # the slurm extra; checked here so a missing one is one line

    from .worker import StudyWorker

    logs = Path(spec.folder) / f"{spec.name}_slurm_logs"
    executor = submitit.AutoExecutor(folder=logs / "%j", cluster=options.cluster,
                                     **{f"{options.cluster}_max_num_timeout": options.max_num_timeout})
    try:
        executor.update_parameters(name=f"mahm-{spec.name}", **options.executor_parameters())
    except (AssertionError, NameError, ValueError, TypeError) as err:
        raise ConfigError([f"{spec.path}: slurm: {' '.join(str(err).split())[:400]}"]) from None
    with executor.batch():
        futures = [executor.submit(StudyWorker(str(spec.path), n_trials, tuple(overrides))) for _ in range(options.array)]
    jobs = list(futures)
    ids = [str(j.job_id) for j in jobs]
    record_submission(spec, ids, options.model_dump(), logs)
    log_event(f"slurm submitted {len(ids)} job(s) {', '.join(ids)} for {spec.path} (logs {logs}; "
              f"listed in {jobs_file(spec)} and by `mahm-search status`)")
    if options.wait if options.wait is not None else options.cluster == "local":
        wait_for(jobs)
    return jobs


def wait_for(jobs: list) -> List[str]:
    """Block until every job ends; one line per job's end."""
    states = []
    for job in jobs:
        try:
            job.result()
            state = "done"
        except Exception as err:  # the job failed: its log holds why
            state = f"failed ({' '.join(str(err).split())[-300:]})"
        log_event(f"slurm job {job.job_id} ended: {state}")
        states.append(state)
    return states


def check_storage(spec, options: SlurmOptions) -> None:
    url = spec.storage_url
    if ":memory:" in url or url in ("sqlite://", "sqlite:///"):
        raise ConfigError([f"{spec.path}: storage: an in-memory storage cannot be shared by the jobs of an "
                           "array; expected postgresql://..., mysql://... or journal:FILE on a shared filesystem"])
    if url.startswith("sqlite") and options.cluster == "slurm":
        log_event(f"warning: {spec.path}: storage {url}: SQLite on a shared filesystem is risky (file locks "
                  "over NFS are unreliable); prefer PostgreSQL, or journal:FILE with journal_lock: open")


def _section(spec):
    section = getattr(spec, "slurm", None)
    return section.model_dump(exclude_unset=True) if section is not None else None
