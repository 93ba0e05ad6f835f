"""Which code ran: the package version, the git commit of its source tree when it is a git checkout,
and a hash of the package's source files. Every trial records it (TrialRecord.code_version, written
by search/trial.py with the trial's config) and the report prints it, so a number can be traced to the
code that produced it, and a study whose trials ran on different code says so.

    "0.1.0 git 1a2b3c4d5e6f source 9f8e7d6c5b4a"           a clean checkout
    "0.1.0 git 1a2b3c4d5e6f+modified source 0c1d2e3f4a5b"  uncommitted changes in the package
    "0.1.0 source 9f8e7d6c5b4a"                            no git (an installed copy, git missing)

The source hash (sha256 of the package's .py files, names and contents) tells two trees apart when
the version and commit cannot (an installed copy, uncommitted edits). The git lookup is cheap and
safe: only when the folder holding the package is a git checkout's top level, with a time limit,
never prompting and taking no lock; on any problem the text simply has no git part. Computed once per
process: the code that runs is the code imported at its start.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Optional

PACKAGE = "mahm-search"
PACKAGE_DIR = Path(__file__).resolve().parent
GIT_TIMEOUT_S = 5.0


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PACKAGE)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _git(root: Path, *args: str) -> Optional[str]:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=GIT_TIMEOUT_S, env=env, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(package_dir: Path = PACKAGE_DIR) -> Optional[tuple[str, bool]]:
    """(commit, whether the package has uncommitted changes), or None when the package is not in a
    git checkout (its parent folder must be the checkout's top level) or git is missing or fails."""
    root = package_dir.parent
    if not (root / ".git").exists() or shutil.which("git") is None:
        return None
    head = _git(root, "rev-parse", "--verify", "HEAD")
    if not head or not head.strip():
        return None
    status = _git(root, "status", "--porcelain", "--", package_dir.name)
    return head.strip(), bool(status and status.strip())


def source_hash(package_dir: Path = PACKAGE_DIR) -> str:
    """sha256 (12 hex digits) of the package's .py files: their paths and contents."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def describe_code(version: str, git: Optional[tuple[str, bool]], source: Optional[str]) -> str:
    parts = [version]
    if git is not None:
        commit, modified = git
        parts.append(f"git {commit[:12]}" + ("+modified" if modified else ""))
    if source:
        parts.append(f"source {source}")
    return " ".join(parts)


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """This process's code: '0.1.0 git 1a2b3c4d5e6f source 9f8e7d6c5b4a' (see the module doc)."""
    try:
        source: Optional[str] = source_hash()
    except OSError:
        source = None
    return describe_code(package_version(), git_state(), source)
