"""Files this package writes: where its caches live (`cache_root`) and how a file is written so that a
reader never sees half of it (`atomic_write`, `DiskFullError`).

A leaf, like errors.py (standard library and `.errors` only): every layer writes files (the generated
MANO model in hands/, data shards and the InterHand index in data/, checkpoints in train/, memory
estimates in memory/, the packing ledger in search/), and hands/ and data/ may import nothing above
them.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import BinaryIO, Callable

from .errors import MahmError


def cache_root() -> Path:
    """$MAHM_CACHE_DIR, else ~/.cache/mahm-search: the folder every cache of this package lives under."""
    return Path(os.environ.get("MAHM_CACHE_DIR") or Path.home() / ".cache" / "mahm-search")


class DiskFullError(MahmError):
    """The disk filled up while writing a file; the previous version of the file is intact."""


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write a file through a tmp sibling (`NAME.tmpPID`) and os.replace, so readers see the old file or
    the new one, never half of one; the tmp file is removed whatever stops the write. A full disk
    (ENOSPC) is raised as DiskFullError; any other error as it was raised."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    try:
        # A Python file object, not a file name: torch.save(obj, name) reports a full disk as an opaque
        # RuntimeError from its C++ writer; through f.write the OSError(ENOSPC) surfaces (see _cause).
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the rename makes it the file
        os.replace(tmp, path)
    except BaseException as err:  # BaseException: Ctrl-C mid-write must not leave the tmp file either
        tmp.unlink(missing_ok=True)
        cause = _cause(err)
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            raise DiskFullError(f"no space left on device writing {path}; "
                                "free space and rerun the same command to resume") from None
        if cause is not err:
            raise cause from None
        raise


def _cause(err: BaseException) -> BaseException:
    """The full disk or Ctrl-C behind `err`: when f.write fails inside torch.save, torch's zip writer
    raises its own RuntimeError ('unexpected pos') while closing, with the real error as __context__."""
    seen = err
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt) or (isinstance(seen, OSError) and seen.errno == errno.ENOSPC):
            return seen
        seen = seen.__context__
    return err
