"""Checkpoints: a foreign pickle is refused, never executed; RNG states survive the safe format; a
full disk or Ctrl-C mid-write leaves the previous file and no tmp file."""

import errno
import io
import os
import pickle
import random
import re
import shlex

import numpy as np
import pandas as pd
import pytest
import torch

from mahm_search import files as files_module
from mahm_search.errors import MahmError
from mahm_search.train.checkpoint import (KEYS, CheckpointError, load_checkpoint, rng_states, save_checkpoint,
                                          set_rng_states)
from mahm_search.train.history_csv import write_history
from mahm_search.train.trainer import train
from support.trainer import tiny_config


class Payload:
    """What an attacker would drop into a run folder: unpickling it runs a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {shlex.quote(str(self.marker))}",)


def _state(**kw):
    return {k: None for k in KEYS} | {"rng": rng_states()} | kw


@pytest.mark.parametrize("fmt", ["torch.save", "raw pickle"])
def test_malicious_checkpoint_is_refused_and_not_executed(tmp_path, fmt):
    marker, path = tmp_path / "pwned", tmp_path / "checkpoint.pt"
    if fmt == "torch.save":
        torch.save(_state(model=Payload(marker)), path)
    else:
        path.write_bytes(pickle.dumps(Payload(marker), protocol=2))
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(path)
    message = str(err.value)
    assert str(path) in message and "not executed" in message and "system" in message, message
    assert not marker.exists()
    # Control: the payload is live; the loader this replaced (weights_only=False) would have run it.
    torch.load(path, weights_only=False) if fmt == "torch.save" else pickle.loads(path.read_bytes())
    assert marker.exists()


def test_resume_refuses_a_planted_checkpoint(tmp_path):
    marker, run = tmp_path / "pwned", tmp_path / "run"
    run.mkdir()
    torch.save(_state(model=Payload(marker)), run / "checkpoint.pt")
    with pytest.raises(CheckpointError, match="not executed"):
        train(tiny_config(), run_dir=run)
    assert not marker.exists()


def test_rng_states_round_trip_through_the_safe_format(tmp_path):
    random.gauss(0, 1), np.random.randn()  # leave a cached Gaussian in both generators
    save_checkpoint(tmp_path / "c.pt", _state())
    expected = (random.random(), random.gauss(0, 1), np.random.randn(3), torch.rand(3))
    set_rng_states(load_checkpoint(tmp_path / "c.pt")["rng"])
    got = (random.random(), random.gauss(0, 1), np.random.randn(3), torch.rand(3))
    assert got[:2] == expected[:2]
    np.testing.assert_array_equal(got[2], expected[2])
    torch.testing.assert_close(got[3], expected[3], rtol=0, atol=0)


def test_safe_but_foreign_or_corrupt_files_name_the_path(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a mahm-search run checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    save_checkpoint(tmp_path / "cut.pt", _state())
    (tmp_path / "cut.pt").write_bytes((tmp_path / "cut.pt").read_bytes()[:500])  # as if copied halfway
    with pytest.raises(CheckpointError, match="cut.pt: cannot read checkpoint"):
        load_checkpoint(tmp_path / "cut.pt")
    (tmp_path / "junk.pt").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(CheckpointError, match="junk.pt: refused to load"):
        load_checkpoint(tmp_path / "junk.pt")


FAILURES = [pytest.param(OSError(errno.ENOSPC, "No space left on device"), id="disk-full"),
            pytest.param(KeyboardInterrupt(), id="ctrl-c")]


def _raises(error, path):
    """Disk full: one clear line (a MahmError, so the CLI shows no traceback); Ctrl-C: passes through."""
    if isinstance(error, OSError):
        return pytest.raises(MahmError, match="^" + re.escape(
            f"no space left on device writing {path}; free space and rerun the same command to resume") + "$")
    return pytest.raises(KeyboardInterrupt)


@pytest.mark.parametrize("error", FAILURES)
def test_failed_checkpoint_write_keeps_old_file_and_leaves_no_tmp(tmp_path, monkeypatch, error):
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, _state(step=2))
    before = path.read_bytes()

    def save(obj, f, *args, **kwargs):  # half the file reaches the disk, then the write fails
        f.write(b"half a checkpoint" * 1000)
        raise error

    monkeypatch.setattr(torch, "save", save)
    with _raises(error, path):
        save_checkpoint(path, _state(step=4))
    assert os.listdir(tmp_path) == ["checkpoint.pt"] and path.read_bytes() == before


class FillingFile(io.FileIO):
    """A file on a disk that fills (or a Ctrl-C that lands) after `room` bytes."""

    def __init__(self, path, mode, room, error):
        super().__init__(path, mode)
        self.room, self.error = room, error

    def write(self, data):
        if self.tell() + len(data) > self.room:
            super().write(bytes(data)[:max(0, self.room - self.tell())])
            raise self.error
        return super().write(data)


@pytest.mark.parametrize("error", FAILURES)
def test_failure_inside_the_real_torch_save_is_not_masked(tmp_path, monkeypatch, error):
    """torch's zip writer answers a failed f.write with its own RuntimeError: the user must still see
    the full disk (or the Ctrl-C), and no tmp file may be left."""
    path = tmp_path / "checkpoint.pt"
    monkeypatch.setattr(files_module, "open", lambda p, mode: FillingFile(p, mode, 5000, error), raising=False)
    with _raises(error, path):
        save_checkpoint(path, _state(model={"w": torch.zeros(100_000)}))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("error", FAILURES)
def test_failed_history_write_keeps_old_file_and_leaves_no_tmp(tmp_path, monkeypatch, error):
    path = tmp_path / "history.csv"
    write_history(path, [{"step": 1, "score": 3.0}])

    def fsync(fd):  # the rows are written; the disk reports full when they are forced out
        assert os.fstat(fd).st_size > 0
        raise error

    monkeypatch.setattr(files_module.os, "fsync", fsync)
    with _raises(error, path):
        write_history(path, [{"step": 1, "score": 3.0}, {"step": 2, "score": 2.0}])
    assert os.listdir(tmp_path) == ["history.csv"] and list(pd.read_csv(path)["step"]) == [1]
