"""On the Ray backend the trackers are Ray Tune's own logger callbacks (each trial's reported
metrics, its config, per report): TBXLoggerCallback (TensorBoard event files in each trial's Tune
folder), MLflowLoggerCallback and WandbLoggerCallback, with the same offline defaults as the
Optuna backend's trackers (a local SQLite MLflow store, W&B offline)."""

from __future__ import annotations

import os


def ray_logger_callbacks(spec) -> list:
    callbacks = []
    for entry in getattr(spec, "tracker_list", []):
        name, args = entry["name"], dict(entry["args"])
        if name == "tensorboard":
            from ray.tune.logger import TBXLoggerCallback

            callbacks.append(TBXLoggerCallback())
        elif name == "mlflow":
            from ray.air.integrations.mlflow import MLflowLoggerCallback

            uri = args.get("tracking_uri") or f"sqlite:///{(spec.folder / f'{spec.name}_mlflow.db').resolve()}"
            callbacks.append(MLflowLoggerCallback(tracking_uri=uri, save_artifact=False,
                                                  experiment_name=args.get("experiment_name") or spec.name))
        elif name == "wandb":
            from ray.air.integrations.wandb import WandbLoggerCallback

            folder = spec.folder / (args.pop("dir", None) or f"{spec.name}_wandb")
            folder.mkdir(parents=True, exist_ok=True)
            os.environ.setdefault("WANDB_SILENT", "true")
            callbacks.append(WandbLoggerCallback(project=args.pop("project", None) or spec.name,
                                                 group=args.pop("group", None) or spec.name,
                                                 mode=args.pop("mode", "offline"), dir=str(folder), **args))
    return callbacks
