"""Where a study's Ray Tune experiments live: <study folder>/<name>_ray/run_NNN by default, or
<ray.storage_path>/<name>_ray/run_NNN when the study sets `ray.storage_path`: a folder that every
node of a multi-host cluster mounts at the same path (relative paths are relative to the study file),
or a URI that pyarrow.fs.FileSystem.from_uri opens (s3://BUCKET/PREFIX, gs://BUCKET/PREFIX,
file:///PATH, ...), which every node reaches by itself.

For a URI, Tune is given the filesystem pyarrow opened for it (storage_filesystem) and the path in
it, so the URI is resolved once (from_uri may ask the cloud, e.g. for an S3 bucket's region); the
driver's own look at earlier experiments (which one to restore, the next one's name) goes through the
same filesystem, so it works on a bucket as on a disk."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit, urlunsplit

from ...errors import ConfigError

URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
EXPECTED = ("expected a folder, or a URI that pyarrow opens (s3://BUCKET/PREFIX, gs://BUCKET/PREFIX, "
            "file:///PATH)")


def storage_path(spec) -> Optional[str]:
    """The study's `ray.storage_path`, or None."""
    value = spec.ray.storage_path
    return str(value) if value else None


def is_uri(value: Optional[str]) -> bool:
    return bool(value) and URI.match(value) is not None


def experiments_dir(spec) -> Path:
    """The local <name>_ray folder (not for a URI `ray.storage_path`: see experiment_store)."""
    custom = storage_path(spec)
    root = spec.folder if custom is None else Path(custom).expanduser()
    if not root.is_absolute():
        root = spec.folder / root
    return root / f"{spec.name}_ray"


@dataclass(frozen=True)
class ExperimentStore:
    location: str  # the <name>_ray folder, for messages: a local path or a URI
    fs: object  # its pyarrow.fs.FileSystem
    fs_path: str  # the same folder inside fs
    tune_filesystem: object = None  # what Tune gets as storage_filesystem (None: a local folder)

    def child(self, name: str) -> str:
        """location/name, the query of a URI (e.g. ?region=...) kept at its end."""
        if not is_uri(self.location):
            return str(Path(self.location) / name)
        parts = urlsplit(self.location)
        return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}/{name}"))

    def tune_path(self, run: Optional[str] = None) -> str:
        """The folder (or one run in it) as Tune's storage_path / restore path, in tune_filesystem."""
        folder = self.fs_path if self.tune_filesystem is not None else self.location
        return folder if run is None else f"{folder}/{run}"

    def runs(self) -> list[str]:
        """The names of the run_* experiment folders, oldest first."""
        return self._names(self.fs_path, "Directory", "run_")

    def files(self, run: str, prefix: str) -> list[str]:
        """The names of run/<prefix>* files, sorted."""
        return self._names(f"{self.fs_path}/{run}", "File", prefix)

    def _names(self, folder: str, kind: str, prefix: str) -> list[str]:
        """Sorted names of the entries of `folder` (in fs) of FileType `kind` starting with `prefix`."""
        import pyarrow.fs as pafs

        infos = self.fs.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
        return sorted(i.base_name for i in infos
                      if i.type == getattr(pafs.FileType, kind) and i.base_name.startswith(prefix))

    def read_text(self, run: str, name: str) -> str:
        with self.fs.open_input_stream(f"{self.fs_path}/{run}/{name}") as f:
            return f.read().decode()


def experiment_store(spec) -> ExperimentStore:
    """The study's ExperimentStore; a URI pyarrow cannot open is a ConfigError naming the field."""
    custom = storage_path(spec)
    if not is_uri(custom):
        import pyarrow.fs as pafs

        folder = str(experiments_dir(spec))
        return ExperimentStore(location=folder, fs=pafs.LocalFileSystem(), fs_path=folder)
    try:
        return _uri_store(custom, spec.name)
    except Exception as err:  # pyarrow: ArrowInvalid (unknown scheme), OSError (a missing library)
        raise ConfigError([f"{spec.path}: ray.storage_path: cannot open {custom!r} ({_first_line(err)}); "
                           f"{EXPECTED}"]) from None


@functools.lru_cache(maxsize=16)
def _uri_store(uri: str, name: str) -> ExperimentStore:
    """Resolved once per process: from_uri may ask the cloud (an S3 bucket's region)."""
    import pyarrow.fs as pafs

    fs, fs_path = pafs.FileSystem.from_uri(uri)
    root = ExperimentStore(location=uri, fs=fs, fs_path=fs_path.rstrip("/"))
    folder = f"{root.fs_path}/{name}_ray" if root.fs_path else f"{name}_ray"
    return ExperimentStore(location=root.child(f"{name}_ray"), fs=fs, fs_path=folder, tune_filesystem=fs)


def check_experiment_store(spec) -> ExperimentStore:
    """Before any trial: the store opens and can be listed (a bucket that does not exist, missing
    credentials), else a ConfigError naming `ray.storage_path`."""
    store = experiment_store(spec)
    if not is_uri(storage_path(spec)):
        return store  # a local folder: Tune creates it
    try:
        store.runs()
    except Exception as err:
        raise ConfigError([f"{spec.path}: ray.storage_path: cannot list {store.location} "
                           f"({_first_line(err)}); check the URI, that it exists and the credentials"]) from None
    return store


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
