"""Pre-flight: a study whose every trial would fail the same way (a wrong data root, an empty MANO
folder, a corrupt or odd storage) exits 2 with one line naming the file or URL, before any trial is
created, and writes nothing to the storage; `status` and `plot` name a broken storage the same way."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mahm_search.cli import app
from support.search import write_study


def _lines(result):
    return [line for line in result.stderr.splitlines() if line.strip()]


def _run(path):
    return CliRunner().invoke(app, ["run", str(path)])


def test_wrong_interhand_root_fails_before_any_trial(tmp_path):
    data = {"source": "interhand", "interhand": {"root": str(tmp_path / "no-such-interhand")}}
    path = write_study(tmp_path, data=data, mano={"generated": True})
    result = _run(path)
    assert result.exit_code == 2, result.output
    (line,) = _lines(result)
    assert f"{path}: data: cannot open the interhand data at {tmp_path / 'no-such-interhand'}" in line
    assert not (tmp_path / "tiny.db").exists() and not (tmp_path / "tiny_runs").exists()


def test_interhand_without_real_mano_fails_before_any_trial(tmp_path, monkeypatch):
    monkeypatch.delenv("MAHM_MANO_DIR", raising=False)
    path = write_study(tmp_path, data={"source": "interhand", "interhand": {"root": str(tmp_path)}})
    result = _run(path)
    assert result.exit_code == 2, result.output
    (line,) = _lines(result)
    assert line.startswith(f"error: {path}: mano.dir: InterHand2.6M needs the real MANO model"), line
    assert "set mano.dir or $MAHM_MANO_DIR" in line and "mano: {generated: true}" in line
    assert not (tmp_path / "tiny.db").exists()


def test_check_real_mano_refuses_warns_or_passes(monkeypatch, tmp_path):
    from mahm_search.data.build import GeneratedManoWarning, check_real_mano
    from mahm_search.data.spec import DataSpec, InterHandSpec
    from mahm_search.errors import ConfigError
    from mahm_search.hands.spec import ManoSpec

    monkeypatch.delenv("MAHM_MANO_DIR", raising=False)
    interhand = DataSpec(source="interhand", interhand=InterHandSpec(root=tmp_path))
    check_real_mano(DataSpec(), ManoSpec())  # synthetic data: the stand-in is the point
    with pytest.raises(ConfigError, match="mano.dir: InterHand2.6M needs the real MANO model"):
        check_real_mano(interhand, ManoSpec())
    with pytest.warns(GeneratedManoWarning, match="meshes, the vertex loss and MPVPE are wrong"):
        check_real_mano(interhand, ManoSpec(generated=True))
    check_real_mano(interhand, ManoSpec(dir=tmp_path))
    monkeypatch.setenv("MAHM_MANO_DIR", str(tmp_path))
    check_real_mano(interhand, ManoSpec())


def test_empty_mano_folder_fails_before_any_trial(tmp_path):
    (tmp_path / "mano").mkdir()
    path = write_study(tmp_path, mano={"dir": str(tmp_path / "mano")})
    result = _run(path)
    assert result.exit_code == 2, result.output
    assert any(f"{path}: mano: " in line and "MANO_RIGHT.npz" in line for line in _lines(result))
    assert any("MANO_LEFT.npz" in line for line in _lines(result))
    assert not (tmp_path / "tiny.db").exists()


@pytest.mark.parametrize("storage, named", [
    ("sqlite:///corrupt.db", "corrupt.db is not a readable SQLite database"),
    ("foo://bar", "cannot open 'foo://bar': not a database URL"),
    ("journal:/proc/no-such-dir/j.log", "/proc/no-such-dir/j.log"),
])
@pytest.mark.parametrize("command", ["run", "status", "plot"])
def test_broken_storage_is_one_line_naming_it(tmp_path, storage, named, command):
    (tmp_path / "corrupt.db").write_bytes(b"not sqlite at all, " * 200)
    path = write_study(tmp_path, storage=storage)
    result = CliRunner().invoke(app, [command, str(path)])
    assert result.exit_code == 2, result.output
    (line,) = _lines(result)
    assert str(path) in line and named in line
    assert (tmp_path / "corrupt.db").read_bytes() == b"not sqlite at all, " * 200  # left as it was
