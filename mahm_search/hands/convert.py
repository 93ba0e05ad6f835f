"""Official MANO pickles (chumpy objects, scipy sparse matrices) -> plain .npz files smplx loads.

chumpy does not import on numpy >= 1.24 / Python 3.11, and scipy is not a dependency. The pickles only
need the *data* of those objects, so a restricted Unpickler hands back stand-ins: a chumpy `Ch` keeps
its value in `.x`, a scipy sparse matrix keeps `data / indices / indptr / _shape`, which we densify
with numpy. Only numpy, chumpy and scipy.sparse classes may be loaded (a pickle can name any code).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ManoModelError
from ..files import atomic_write
from .model_file import REQUIRED_KEYS, check_mano_npz

SOURCES = {"MANO_RIGHT.pkl": "MANO_RIGHT.npz", "MANO_LEFT.pkl": "MANO_LEFT.npz"}
EXTRA_KEYS = ("J",)  # kept when present; smplx does not need it
# Plain data constructors a pickle of numpy arrays may name (bytes under protocol 2, containers).
SAFE_GLOBALS = {("_codecs", "encode"), ("builtins", "set"), ("builtins", "frozenset"), ("__builtin__", "set"),
                ("builtins", "slice"), ("builtins", "complex"), ("__builtin__", "complex"),
                ("copy_reg", "_reconstructor"), ("copyreg", "_reconstructor")}
NUMPY_NAMES = {"_reconstruct", "dtype", "ndarray", "scalar", "_frombuffer"}  # array rebuilding only


class ChumpyStandIn:
    """Any chumpy object: pickle restores its attribute dict, whose 'x' is the value."""

    def __setstate__(self, state: Any) -> None:
        self.__dict__.update(state if isinstance(state, dict) else {"state": state})


class SparseStandIn:
    """A scipy.sparse matrix's stored arrays; `layout` is 'csc', 'csr' or 'coo'."""

    layout = "csc"

    def __setstate__(self, state: Any) -> None:
        self.__dict__.update(state)

    def dense(self) -> np.ndarray:
        shape = tuple(self.__dict__.get("_shape") or self.__dict__["shape"])
        out = np.zeros(shape, dtype=np.float64)
        data = np.asarray(self.data, dtype=np.float64)
        if self.layout == "coo":
            np.add.at(out, (np.asarray(self.row), np.asarray(self.col)), data)
            return out
        indices, indptr = np.asarray(self.indices), np.asarray(self.indptr)
        major = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
        rows, cols = (indices, major) if self.layout == "csc" else (major, indices)
        np.add.at(out, (rows, cols), data)
        return out


def _sparse_class(layout: str) -> type:
    return type(f"{layout}_matrix", (SparseStandIn,), {"layout": layout})


class MANOUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] == "chumpy":
            return ChumpyStandIn
        if module.startswith("scipy.sparse"):
            layout = name.split("_")[0]
            if layout not in ("csc", "csr", "coo"):
                raise pickle.UnpicklingError(f"unsupported scipy.sparse class {name}")
            return _sparse_class(layout)
        if module.startswith("numpy.core"):  # numpy 2 renamed numpy.core to numpy._core
            module = "numpy._core" + module[len("numpy.core"):]
        if (module.split(".")[0] == "numpy" and name in NUMPY_NAMES) or (module, name) in SAFE_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def plain(value: Any) -> Any:
    """A stand-in or array -> numpy array (Ch -> its .x, sparse -> dense)."""
    if isinstance(value, ChumpyStandIn):
        if "x" not in value.__dict__:
            raise ValueError("chumpy object without a stored value 'x'")
        return plain(value.x)
    if isinstance(value, SparseStandIn):
        return value.dense()
    return np.asarray(value)


def read_mano_pickle(path: Path) -> dict[str, np.ndarray]:
    try:
        with open(path, "rb") as fh:
            raw = MANOUnpickler(fh, encoding="latin1").load()
    except FileNotFoundError:
        raise ManoModelError(f"{path}: file does not exist (expected the official MANO pickle)") from None
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError, KeyError) as err:
        raise ManoModelError(f"{path}: not a readable MANO pickle ({err})") from None
    if not isinstance(raw, dict):
        raise ManoModelError(f"{path}: expected a dict of MANO arrays, got {type(raw).__name__}")
    arrays = {}
    for key in (*REQUIRED_KEYS, *EXTRA_KEYS):
        if key not in raw:
            if key in EXTRA_KEYS:
                continue
            raise ManoModelError(f"{path}: missing key '{key}'")
        try:
            arrays[key] = plain(raw[key])
        except (ValueError, KeyError, AttributeError, TypeError) as err:
            raise ManoModelError(f"{path}: key '{key}': {err}") from None
    arrays["f"] = arrays["f"].astype(np.int64)
    arrays["kintree_table"] = arrays["kintree_table"].astype(np.int64)
    return arrays


def convert_mano_dir(src: str | Path, dst: str | Path) -> list[Path]:
    """Convert SRC/MANO_RIGHT.pkl and SRC/MANO_LEFT.pkl into DST/*.npz; returns the written paths."""
    src, dst = Path(src), Path(dst)
    if not src.is_dir():
        raise ManoModelError(f"{src}: folder does not exist (expected the official MANO_RIGHT.pkl / MANO_LEFT.pkl)")
    converted = {npz: read_mano_pickle(src / pkl) for pkl, npz in SOURCES.items()}
    dst.mkdir(parents=True, exist_ok=True)
    written = []
    for npz, arrays in converted.items():
        path = dst / npz
        atomic_write(path, lambda f: np.savez(f, **arrays))
        check_mano_npz(path)
        written.append(path)
    return written
