"""TrialConfig: the full, resolved configuration of one training run.

Study file -> StudySpec (search/) -> TrialConfig (here) -> ArchSpec / DataSpec / TrainSpec / LossSpec /
ManoSpec -> objects. This module knows nothing about studies; search/ builds TrialConfigs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from .data.spec import DataSpec
from .errors import ConfigError, parse_model
from .hands.spec import ManoSpec
from .model.spec import ArchSpec
from .train.spec import LossSpec, TrainSpec


class TrialConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    arch: ArchSpec = ArchSpec()
    data: DataSpec = DataSpec()
    train: TrainSpec = TrainSpec()
    loss: LossSpec = LossSpec()
    mano: ManoSpec = ManoSpec()

    @model_validator(mode="after")
    def _one_image_size(self):
        # The network input and the data crops are the same picture: one size, set in either place.
        if self.data.image_size is None:
            self.data.image_size = self.arch.input_size
        elif self.data.image_size != self.arch.input_size:
            if "input_size" in self.arch.model_fields_set:
                raise ValueError(
                    f"data.image_size ({self.data.image_size}) differs from arch.input_size "
                    f"({self.arch.input_size}); set one of them"
                )
            self.arch.input_size = self.data.image_size
        return self

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file, naming the file in any error."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError([f"{path}: file does not exist"])
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError([f"{path}: not valid YAML: {err}"]) from None


def set_dotted(tree: dict, dotted: str, value: Any) -> None:
    """tree['a']['b'] = value for 'a.b', creating dicts on the way."""
    keys = dotted.split(".")
    node = tree
    for k in keys[:-1]:
        node = node.setdefault(k, {})
        if not isinstance(node, dict):
            raise ConfigError([f"{dotted}: '{k}' is not a section"])
    node[keys[-1]] = value


def get_dotted(tree: dict, dotted: str) -> Any:
    """tree['a']['b'] for 'a.b'; None where the path does not exist."""
    node: Any = tree
    for key in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def deep_merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for k, v in override.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def trial_config(data: Any, source: str | Path = "<config>") -> TrialConfig:
    return parse_model(TrialConfig, data, source)


def load_trial_config(path: str | Path) -> TrialConfig:
    return trial_config(load_yaml(path), path)


def is_config_path(dotted: str) -> bool:
    """Whether 'arch.cascade_widths'-style path names a field of TrialConfig."""
    model: Any = TrialConfig
    for key in dotted.split("."):
        fields = getattr(model, "model_fields", None)
        if fields is None or key not in fields:
            return False
        ann = fields[key].annotation
        model = _model_in(ann)
    return True


def _model_in(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
