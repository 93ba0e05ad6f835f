"""Errors that reach the user: each names where the problem is and what was expected.

The CLI turns `ConfigError` into one line per problem and exit status 2; `DataError` into one line
naming the path. Nothing from deep inside numpy or pydantic should reach a user's terminal.
"""

from __future__ import annotations

import difflib
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


def _known_keys(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """The field names a mapping at `loc` (ending in the unknown key) may hold, when it is a model."""
    for part in loc[:-1]:
        field = model.model_fields.get(part) if model is not None and isinstance(part, str) else None
        annotation = getattr(field, "annotation", None)
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return list(model.model_fields) if model is not None else []


def problems_from_validation(err: ValidationError, source: str | Path, prefix: str = "",
                             model: type[BaseModel] | None = None) -> list[str]:
    """Turn pydantic's errors into 'file: field: what was expected' lines."""
    return [problem_line(e, source, prefix, model) for e in err.errors()]


def problem_line(e: dict, source: str | Path, prefix: str = "", model: type[BaseModel] | None = None) -> str:
    """One of pydantic's errors (`ValidationError.errors()`) as 'file: field: what was expected'."""
    loc = tuple(e["loc"])
    field = _dotted(loc)
    if prefix:
        field = f"{prefix}.{field}" if field != "<root>" else prefix
    msg = e["msg"].removeprefix("Value error, ")
    if e["type"] == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _known_keys(model, loc), n=1)
        msg = "unknown key" + (f" (did you mean '{close[0]}'?)" if close else "")
    elif ("input" in e and e["type"] not in ("missing",) and "got " not in msg
          and not (isinstance(e["input"], dict) and e["type"] == "value_error")):
        msg = f"{msg} (got {e['input']!r})"  # a model validator's input is the whole section: left out
    return f"{source}: {msg}" if field == "<root>" else f"{source}: {field}: {msg}"


def parse_model(model: type[M], data: Any, source: str | Path = "<config>", prefix: str = "") -> M:
    """Validate `data` into `model`, raising ConfigError with one line per problem."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as err:
        raise ConfigError(problems_from_validation(err, source, prefix, model)) from None
