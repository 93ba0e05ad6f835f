"""A throwaway PostgreSQL server for tests: initdb into a tmp folder, pg_ctl start on a free
localhost port, trust auth; stopped (immediate) at the end. Debian's `postgresql` package provides the
binaries (.ci/run installs it). initdb refuses to run as root, so as root the server runs as the
`postgres` user that package creates. `skip_reason()` says why a test cannot have one."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from typing import Iterator, Optional


def _bin(name: str) -> Optional[str]:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _run_as() -> Optional[str]:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
        return "postgres"
    except KeyError:
        return None


def skip_reason() -> Optional[str]:
    if _bin("initdb") is None or _bin("pg_ctl") is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql"
    if os.geteuid() == 0 and _run_as() is None:
        return "running as root without a 'postgres' user to run the server as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "no psycopg driver: pip install 'psycopg[binary]'"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_server(settings: Optional[dict] = None) -> Iterator[str]:
    """Yields the URL of the server's `postgres` database (superuser `postgres`, no password).
    `settings`: more server settings (`-c name=value`), e.g. {"max_connections": 400}."""
    user = _run_as()
    folder = tempfile.mkdtemp(prefix="mahm-pg-")
    os.chmod(folder, 0o755)
    data = os.path.join(folder, "data")
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    run = dict(user=user, check=True, capture_output=True, text=True)
    subprocess.run([_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"], **run)
    settings = {"max_connections": 100, **(settings or {})}
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off" + "".join(
        f" -c {name}={value}" for name, value in settings.items())
    subprocess.run([_bin("pg_ctl"), "-D", data, "-o", options, "-l", os.path.join(folder, "log"), "-w",
                    "start"], **run)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([_bin("pg_ctl"), "-D", data, "-m", "immediate", "stop"], user=user, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url.replace("postgresql://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
