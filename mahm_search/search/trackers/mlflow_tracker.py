"""MLflow through its tracking API (MlflowClient): one run per trial in the experiment named after
the study (params: the trial's config, flattened; each eval's metrics with their step; at the end the
final metrics, memory figures and the objective values; tags: state, prune reason), and a
`study_best` run with the best configuration. Offline by default: a local SQLite store,
`sqlite:///<study folder>/<name>_mlflow.db` (MLflow's file store is in maintenance mode and refuses
new stores), artifacts under `<name>_mlartifacts/`; `tracking_uri` sends it to a server instead."""

from __future__ import annotations

import time
from typing import Any, Dict

from .base import Tracker, flat_params

STATUS = {"COMPLETE": "FINISHED", "PRUNED": "KILLED", "FAIL": "FAILED"}
MAX_PARAM = 6000  # MLflow's limit on a param value's length


class MlflowTracker(Tracker):
    name = "mlflow"

    def __init__(self, spec, tracking_uri: str | None = None, experiment_name: str | None = None):
        import mlflow

        self.uri = tracking_uri or f"sqlite:///{(spec.folder / f'{spec.name}_mlflow.db').resolve()}"
        self.client = mlflow.MlflowClient(tracking_uri=self.uri)
        name = experiment_name or spec.name
        found = self.client.get_experiment_by_name(name)
        artifacts = None if tracking_uri else (spec.folder / f"{spec.name}_mlartifacts").resolve().as_uri()
        self.experiment_id = (found.experiment_id if found is not None else
                              self.client.create_experiment(name, artifact_location=artifacts))
        self.runs: Dict[int, str] = {}

    def _run(self, number: int) -> str:
        if number not in self.runs:
            run = self.client.create_run(self.experiment_id, run_name=f"trial_{number}",
                                         tags={"optuna.trial_number": str(number)})
            self.runs[number] = run.info.run_id
        return self.runs[number]

    def _params(self, run_id: str, params: Dict[str, Any]) -> None:
        from mlflow.entities import Param

        items = [Param(k, str(v)[:MAX_PARAM]) for k, v in params.items()]
        for i in range(0, len(items), 100):  # MLflow takes at most 100 params per batch
            self.client.log_batch(run_id, params=items[i:i + 100])

    def _metrics(self, run_id: str, metrics: Dict[str, float], step: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        items = [Metric(k.replace("/", "."), float(v), now, int(step)) for k, v in metrics.items()]
        for i in range(0, len(items), 1000):
            self.client.log_batch(run_id, metrics=items[i:i + 1000])

    def trial_start(self, number: int, config: dict, params: dict) -> None:
        run_id = self._run(number)
        self._params(run_id, flat_params(config))
        self.client.set_tag(run_id, "searched", ", ".join(f"{k}={v}" for k, v in params.items()))

    def trial_step(self, number: int, step: int, metrics: Dict[str, float]) -> None:
        self._metrics(self._run(number), metrics, step)

    def trial_end(self, number: int, end: Dict[str, Any]) -> None:
        new = number not in self.runs
        run_id = self._run(number)
        if new and end.get("config"):
            self._params(run_id, flat_params(end["config"]))
        results = {f"final_{k}": v for k, v in end["final_metrics"].items()}
        results.update(end["memory"])
        for name, value in zip(end["objectives"], end["values"] or []):
            results[f"objective_{name}"] = value
        self._metrics(run_id, results, end.get("steps_done") or 0)
        self.client.set_tag(run_id, "state", end["state"])
        if end.get("prune_reason"):
            self.client.set_tag(run_id, "prune_reason", end["prune_reason"])
        self.client.set_terminated(run_id, STATUS.get(end["state"], "FAILED"))
        self.runs.pop(number, None)

    def study_best(self, best: Dict[str, Any]) -> None:
        run = self.client.create_run(self.experiment_id, run_name="study_best", tags={"kind": "study_best"})
        self._params(run.info.run_id, flat_params(best["params"]))
        metrics = {"best_score_mean": best["score"], "best_n_seeds": best["n"]}
        if best.get("ci"):
            metrics.update(best_score_ci_low=best["ci"][0], best_score_ci_high=best["ci"][1])
        self._metrics(run.info.run_id, metrics, 0)
        self.client.set_tag(run.info.run_id, "trials", ", ".join(map(str, best["trials"])))
        self.client.set_terminated(run.info.run_id, "FINISHED")

    def close(self) -> None:
        for run_id in self.runs.values():
            self.client.set_terminated(run_id, "KILLED")
        self.runs.clear()
