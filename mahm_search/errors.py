"""Errors that reach the user: each names where the problem is and what was expected.

The CLI turns `ConfigError` into one line per problem and exit status 2; `DataError` into one line
naming the path. Nothing from deep inside numpy or pydantic should reach a user's terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class MahmError(Exception):
    """Base class of every error meant for the user (no traceback needed)."""


class ConfigError(MahmError):
    """One or more problems in a config or study file. `problems` holds one message per problem."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class DataError(MahmError):
    """A missing, malformed or corrupt data file; the message names the path."""


class ManoModelError(MahmError):
    """A MANO model folder that is missing or malformed."""


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<root>"


def problems_from_validation(err: ValidationError, source: str | Path, prefix: str = "") -> list[str]:
    """Turn pydantic's errors into 'file: field: what was expected' lines."""
    lines = []
    for e in err.errors():
        field = _dotted(tuple(e["loc"]))
        if prefix:
            field = f"{prefix}.{field}" if field != "<root>" else prefix
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif "input" in e and e["type"] not in ("missing",):
            msg = f"{msg} (got {e['input']!r})"
        lines.append(f"{source}: {field}: {msg}")
    return lines


def parse_model(model: type[M], data: Any, source: str | Path = "<config>", prefix: str = "") -> M:
    """Validate `data` into `model`, raising ConfigError with one line per problem."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as err:
        raise ConfigError(problems_from_validation(err, source, prefix)) from None
