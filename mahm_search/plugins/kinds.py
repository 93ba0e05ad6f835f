"""The five plug-in registries and their decorators; docs/interfaces.md gives each contract."""

from __future__ import annotations

from .registry import Registry

RESNETS = ("resnet18", "resnet34", "resnet50")
TIMM_PREFIX = "timm/"  # arch.backbone: timm/<model name> builds a timm model (model/timm_backbone.py)

BACKBONES = Registry("backbone", "arch.backbone", "mahm_search.backbones", "register_backbone", RESNETS)
HEADS = Registry("head", "arch.head", "mahm_search.heads", "register_head", ("mahm",))
DATASETS = Registry("dataset", "data.source", "mahm_search.datasets", "register_dataset", ("synthetic", "interhand"))
LOSS_TERMS = Registry("loss term", "loss.weights", "mahm_search.losses", "register_loss_term")
METRICS = Registry("metric", "train.metrics", "mahm_search.metrics", "register_metric")

register_backbone = BACKBONES.register
register_head = HEADS.register
register_dataset = DATASETS.register
register_loss_term = LOSS_TERMS.register
register_metric = METRICS.register


def backbone_problem(name: object) -> str | None:
    """arch.backbone: a ResNet, timm/<name> (with the timm extra) or a registered backbone."""
    if isinstance(name, str) and name.startswith(TIMM_PREFIX):
        return timm_problem(name)
    problem = BACKBONES.problem(name)
    return problem if problem is None or not problem.startswith("unknown") else f"{problem}, or timm/<name>"


def timm_problem(name: str) -> str | None:
    model = name[len(TIMM_PREFIX):]
    if not model:
        return f"expected timm/<model name>, e.g. timm/resnet18d; got {name!r}"
    try:
        import timm
    except Exception as err:  # not installed, or a torchvision built for another torch (RuntimeError)
        return (f"{name!r} needs the timm extra: pip install -e '.[timm]' (or pip install timm with a torchvision "
                f"built for your torch); import timm failed: {err}")
    if model not in timm.list_models(model):
        close = timm.list_models(f"*{model}*")[:5]
        return f"timm has no model {model!r}" + (f" (close: {', '.join(close)})" if close else "")
    return None
