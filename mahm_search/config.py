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


BACKBONE_STRIDE = 32  # the backbone's last feature map is ceil(input_size / 32) on a side


def micro_batch_problem(batch_size: int, micro_batches: int, input_size: int) -> str | None:
    """Why a (batch, micro-batches, input size) cannot train, or None. Train-mode BatchNorm needs more
    than one value per channel; at the backbone's last stage a micro-batch has samples * side**2 of
    them, and the smallest micro-batch (train/step/step.py split_batch) holds batch_size // micro_batches
    samples. So a one-sample micro-batch fails at 32 px (a 1x1 map) and trains from 33 px (2x2)."""
    smallest = max(batch_size // micro_batches, 1)
    side = -(-input_size // BACKBONE_STRIDE)
    if smallest * side * side >= 2:
        return None
    return (f"train.batch_size {batch_size} in train.micro_batches {micro_batches} gives micro-batches of "
            f"{smallest} sample, and at arch.input_size {input_size} the backbone's last feature map is "
            f"{side}x{side}, where BatchNorm needs at least 2 values (expected train.batch_size >= "
            f"2 * train.micro_batches, or arch.input_size > {BACKBONE_STRIDE})")


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

    @model_validator(mode="after")
    def _batch_norm_has_two_samples(self):
        # A one-sample micro-batch at 32 px would fail the first training step (micro_batch_problem).
        problem = micro_batch_problem(self.train.batch_size, self.train.micro_batches, self.arch.input_size)
        if problem is not None:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _objective_is_reported(self):
        # A breakdown over a subset the data never holds is never reported: every eval would fail.
        objective = self.train.objective
        hand_type = self.data.interhand.hand_type if self.data.source == "interhand" and self.data.interhand else None
        if objective.endswith("_single") and (self.data.source == "synthetic" or hand_type == "interacting"):
            held = "the synthetic data holds" if self.data.source == "synthetic" else \
                "data.interhand.hand_type 'interacting' keeps"
            raise ValueError(f"train.objective: '{objective}' is never reported: {held} interacting hands "
                             f"only (expected e.g. '{objective.removesuffix('_single')}' or "
                             f"'{objective.replace('_single', '_interacting')}')")
        if objective.endswith("_interacting") and hand_type == "single":
            raise ValueError(f"train.objective: '{objective}' is never reported: data.interhand.hand_type "
                             f"'single' keeps single hands only (expected e.g. "
                             f"'{objective.removesuffix('_interacting')}')")
        return self

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML silently keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line)
            except TypeError:  # an unhashable key: SafeLoader reports it
                continue
            if first != key_node.start_mark.line:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first given on line {first + 1})", key_node.start_mark)
        return super().construct_mapping(node, deep)


def _yaml_problem(err: yaml.YAMLError) -> str:
    """One line: 'line L, column C: what' (str(err) spans several lines and names '<unicode string>')."""
    mark = getattr(err, "problem_mark", None)
    what = " ".join(str(getattr(err, "problem", None) or err).split())
    context = getattr(err, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + what + (f" ({' '.join(context.split())})" if context else "")


def load_yaml(path: str | Path) -> Any:
    """Read a YAML file, naming the file in any error."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError([f"{path}: is a folder; expected a YAML file"])
    if not path.is_file():
        raise ConfigError([f"{path}: file does not exist"])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError([f"{path}: not UTF-8 text (byte {err.start} is {err.object[err.start]:#04x}); "
                           f"save the file as UTF-8"]) from None
    except OSError as err:
        raise ConfigError([f"{path}: cannot be read ({err.strerror or err})"]) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as err:
        raise ConfigError([f"{path}: not valid YAML: {_yaml_problem(err)}"]) from None


def set_dotted(tree: dict, dotted: str, value: Any) -> None:
    """tree['a']['b'] = value for 'a.b', creating dicts on the way."""
    keys = dotted.split(".")
    node = tree
    for k in keys[:-1]:
        node = node.setdefault(k, {})
        if not isinstance(node, dict):
            raise ConfigError([f"{dotted}: '{k}' is not a section"])
    node[keys[-1]] = value


def flatten_dotted(tree: Any, prefix: str = "") -> dict[str, Any]:
    """{'train': {'steps': 3}} -> {'train.steps': 3}; lists and empty dicts are values."""
    if not isinstance(tree, dict) or (not tree and prefix):
        return {prefix[:-1]: tree}
    out: dict[str, Any] = {}
    for key, value in tree.items():
        out.update(flatten_dotted(value, f"{prefix}{key}."))
    return out


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


def load_trial_config(path: str | Path, overrides=()) -> TrialConfig:
    """`overrides`: `--set KEY=VALUE` lines (overrides.py), applied before validation."""
    from .overrides import apply_overrides, mark_overridden

    data = apply_overrides(load_yaml(path), overrides, Path(path))
    try:
        return trial_config(data, path)
    except ConfigError as err:
        raise ConfigError(mark_overridden(err.problems, overrides)) from None


def is_config_path(dotted: str) -> bool:
    """Whether 'arch.cascade_widths'-style path names a field of TrialConfig."""
    model: Any = TrialConfig
    for key in dotted.split("."):
        if model is dict:  # a plug-in's keyword arguments (arch.backbone_args, data.args): any key
            return True
        fields = getattr(model, "model_fields", None)
        if fields is not None and key not in fields and model.model_config.get("extra") == "allow":
            return True  # e.g. loss.weights.<plug-in term>: the model's own validator checks the name
        if fields is None or key not in fields:
            return False
        ann = fields[key].annotation
        model = dict if getattr(ann, "__origin__", None) is dict else _model_in(ann)
    return True


def _model_in(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None
