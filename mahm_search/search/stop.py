"""StudyStopped: the run stopped on purpose (disk full, a systematic error, nothing left to wait for).

Not bad input, so the CLI exits 1 (not 2) with the one-line message, which says what to do next."""

from __future__ import annotations

from ..errors import MahmError


class StudyStopped(MahmError):
    exit_code = 1


def stopping_error(err: BaseException, where: str) -> "StudyStopped | None":
    """A failure that no other trial would escape (the disk is full) as a StudyStopped, else None.
    Such a trial is not recorded as failed: it is queued again and resumes once the cause is fixed.
    The full disk may be the cause or context of what was raised (torch's writer, Ray's checkpoint
    upload wrap it in errors of their own)."""
    from ..train.atomic_write import DiskFullError

    found = _disk_full(err)
    if isinstance(found, DiskFullError):
        return StudyStopped(f"{where}: {found}")
    if found is not None:
        return StudyStopped(f"{where}: no space left on device ({found}); free space and rerun the same "
                            "command to resume")
    return None


def _disk_full(err: "BaseException | None") -> "BaseException | None":
    import errno

    from ..train.atomic_write import DiskFullError

    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, DiskFullError) or (isinstance(err, OSError) and (
                err.errno == errno.ENOSPC or "No space left on device" in str(err))):
            return err  # pyarrow's filesystems raise OSError with the text but no errno
        err = err.__cause__ or err.__context__
    return None
