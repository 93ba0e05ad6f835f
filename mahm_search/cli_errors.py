"""How every `mahm-search` command turns a MahmError into a clear message and an exit status (2 for bad
config or input), never a traceback."""

from __future__ import annotations

import functools

import typer

from .errors import ConfigError, MahmError


def fail(err: MahmError) -> None:
    if isinstance(err, ConfigError):
        for line in err.problems:
            typer.secho(f"error: {line}", fg="red", err=True)
        raise typer.Exit(2)
    typer.secho(f"{getattr(err, 'prefix', 'error')}: {err}", fg="red", err=True)
    # 1: the run stopped on purpose (search/stopping/stop.py); 75: preempted, rerun to continue (search/preempt/)
    raise typer.Exit(getattr(err, "exit_code", 2))


def user_errors(command):
    """A MahmError becomes one line per problem and an exit status, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except MahmError as err:
            fail(err)

    return wrapper
