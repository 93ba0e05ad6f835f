"""StudyStopped: the run stopped on purpose (disk full, a systematic error, nothing left to wait for).

Not bad input, so the CLI exits 1 (not 2) with the one-line message, which says what to do next.
The full disk may hold a checkpoint or the study database itself: SQLite then raises "database or
disk is full" (SQLITE_FULL), PostgreSQL "could not extend file ...: No space left on device", from
any storage write (tell, a user attr, a heartbeat, a queued retry). Its transaction is rolled back,
so nothing stored is lost, and a trial left RUNNING is failed and retried by recovery.py on the rerun."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from ...errors import MahmError
from ...files import DiskFullError


class StudyStopped(MahmError):
    exit_code = 1


def stopping_error(err: BaseException, where: str, database: "str | None" = None) -> "StudyStopped | None":
    """A failure that no other trial would escape (the disk is full) as a StudyStopped, else None.
    Such a trial is not recorded as failed: it is queued again and resumes once the cause is fixed.
    The full disk may be the cause or context of what was raised (torch's writer, Ray's checkpoint
    upload wrap it in errors of their own). `database` names the study database for an error raised
    before storage.py could name it (while the storage opens)."""
    found = _disk_full(err)
    if found is not None and _database_full(found):
        return StudyStopped(f"{where}: {database_full_message(found, database)}")
    if isinstance(found, DiskFullError):
        return StudyStopped(f"{where}: {found}")
    if found is not None:
        return StudyStopped(f"{where}: no space left on device ({found}); free space and rerun the same "
                            "command to resume")
    return None


@contextmanager
def stops_on_full_disk(where: str) -> Iterator[None]:
    """A full disk met outside a trial (the study database refusing a write while trials are
    counted, recovered, asked or told) stops the run like one met inside a trial."""
    try:
        yield
    except MahmError:
        raise  # already one line (a full disk while the storage opened is a StudyStopped, too)
    except Exception as err:
        stop = stopping_error(err, where)
        if stop is None:
            raise
        raise stop from err


# The name storage.py gives a database's errors (see there): the message can say which file is full.
DATABASE_ATTR = "mahm_study_database"
DATABASE_FULL_MARKS = ("database or disk is full", "could not extend file", "No space left on device")


def database_full_message(found: BaseException, database: "str | None" = None) -> str:
    """What to say for a database write that hit a full disk: which database, why, what to do."""
    name = getattr(found, DATABASE_ATTR, None) or database
    reason = str(getattr(found, "orig", None) or found).strip().splitlines()
    return (f"the study database {name + ' ' if name else ''}is on a full disk "
            f"({reason[0] if reason else type(found).__name__}); free space and rerun the same command "
            f"to resume")


def _database_full(err: BaseException) -> bool:
    """A database driver's (or SQLAlchemy's wrapping) error for a full disk, not an OSError."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    return (isinstance(err, (sqlite3.Error, DBAPIError)) or type(err).__module__.startswith("psycopg")) \
        and any(mark in str(err) for mark in DATABASE_FULL_MARKS)


def _disk_full(err: "BaseException | None") -> "BaseException | None":
    import errno

    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, DiskFullError) or (isinstance(err, OSError) and (
                err.errno == errno.ENOSPC or "No space left on device" in str(err))):
            return err  # pyarrow's filesystems raise OSError with the text but no errno
        if _database_full(err):
            return err
        err = err.__cause__ or err.__context__
    return None
