"""`--set KEY=VALUE` overrides: applied to a study or config file's loaded mapping before validation,
so an overridden value is checked exactly as if the file held it.

VALUE is parsed as YAML (`3e-4`, `[true]`, `{float: [1e-4, 1e-3]}`, `resnet34`). KEY is a dotted
path into the file's mapping; a mapping whose keys hold dots themselves (a search space's
`arch.self_attention`) is entered by the longest key that matches, so
`space.arch.self_attention.choices=[true]` reaches the `choices` of that parameter. A `space` or
`base` that names a file is read first, so an override can reach into it too.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import yaml

from .errors import ConfigError

# YAML 1.1 reads '3e-4' (no dot) as a string; on a command line it is the number.
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def parse_override(text: str) -> Tuple[str, Any]:
    """'train.lr=3e-4' -> ('train.lr', 0.0003); ConfigError naming the override when malformed."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError([f"--set {text}: expected KEY=VALUE with a dotted KEY, e.g. train.lr=3e-4"])
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as err:
        what = " ".join(str(getattr(err, "problem", None) or err).split())
        raise ConfigError([f"--set {key}: the value {raw!r} is not valid YAML ({what})"]) from None
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        value = float(value)
    return key, value


def apply_overrides(data: Any, overrides: Sequence[str], source: Path,
                    file_sections: Optional[Dict[str, Callable[[str], Path]]] = None) -> Any:
    """A copy of `data` with every override applied in order (a later one wins). `file_sections`:
    top-level keys whose value may be a file name, with how to find that file; it is read before an
    override reaches into it."""
    if not overrides:
        return data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{source}: expected a mapping to apply --set to (got {type(data).__name__})"])
    tree = copy.deepcopy(data)
    sections = file_sections or {}
    for text in overrides:
        key, value = parse_override(text)
        parts = key.split(".")
        if parts[0] in sections and isinstance(tree.get(parts[0]), str) and len(parts) > 1:
            tree[parts[0]] = _read_section(sections[parts[0]], parts[0], tree[parts[0]], key)
        _set(tree, parts, value, key)
    return tree


def _read_section(find: Callable[[str], Path], section: str, name: str, key: str) -> dict:
    from .config import load_yaml

    file = find(name)  # raises ConfigError naming the file when it is not there
    data = load_yaml(file)
    if data is not None and not isinstance(data, dict):
        raise ConfigError([f"--set {key}: {file} is not a mapping, so {section} cannot be overridden inside it"])
    return data or {}


def _set(tree: dict, parts: List[str], value: Any, key: str) -> None:
    node: Any = tree
    path: List[str] = []
    i = 0
    while i < len(parts) - 1:
        j = _longest_key(node, parts, i)
        if j is None:  # a new section, or a new dotted-key entry (a new search-space parameter)
            if _holds_dotted_keys(node) and isinstance(value, dict):
                node[".".join(parts[i:])] = value
                return
            node[parts[i]] = {}
            j = i + 1
        name = ".".join(parts[i:j])
        child = node[name]
        path.append(name)
        if child is None:
            child = node[name] = {}
        if not isinstance(child, dict):
            raise ConfigError([f"--set {key}: {'.'.join(path)} is {child!r}, not a mapping, so it has no "
                               f"'{'.'.join(parts[j:])}'"])
        node, i = child, j
    node[parts[-1]] = value


def _longest_key(node: dict, parts: List[str], start: int) -> Optional[int]:
    """End index j (exclusive) of the longest parts[start:j] that is a key of `node`, leaving at least
    the last part to set; None when no prefix is a key."""
    for j in range(len(parts) - 1, start, -1):
        if ".".join(parts[start:j]) in node:
            return j
    return None


def _holds_dotted_keys(node: dict) -> bool:
    return any(isinstance(k, str) and "." in k for k in node)


def mark_overridden(problems: Sequence[str], overrides: Sequence[str]) -> List[str]:
    """Each problem line about a field an override set (the key, or a section of it at least two
    parts deep) says so: '... (from --set train.lr=x)'."""
    keys = []
    for text in overrides:
        parts = parse_override(text)[0].split(".")
        keys.append(([".".join(parts[:n]) for n in range(len(parts), min(2, len(parts)) - 1, -1)], text))
    out = []
    for line in problems:
        hits = [text for names, text in keys
                if any(f" {name}{end}" in line for name in names for end in (":", " ", "."))]
        out.append(f"{line} (from --set {hits[-1]})" if hits and "--set" not in line else line)
    return out
