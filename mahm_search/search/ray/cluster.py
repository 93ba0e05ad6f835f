"""A study on a Ray cluster spanning several hosts must be stored where every host reaches it.

Every Ray trial opens the study's storage itself, and Tune writes checkpoints under storage_path.
With a file-based storage (sqlite:///FILE, journal:FILE) a trial on another host would write into
that host's own file (or fail), and the driver's study would miss it; so such a storage is refused,
as is a cluster run without `ray.storage_path` (a shared folder, or a URI such as s3://BUCKET/PREFIX)."""

from __future__ import annotations

from ...errors import ConfigError
from .paths import storage_path


def hosts_of(nodes: list) -> set:
    """The distinct hosts of the live nodes of `ray.nodes()`."""
    return {n.get("NodeManagerAddress") or n.get("NodeManagerHostname") for n in nodes if n.get("Alive", True)}


def check_cluster(spec, nodes: list) -> None:
    hosts = hosts_of(nodes)
    if len(hosts) <= 1:
        return
    shown = ", ".join(sorted(map(str, hosts)))
    problems = []
    url = spec.storage_url
    if url.startswith(("sqlite:", "journal:")):
        problems.append(f"{spec.path}: storage: {url} is a file on one host, but the Ray cluster spans "
                        f"{len(hosts)} hosts ({shown}): trials on the other hosts would not reach it; use a "
                        "database server every host reaches (storage: postgresql://USER:PASSWORD@HOST/DB)")
    if storage_path(spec) is None:
        problems.append(f"{spec.path}: ray.storage_path: the Ray cluster spans {len(hosts)} hosts ({shown}); "
                        "set it to a folder that every node mounts at the same path, or to a URI every node "
                        "reaches (s3://BUCKET/PREFIX, gs://BUCKET/PREFIX), so a trial restarted on another "
                        "node finds its checkpoint")
    if problems:
        raise ConfigError(problems)
