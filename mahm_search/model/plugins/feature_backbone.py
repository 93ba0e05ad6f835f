"""A plug-in or timm backbone behind the interface MAHMNet reads from its ResNet.

Contract: any callable (**arch.backbone_args) -> nn.Module mapping images (B,3,H,W) to one feature map
(B,C,h,w). C and the stride H/h are found by a dry run of a second instance built on the meta device
(no memory, no weights), so a plug-in declares nothing. A broken contract is one ConfigError line
naming the plug-in and the rule.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Tuple, Union

import torch
from torch import nn

from ...errors import ConfigError, DataError
from ..checkpointing import checkpoint_without_stat_drift

CONTRACT = "expected a callable returning an nn.Module that maps images (B,3,H,W) to a feature map (B,C,h,w)"


def contract_error(name: str, rule: str) -> ConfigError:
    return ConfigError([f"arch.backbone: plug-in {name!r} breaks the backbone contract: {rule}"])


def dry_run(factory: Callable[..., nn.Module], args: dict, name: str, input_size: int) -> Tuple[int, int]:
    """(channels, stride) of the feature map of a meta-device instance at input_size."""
    try:
        with torch.device("meta"):
            module = factory(**args)
    except Exception as err:  # the plug-in's own code: any failure is its broken contract
        raise contract_error(name, f"building it with arch.backbone_args {args} failed "
                                   f"({type(err).__name__}: {_short(err)})") from None
    if not isinstance(module, nn.Module):
        raise contract_error(name, f"{CONTRACT}; it returned {type(module).__name__}")
    images = torch.empty(2, 3, input_size, input_size, device="meta")
    try:
        with torch.no_grad():
            out = module(images)
    except Exception as err:
        raise contract_error(name, f"its dry run on meta tensors (2,3,{input_size},{input_size}) failed "
                                   f"({type(err).__name__}: {_short(err)})") from None
    if not isinstance(out, torch.Tensor):
        raise contract_error(name, f"{CONTRACT}; its forward returned {type(out).__name__}, not a tensor")
    if out.dim() != 4 or out.shape[0] != 2:
        raise contract_error(name, f"{CONTRACT}; on (2,3,{input_size},{input_size}) it returned shape "
                                   f"{tuple(out.shape)} (rank {out.dim()})")
    if out.shape[-1] < 1 or out.shape[-2] < 1:
        raise contract_error(name, f"its feature map is empty at input_size {input_size}: {tuple(out.shape)}")
    return int(out.shape[1]), max(1, round(input_size / out.shape[-1]))


def _short(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= 200 else text[:197] + "..."


class FeatureBackbone(nn.Module):
    """images -> [feature map]: `forward_layers`, `out_channels`, `stride` and `layer_out_channels` as
    ResNetBackbone has them, for the one feature map a plug-in gives."""

    def __init__(self, body: nn.Module, name: str, channels: int, stride: int):
        super().__init__()
        self.body = body
        self.name, self.out_channels, self.stride = name, channels, stride
        self.layer_out_channels: List[int] = [channels]
        self.checkpoint_layers = False

    def forward_layers(self, images: torch.Tensor) -> List[torch.Tensor]:
        if self.checkpoint_layers and torch.is_grad_enabled():
            return [checkpoint_without_stat_drift(self.body, images)]
        return [self.body(images)]

    def forward(self, images: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.forward_layers(images)[-1]
        return x, x.mean(dim=(2, 3))

    def load_weights(self, path: Union[str, Path]) -> None:
        """A local state_dict of the same module (a classifier's extra keys, e.g. fc/head, are ignored)."""
        self.body.load_state_dict(matching_state(self.body, Path(path), self.name), strict=True)


def matching_state(body: nn.Module, path: Path, name: str) -> dict:
    if not path.is_file():
        raise DataError(f"{path}: arch.backbone_weights: file does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise DataError(f"{path}: arch.backbone_weights: not a readable torch state_dict ({_short(err)})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise DataError(f"{path}: arch.backbone_weights: expected a state_dict (dict), got {type(state).__name__}")
    state = {k.removeprefix("module."): v for k, v in state.items()}
    out, missing, mismatched = {}, [], []
    for key, own in body.state_dict().items():
        # the module's own names, or the same without a wrapper's first component (timm.py's `net.`)
        found = next((k for k in (key, key.split(".", 1)[-1]) if k in state), None)
        if found is None:
            missing.append(key)
        elif tuple(state[found].shape) != tuple(own.shape):
            mismatched.append(f"{key}: file {tuple(state[found].shape)} vs model {tuple(own.shape)}")
        else:
            out[key] = state[found]
    if missing or mismatched:
        detail = [f"{len(mismatched)} shape mismatches, e.g. {mismatched[0]}"] if mismatched else []
        detail += [f"{len(missing)} missing keys, e.g. {missing[0]}"] if missing else []
        raise ConfigError([f"{path}: arch.backbone_weights: expected a state_dict of backbone {name!r} with "
                           f"arch.backbone_args as configured; " + "; ".join(detail)])
    return out
