"""One line for a storage that cannot be opened: which file or URL, what is wrong, what to do.

A corrupt .db, an unknown URL scheme or an unwritable journal path otherwise surfaces as a long
SQLAlchemy/Optuna traceback that never names the file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

KINDS = "sqlite:///FILE, postgresql://USER@HOST/DB, mysql://USER@HOST/DB or journal:FILE"


def describe_storage_error(spec, err: BaseException) -> str:
    url = spec.storage_url
    where = f"{spec.path}: storage"
    if url.startswith("journal:"):
        file = url[len("journal:"):]
        reason = getattr(err, "strerror", None) or _first_line(err)
        return (f"{where}: cannot use the journal file {file} ({reason}); point `storage:` at a file in a "
                f"writable folder")
    if url.startswith("sqlite:///"):
        file = Path(url[len("sqlite:///"):])
        problem = sqlite_file_problem(file)
        if problem is not None:
            return f"{where}: {file} {problem}"
        return f"{where}: cannot open the SQLite database {file} ({_first_line(err)})"
    if type(err).__name__ in ("NoSuchModuleError", "ArgumentError") or "Could not parse" in str(err):
        return f"{where}: cannot open {url!r}: not a database URL this install knows ({_first_line(err)}); expected {KINDS}"
    if isinstance(err, ImportError):
        return (f"{where}: cannot open {url}: its database driver is not installed ({_cause(err)}); install it "
                f"(e.g. `pip install 'psycopg[binary]'` for postgresql://)")
    return (f"{where}: cannot open {url} ({_first_line(err)}); check the URL, that the server is up "
            f"and reachable, and the credentials")


def database_name(url: str) -> str:
    """How messages name an RDB storage: an SQLite file by its path, a server URL without password."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy parses: as given
        return url


def sqlite_file_problem(file: Path) -> str | None:
    """What is wrong with an SQLite file (None: nothing found): corrupt, unreadable, folder missing."""
    if not file.exists():
        if not file.parent.is_dir():
            return f"cannot be created: its folder {file.parent} does not exist; create it or change `storage:`"
        return None
    if file.is_dir():
        return "is a folder; point `storage:` at a file, e.g. sqlite:///NAME.db"
    try:
        with sqlite3.connect(f"file:{file}?mode=ro", uri=True) as db:
            db.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.DatabaseError as err:
        return (f"is not a readable SQLite database ({err}); restore it from a backup, or move it away to "
                f"start the study afresh")
    return None


def _first_line(err: BaseException) -> str:
    text = str(getattr(err, "orig", None) or err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _cause(err: BaseException) -> str:
    cause = err.__cause__ or err.__context__
    return str(cause) if cause is not None else str(err)
