"""SLURM job arrays through submitit: each job one worker of the study, requeued on preemption and
time limit with its trial resumed from the checkpoint (launch.py, worker.py, jobs.py)."""

from .jobs import job_lines, jobs_file, read_jobs
from ...study.slurm_options import SlurmOptions, parse_option_string, slurm_options

__all__ = ["SlurmOptions", "job_lines", "jobs_file", "parse_option_string", "read_jobs", "slurm_options",
           "submit_study"]


def submit_study(*args, **kwargs):
    """launch.submit_study (imported on use: submitit is an optional extra)."""
    from .launch import submit_study as submit

    return submit(*args, **kwargs)
