"""What `--slurm "partition=gpu,gpus_per_node=1,timeout_min=1440,array=8"` or a study's `slurm:`
section asks for: `array` jobs (each one worker), optional `array_parallelism`, `cluster` (slurm;
`local` runs the jobs on this machine through submitit's LocalExecutor, for a try-out), `wait` (stay
until the jobs end), `max_num_timeout` (requeues after a time limit), and submitit's own parameters: its shared ones (timeout_min, gpus_per_node,
cpus_per_task, mem_gb, nodes, tasks_per_node, name) and any SLURM one (partition, account, qos,
constraint, signal_delay_s, additional_parameters ...), which submitit checks itself."""

from __future__ import annotations

from typing import Any, Dict, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ConfigError, parse_model

SHARED = ("name", "timeout_min", "mem_gb", "nodes", "cpus_per_task", "gpus_per_node", "tasks_per_node",
          "stderr_to_stdout")


class SlurmOptions(BaseModel):
    model_config = ConfigDict(extra="allow")  # the cluster's own parameters, checked by submitit

    array: int = Field(1, ge=1, le=10000)  # jobs in the array, one worker each
    array_parallelism: Optional[int] = Field(None, ge=1)
    cluster: Literal["slurm", "local"] = "slurm"
    wait: Optional[bool] = None  # stay until every job has ended (default: only with cluster: local)
    timeout_min: int = Field(60, ge=1)
    # requeues after reaching the time limit (a preemption does not use one up); submitit's default is 3,
    # too few for a study that outlives many jobs
    max_num_timeout: int = Field(30, ge=0)

    def executor_parameters(self) -> Dict[str, Any]:
        """submitit.AutoExecutor.update_parameters' arguments: shared names as they are, the rest
        prefixed with the cluster's name (`partition` -> `slurm_partition`)."""
        params: Dict[str, Any] = {"timeout_min": self.timeout_min}
        for key, value in (self.model_extra or {}).items():
            params[key if key in SHARED or key.startswith(f"{self.cluster}_") else f"{self.cluster}_{key}"] = value
        if self.array_parallelism is not None:
            params[f"{self.cluster}_array_parallelism"] = self.array_parallelism
        return params


def parse_option_string(text: str, source: str = "--slurm") -> Dict[str, Any]:
    """'a=1,b=x' -> {'a': 1, 'b': 'x'} (YAML scalars: numbers, true/false); one line per bad item."""
    import yaml

    out, problems = {}, []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            problems.append(f"{source}: '{item}': expected key=value, e.g. partition=gpu,timeout_min=1440,array=8")
            continue
        out[key.strip()] = yaml.safe_load(value.strip()) if value.strip() else ""
    if problems:
        raise ConfigError(problems)
    return out


def slurm_options(section: Optional[Dict[str, Any]], flag: Optional[str], source: str) -> SlurmOptions:
    """The study's `slurm:` section, with the --slurm flag's keys over it."""
    merged = dict(section or {})
    if flag:
        merged.update(parse_option_string(flag))
    return parse_model(SlurmOptions, merged, source, prefix="slurm")
