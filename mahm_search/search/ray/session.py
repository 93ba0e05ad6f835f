"""Start (or join) Ray quietly and always shut it down, on success, error or Ctrl-C.

Ray is an optional extra: `import_ray()` turns a missing install into a MahmError that says how to
get it. The environment switches below keep a local run's terminal to our own progress lines.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from typing import Iterator, Optional

from ...errors import MahmError

# Read by Ray/Tune at start-up; set before ray.init so the raylet and workers inherit them.
QUIET_ENV = {
    # Tune's per-trial CSV/JSON/TensorBoard loggers: we keep results in the Optuna storage.
    "TUNE_DISABLE_AUTO_CALLBACK_LOGGERS": "1",
    # Warnings that only say the experiment state took a while to sync to storage_path.
    "TUNE_WARN_EXCESSIVE_EXPERIMENT_CHECKPOINT_SYNC_THRESHOLD_S": "0",
    # Keep the trial's working directory (relative paths in configs keep their meaning).
    "RAY_CHDIR_TO_TRIAL_DIR": "0",
    # No periodic "Tune status" tables (verbose=0 alone leaves the new-output reporter on).
    "RAY_AIR_NEW_OUTPUT": "0",
    "RAY_DEDUP_LOGS": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
    # A trial that fails (or is pruned for memory) before its first eval ends without the metric;
    # its outcome is in the Optuna storage. Tune's strict check would fail the whole run on it.
    "TUNE_DISABLE_STRICT_METRIC_CHECKING": "1",
}
# A local single-user Ray needs no token; with it on, Ray writes ~/.ray/auth_token.
LOCAL_ONLY_ENV = {"RAY_AUTH_MODE": "disabled"}


class RayNotInstalledError(MahmError):
    """`backend: ray` without the ray extra."""


def import_ray():
    try:
        import ray
        from ray import tune  # noqa: F401  (Tune is a separate extra of ray)
    except ImportError as err:
        raise RayNotInstalledError(
            f"the ray backend needs Ray Tune ({err.name or 'ray'} is not installed); install it with "
            "`pip install 'mahm-search[ray]'` (or `pip install 'ray[tune]'`), or use `backend: optuna`"
        ) from None
    return ray


def configure_quiet_env(local: bool) -> None:
    for key, value in {**QUIET_ENV, **(LOCAL_ONLY_ENV if local else {})}.items():
        os.environ.setdefault(key, value)


@contextmanager
def ray_session(address: Optional[str], num_cpus: Optional[int] = None,
                num_gpus: Optional[int] = None) -> Iterator[object]:
    """Join `address` (an existing cluster) or start a local Ray; shut it down whatever happens."""
    configure_quiet_env(local=address is None)
    ray = import_ray()
    if ray.is_initialized():  # a caller (e.g. a notebook) already owns a Ray session: reuse it
        yield ray
        return
    kwargs = dict(include_dashboard=False, log_to_driver=False, configure_logging=True,
                  logging_level=logging.ERROR)
    try:
        if address is None:
            ray.init(num_cpus=num_cpus, num_gpus=num_gpus, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except ConnectionError as err:
        raise MahmError(f"cannot join the Ray cluster at {address!r}: {err}") from None
    _quiet_loggers()
    try:
        yield ray
    finally:
        ray.shutdown()


def _quiet_loggers() -> None:
    for name in ("ray", "ray.tune", "ray.train", "ray.air"):
        logging.getLogger(name).setLevel(logging.ERROR)
