"""The plug-ins' contracts, checked once before training: the config's network, loss terms and metrics
run one training-mode forward on meta tensors (no memory, no data) and each output is checked. A
broken rule is one line naming the plug-in."""

from __future__ import annotations

from typing import List

import torch

from ...errors import ConfigError, MahmError
from ...plugins.kinds import RESNETS

STAGE_SHAPES = {"pose": (2, 48), "shape": (2, 10), "cam": (2, 3), "root_rel": (3,), "vertices": (2, 778, 3),
                "joints_3d": (2, 21, 3), "joints_2d": (2, 21, 2)}
BATCH = 2


def uses_plugins(config) -> bool:
    arch = config.arch
    return (arch.backbone not in RESNETS or arch.head != "mahm" or bool(config.loss.weights.plugin_terms())
            or bool(config.train.plugin_metrics()))


def plugin_problems(config) -> List[str]:
    """[] when every plug-in the config names keeps its contract, else one line per broken one."""
    if not uses_plugins(config):
        return []
    from ...data.dummy import dummy_batch
    from ...model.builder import build_model
    from ..loss.losses import MAHMLoss
    from ..loss.targets import ground_truth
    from .metrics import metric_functions

    try:
        model = build_model(config.arch, config.mano)  # a plug-in backbone's dry run happens here
        loss = MAHMLoss(config.loss)
        metrics = metric_functions(config.train.plugin_metrics())
    except ConfigError as err:
        return err.problems
    except MahmError as err:  # e.g. an unreadable arch.backbone_weights file
        return [str(err)]
    model.to_empty(device="meta")
    model.train()
    batch = dummy_batch(BATCH, config.arch.input_size, device="meta")
    head = f"arch.head: plug-in {config.arch.head!r} breaks the head contract" if config.arch.head != "mahm" \
        else f"arch.backbone: plug-in {config.arch.backbone!r} breaks the backbone contract"
    try:
        outputs = model(batch["image"])
    except Exception as err:  # the plug-in's own code
        return [f"{head}: its forward on meta tensors failed ({type(err).__name__}: {_short(err)})"]
    problem = outputs_problem(outputs)
    if problem is not None:
        return [f"{head}: {problem}"]
    gt = ground_truth(model.mano, batch)
    problems = []
    for name, fn in loss._plugins.items():
        if loss.weights.get(name, 0.0) <= 0:  # off: never computed (the space's corners check it weighted)
            continue
        rule = f"loss.weights.{name}: plug-in {name!r} breaks the loss-term contract"
        try:
            value = fn(outputs, batch, gt)
        except Exception as err:
            problems.append(f"{rule}: fn(outputs, batch, gt) failed on meta tensors ({type(err).__name__}: {_short(err)})")
            continue
        if not isinstance(value, torch.Tensor) or value.dim() != 0 or not value.is_floating_point():
            problems.append(f"{rule}: expected a float scalar tensor (the batch's mean), got {_what(value)}")
    for name, fn in metrics.items():
        rule = f"train.metrics: plug-in {name!r} breaks the metric contract"
        try:
            with torch.no_grad():
                value = fn(outputs, batch, gt)
        except Exception as err:
            problems.append(f"{rule}: fn(outputs, batch, gt) failed on meta tensors ({type(err).__name__}: {_short(err)})")
            continue
        if not isinstance(value, torch.Tensor) or tuple(value.shape) not in ((), (BATCH,)):
            problems.append(f"{rule}: expected a scalar or one value per sample (B,), got {_what(value)}")
    return problems


def outputs_problem(outputs) -> str | None:
    if not isinstance(outputs, dict) or not isinstance(outputs.get("stages"), (list, tuple)) or not outputs["stages"]:
        return f"expected {{'stages': [stage dicts, ...]}} (model/network.py), got {_what(outputs)}"
    for k, stage in enumerate(outputs["stages"]):
        if not isinstance(stage, dict):
            return f"stages[{k}] is {type(stage).__name__}, expected a dict"
        for key, shape in STAGE_SHAPES.items():
            value = stage.get(key)
            if not isinstance(value, torch.Tensor) or tuple(value.shape) != (BATCH, *shape):
                return (f"stages[{k}][{key!r}]: expected shape (B, {', '.join(map(str, shape))}), got "
                        f"{_what(value)} (hand_outputs() makes a stage dict from MANO parameters)")
    return None


def _what(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(map(str, value))[:8]}"
    return type(value).__name__


def _short(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= 200 else text[:197] + "..."
