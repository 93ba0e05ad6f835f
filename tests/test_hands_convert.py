"""convert_mano_dir on pickles made to look like the official MANO files (chumpy Ch values, a scipy
sparse J_regressor), without chumpy or scipy installed."""

from __future__ import annotations

import os
import pickle
import sys
import types

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.errors import ManoModelError
from mahm_search.hands.convert import convert_mano_dir
from mahm_search.hands.generated.generated import generate_mano_files
from mahm_search.hands.layer import TwoHandMANO
from mahm_search.hands.spec import ManoSpec


class Ch:
    """Pickles like chumpy.ch.Ch: its value lives in the attribute dict under 'x'."""


class csc_matrix:
    """Pickles like scipy.sparse.csc.csc_matrix: data / indices / indptr / _shape."""


@pytest.fixture()
def fake_official_modules(monkeypatch):
    for module, cls in (("chumpy.ch", Ch), ("scipy.sparse.csc", csc_matrix)):
        parts = module.split(".")
        for i in range(1, len(parts) + 1):
            monkeypatch.setitem(sys.modules, ".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
        monkeypatch.setattr(cls, "__module__", module)
        setattr(sys.modules[module], cls.__name__, cls)


def chumpy(value):
    ch = Ch()
    ch.__dict__.update({"x": np.asarray(value), "_dirty_vars": set(), "_itr": None})
    return ch


def sparse(dense):
    m = csc_matrix()
    cols = [np.nonzero(dense[:, j])[0] for j in range(dense.shape[1])]
    m.__dict__.update({
        "data": np.concatenate([dense[c, j] for j, c in enumerate(cols)]),
        "indices": np.concatenate(cols).astype(np.int32),
        "indptr": np.concatenate([[0], np.cumsum([len(c) for c in cols])]).astype(np.int32),
        "_shape": dense.shape, "maxprint": 50,
    })
    return m


def official_like(npz_path):
    src = dict(np.load(npz_path))
    return {
        "hands_components": src["hands_components"], "f": src["f"].astype(np.uint32),
        "J_regressor": sparse(src["J_regressor"]), "kintree_table": src["kintree_table"],
        "J": src["J"], "bs_style": "lbs", "hands_coeffs": np.zeros((1554, 45)),
        "weights": chumpy(src["weights"]), "posedirs": chumpy(src["posedirs"]),
        "hands_mean": src["hands_mean"], "v_template": chumpy(src["v_template"]),
        "shapedirs": chumpy(src["shapedirs"]), "bs_type": "lrotmin",
    }


def write_official(folder, models):
    folder.mkdir(parents=True, exist_ok=True)
    for name, model in models.items():
        with open(folder / name, "wb") as fh:
            pickle.dump(model, fh, protocol=2)


def test_round_trip_gives_the_same_model(tmp_path, fake_official_modules):
    right, left = generate_mano_files(tmp_path / "gen")
    write_official(tmp_path / "pkl", {"MANO_RIGHT.pkl": official_like(right), "MANO_LEFT.pkl": official_like(left)})
    for name in list(sys.modules):  # convert must not need the fake modules
        if name.split(".")[0] in ("chumpy", "scipy"):
            del sys.modules[name]
    written = convert_mano_dir(tmp_path / "pkl", tmp_path / "npz")
    assert sorted(p.name for p in written) == ["MANO_LEFT.npz", "MANO_RIGHT.npz"]
    for original in (right, left):
        a, b = np.load(original), np.load(tmp_path / "npz" / original.name)
        for key in ("v_template", "shapedirs", "posedirs", "J_regressor", "weights", "f", "hands_mean", "hands_components"):
            assert np.allclose(a[key], b[key]), key
    pose = torch.randn(2, 2, 48) * 0.3
    shape = torch.randn(2, 2, 10)
    ref = TwoHandMANO(ManoSpec(dir=tmp_path / "gen"))(pose, shape)
    got = TwoHandMANO(ManoSpec(dir=tmp_path / "npz"))(pose, shape)
    assert torch.allclose(ref["vertices"], got["vertices"], atol=1e-4)


def test_cli_mano_convert(tmp_path, fake_official_modules):
    right, left = generate_mano_files(tmp_path / "gen")
    write_official(tmp_path / "pkl", {"MANO_RIGHT.pkl": official_like(right), "MANO_LEFT.pkl": official_like(left)})
    result = CliRunner().invoke(app, ["mano", "convert", str(tmp_path / "pkl"), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "MANO_LEFT.npz").is_file()


def test_missing_and_malformed_files_name_the_path(tmp_path, fake_official_modules):
    with pytest.raises(ManoModelError, match="nowhere"):
        convert_mano_dir(tmp_path / "nowhere", tmp_path / "out")
    right, _ = generate_mano_files(tmp_path / "gen")
    write_official(tmp_path / "pkl", {"MANO_RIGHT.pkl": official_like(right)})
    with pytest.raises(ManoModelError, match="MANO_LEFT.pkl"):
        convert_mano_dir(tmp_path / "pkl", tmp_path / "out")
    (tmp_path / "pkl" / "MANO_LEFT.pkl").write_bytes(b"garbage")
    with pytest.raises(ManoModelError, match="MANO_LEFT.pkl"):
        convert_mano_dir(tmp_path / "pkl", tmp_path / "out")
    broken = official_like(right)
    del broken["shapedirs"]
    write_official(tmp_path / "pkl", {"MANO_LEFT.pkl": broken})
    with pytest.raises(ManoModelError, match=r"MANO_LEFT.pkl.*shapedirs"):
        convert_mano_dir(tmp_path / "pkl", tmp_path / "out")


def test_pickle_naming_other_code_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    folder = tmp_path / "pkl"
    write_official(folder, {"MANO_RIGHT.pkl": {"v_template": Evil()}, "MANO_LEFT.pkl": {}})
    with pytest.raises(ManoModelError, match="refusing"):
        convert_mano_dir(folder, tmp_path / "out")
