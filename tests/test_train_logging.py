"""`train` with stdout in a file: plain, unwrapped log lines (every eval, at least every 60 s), one
summary line, and on Ctrl-C a resume hint and exit status 130."""

import io
import os
import re
import signal
import subprocess
import sys
import time

import yaml
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.train.progress import LogLineReporter, format_log_line
from support.trainer import tiny_config

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d train step \d+/\d+ loss \S+ score \S+ best \S+ eta \S+$")


def test_format_log_line():
    assert format_log_line(120, 1000, 0.341234, 12.3456, 11.9, 312.4) == \
        "train step 120/1000 loss 0.3412 score 12.35 best 11.9 eta 0:05:12"
    assert format_log_line(0, 10) == "train step 0/10 loss - score - best - eta -"
    assert format_log_line(5, 10, eta_s=7265, prefix="trial 3") == "trial 3 step 5/10 loss - score - best - eta 2:01:05"


def test_lines_at_every_eval_and_at_least_every_minute():
    now = [0.0]
    out = io.StringIO()
    rep = LogLineReporter(100, out, clock=lambda: now[0])
    rep.start({"start_step": 10, "history": [{"step": 10, "score": 5.0}]})  # a resumed run
    for step in range(11, 18):
        now[0] += 25.0
        rep.step_end(step, 1.0 / step)
        if step == 14:
            rep.report(step, {"score": 7.0})
    lines = out.getvalue().splitlines()
    assert all(LINE.match(line) for line in lines), lines
    # 60 s reached at step 13 (75 s), the eval at 14 (100 s), then 60 s after it at step 17 (175 s).
    assert [line.split()[4] for line in lines] == ["13/100", "14/100", "17/100"]
    assert "score 5 best 5 eta 0:36:15" in lines[0]  # 75 s for 3 steps: 25 s x 87 steps left
    assert "score 7 best 5" in lines[1]  # lower is better: best keeps the resumed 5


def _config_file(tmp_path, **train):
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(tiny_config(**train).to_dict()))
    return path


def test_train_cli_writes_plain_lines_and_one_summary_when_not_a_tty(tmp_path):
    out = tmp_path / ("a-long-run-folder-name-" * 4)  # a rich console would wrap the summary at 80 columns
    result = CliRunner().invoke(app, ["train", str(_config_file(tmp_path, steps=3, eval_every=2)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "━" not in result.output and "\r" not in result.output and "\x1b" not in result.output
    assert [line.split()[4] for line in lines[:-1]] == ["2/3", "3/3"] and all(LINE.match(x) for x in lines[:-1])
    assert lines[-1].startswith("done: 3 steps") and "final score" in lines[-1] and lines[-1].endswith(
        f"wrote {out}/history.csv and {out}/checkpoint.pt")


def test_ctrl_c_prints_how_to_resume_and_exits_130(tmp_path):
    cfg, out, log = _config_file(tmp_path, steps=500, eval_every=1), tmp_path / "run", tmp_path / "train.log"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    with open(log, "w") as f:  # stdout redirected to a file, as under a cluster scheduler
        # SIGINT at its default in the child, as in a terminal: a suite started in the background (nohup,
        # `&`) ignores it, and Python keeps an ignored SIGINT ignored
        proc = subprocess.Popen([sys.executable, "-m", "mahm_search.cli", "train", str(cfg), "--out", str(out)],
                                stdout=f, stderr=subprocess.STDOUT, env=env,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while "train step 2/500" not in log.read_text():  # two evaluations: a checkpoint exists
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130, log.read_text()
    finally:
        proc.kill()
    lines = log.read_text().splitlines()
    assert all(LINE.match(x) for x in lines[:-1]), lines
    assert lines[-1] == (f"interrupted; to resume, rerun the same command (it continues from {out}/checkpoint.pt): "
                         f"mahm-search train {cfg} --out {out}")
    assert not [p for p in os.listdir(out) if ".tmp" in p]  # even if the signal came mid-write
