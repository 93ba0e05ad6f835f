"""The base of every config and study section: unknown keys are refused, and a YAML `true`/`false`
is never read as a number (pydantic's lax mode would make `n_trials: true` 1 and `steps: false` 0)."""

from __future__ import annotations

import functools
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


def _numeric(annotation: Any) -> bool:
    """int, float, or Optional of either (Annotated metadata lives on the FieldInfo, not here)."""
    if annotation in (int, float):
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return bool(members) and all(a in (int, float) for a in members)
    return False


@functools.lru_cache(maxsize=None)
def _numeric_fields(model: type[BaseModel]) -> frozenset:
    return frozenset(name for name, field in model.model_fields.items() if _numeric(field.annotation))


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _bool_is_not_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name in _numeric_fields(cls):
            raise ValueError(f"expected a number, got {value!r}")
        return value
