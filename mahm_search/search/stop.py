"""StudyStopped: the run stopped on purpose (disk full, a systematic error, nothing left to wait for).

Not bad input, so the CLI exits 1 (not 2) with the one-line message, which says what to do next."""

from __future__ import annotations

from ..errors import MahmError


class StudyStopped(MahmError):
    exit_code = 1


def stopping_error(err: BaseException, where: str) -> "StudyStopped | None":
    """A failure that no other trial would escape (the disk is full) as a StudyStopped, else None.
    Such a trial is not recorded as failed: it is queued again and resumes once the cause is fixed."""
    import errno

    from ..train.atomic_write import DiskFullError

    if isinstance(err, DiskFullError):
        return StudyStopped(f"{where}: {err}")
    if isinstance(err, OSError) and err.errno == errno.ENOSPC:
        return StudyStopped(f"{where}: no space left on device ({err}); free space and rerun the same "
                            "command to resume")
    return None
