"""A named registry of plug-ins (timm's register_model idea), fed three ways:

- `@registry.register("name")` in Python (the module must be imported; `$MAHM_PLUGINS` lists modules
  to import first, comma-separated);
- entry points of installed packages, group `mahm_search.<kind>s`, read with importlib.metadata and
  loaded only when their name is used, so validating a study file imports nothing it does not name;
- `module.path:callable` written directly in a study file.

No torch here: the spec modules check names against it.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import os
import sys
from importlib import metadata
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from ..errors import MahmError

PLUGIN_MODULES_VARIABLE = "MAHM_PLUGINS"


class PluginError(MahmError):
    """A plug-in that cannot be found or loaded; the message is one line naming it."""


def is_reference(name: str) -> bool:
    """`module.path:callable`, as a study file may name a plug-in directly."""
    return ":" in name and "/" not in name.split(":", 1)[0]


def import_plugin_modules() -> None:
    """Import the modules $MAHM_PLUGINS names, so their decorators register (once each)."""
    for module in filter(None, (m.strip() for m in os.environ.get(PLUGIN_MODULES_VARIABLE, "").split(","))):
        try:
            importlib.import_module(module)
        except Exception as err:  # any failure: the user named a module that does not import
            raise PluginError(f"${PLUGIN_MODULES_VARIABLE}: cannot import {module!r} "
                              f"({type(err).__name__}: {err})") from None


def load_reference(reference: str) -> Callable:
    module_name, _, attr = reference.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except Exception as err:
        raise PluginError(f"{reference!r}: cannot import module {module_name!r} ({type(err).__name__}: {err})") from None
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise PluginError(f"{reference!r}: module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise PluginError(f"{reference!r}: {attr!r} is not callable (expected a function or class)")
    return obj


@functools.lru_cache(maxsize=64)
def _group(group: str, path: Tuple[str, ...]) -> Tuple[metadata.EntryPoint, ...]:
    """The installed entry points of a group, read once per sys.path (a config is validated often)."""
    return tuple(metadata.entry_points(group=group))


class Registry:
    """Plug-ins of one kind. `builtin` names are the package's own (handled by their own code)."""

    def __init__(self, kind: str, field: str, group: str, decorator: str, builtin: Iterable[str] = ()):
        self.kind, self.field, self.group, self.decorator = kind, field, group, decorator
        self.builtin: Tuple[str, ...] = tuple(builtin)
        self._registered: Dict[str, Callable] = {}

    def register(self, name: Optional[str] = None) -> Callable[[Callable], Callable]:
        """Decorator: `@register_backbone("my_net")` (default name: the function's)."""

        def add(fn: Callable) -> Callable:
            key = name or fn.__name__
            if key in self.builtin or ":" in key or "/" in key:
                raise PluginError(f"{self.decorator}({key!r}): the name is built in or holds ':' or '/'")
            self._registered[key] = fn
            return fn

        if callable(name):  # used bare: @register_backbone
            fn, name = name, None
            return add(fn)
        return add

    def unregister(self, name: str) -> None:
        self._registered.pop(name, None)

    def _entry_points(self) -> Dict[str, metadata.EntryPoint]:
        return {ep.name: ep for ep in _group(self.group, tuple(sys.path))}

    def names(self) -> List[str]:
        """Every name a config may use (built-in first); loads nothing."""
        import_plugin_modules()
        extra = set(self._registered) | set(self._entry_points())
        return list(self.builtin) + sorted(extra - set(self.builtin))

    def plugin_names(self, names: Iterable[str]) -> List[str]:
        return [n for n in names if n not in self.builtin]

    def problem(self, name: object) -> Optional[str]:
        """None for a usable name, else one line: what is registered (or why the reference fails)."""
        if not isinstance(name, str):
            return f"expected a {self.kind} name (a string), got {name!r}"
        if name in self.builtin:
            return None
        if is_reference(name):
            try:
                load_reference(name)
            except PluginError as err:
                return str(err)
            return None
        try:
            known = self.names()
        except PluginError as err:
            return str(err)
        if name in known:
            return None
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return (f"unknown {self.kind} {name!r}{hint}; registered: {', '.join(known) or 'none'} (add one with "
                f"@{self.decorator}, an entry point in group {self.group!r}, or 'module.path:callable')")

    def validated(self, name: str) -> str:
        """`name`, or ValueError with problem()'s line: a pydantic field validator's body."""
        problem = self.problem(name)
        if problem is not None:
            raise ValueError(problem)
        return name

    def get(self, name: str) -> Callable:
        """The plug-in's callable (loads its entry point or module on first use)."""
        if is_reference(name):
            return load_reference(name)
        import_plugin_modules()
        if name in self._registered:
            return self._registered[name]
        ep = self._entry_points().get(name)
        if ep is None:
            raise PluginError(f"{self.field}: {self.problem(name)}")
        try:
            fn = ep.load()
        except Exception as err:
            raise PluginError(f"{self.field}: {self.kind} {name!r}: its entry point {ep.value!r} does not load "
                              f"({type(err).__name__}: {err})") from None
        self._registered.setdefault(name, fn)
        return fn

    def describe(self, name: str) -> str:
        """'name' or 'name (module:function)' for messages."""
        if is_reference(name):
            return repr(name)
        fn = self._registered.get(name)
        where = f"{fn.__module__}:{fn.__qualname__}" if fn is not None else None
        return f"{name!r}" + (f" ({where})" if where else "")
