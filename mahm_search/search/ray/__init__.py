"""The Ray Tune backend: the same study, run as Tune trials on a local Ray or a Ray cluster."""

from .backend import run_ray

__all__ = ["run_ray"]
