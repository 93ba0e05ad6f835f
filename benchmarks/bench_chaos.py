"""Chaos benchmark (issue 11): SIGKILL a study's whole process group at random moments, rerun, and
check the finished study with plain Optuna. Goal: every kill survived.

    python benchmarks/bench_chaos.py [--kills 12] [--quick] [--storage sqlite,postgres,journal] [--workers 1,2]
        [--signal] [--backend optuna|ray]

--signal preempts instead: SIGTERM, SIGINT and SIGUSR1 in turn, at a random moment, to the run's main
process, which must checkpoint its trial and exit 75; every preempted trial's retry must resume from
the very step it stopped at (0 steps lost), on top of the checks below. --backend ray runs the study
on Ray Tune (1 worker). --storage journal: a journal file (its heartbeat: search/journal/).

For each (storage, workers) configuration it runs a tiny study (the real trainer: resnet18 x0.25 at
64 px, 8 steps, an eval and a checkpoint every 2 steps; heartbeat interval 1 s, grace period 3 s).
`mahm-search run STUDY [--workers 2]` is started in its own session (start_new_session=True), and
after a random delay (uniform over start-up plus 1.5 typical trials, so kills land at start-up,
mid-step, at an eval, during a checkpoint write and between trials) its process group gets SIGKILL;
then it is started again, until --kills kills have been made. A study that finishes first is checked
and a new one started. The last run of each study is left to finish (it must exit 0 within a
timeout: a hang is a violation), and then plain Optuna (optuna.load_study) and the study folder are
checked:

- counted trials (COMPLETE + PRUNED + FAIL with an `error` user attr) == n_trials, each a different
  trial (no two of them retries of one original: that would be a trial repeated); with several
  workers the runner may overshoot by up to workers-1 (workers asking together): reported apart,
  not a violation. Any FAIL with an `error` is a violation too (nothing in this study should error);
- no RUNNING (nor WAITING) trial left;
- every trial's intermediate-value steps strictly increasing, without duplicates (also in the raw
  trial_intermediate_values table), a gap-free prefix of the eval schedule; COMPLETE: all of it;
- every retry (system_attrs['failed_trial'] names the original, retry_history the chain) has its
  original's params and continues its predecessor's curve: it holds the predecessor's values
  unchanged; for each trial killed mid-training, the checkpoint step found right after the kill is at
  most one eval behind its last reported step (so the retry's new evals follow on without a gap);
  with 1 worker, the retry's first logged eval is the one right after that checkpoint (it resumed from
  it rather than from step 0); the retry trained in its original's run folder;
- no `*.tmp*` file left anywhere under the study folder.

Where a kill landed is read right after it (cheap, post mortem): the RUNNING trials it left, their
last reported step vs their checkpoint's step, and any checkpoint tmp file ('checkpoint write').

A kill is survived when no violation is traced to it: a violation about trial N goes to the kills
that hit trial N (or its chain), a tmp file to the kill made during that write, a run that exits
non-zero to the kill before it, anything else to every kill of that study. PostgreSQL runs on a
throwaway server (tests/support/pg_server.py); it is skipped, saying why, when the binaries are absent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.search import TINY_BASE  # noqa: E402

NAME = "chaos"
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)
EXIT_PREEMPTED = 75  # mahm_search.search.preempt.EXIT_PREEMPTED
FINAL_TIMEOUT_S = 600
EARLY_EXITS_MAX = 3  # a relaunch that keeps exiting non-zero before its kill: give the study up


@dataclass
class Kill:
    index: int
    study: str
    delay_s: float
    mode: str = "random"
    trigger: str = ""
    where: str = "?"
    hit: list = field(default_factory=list)  # trial numbers RUNNING when it landed
    ckpt: dict = field(default_factory=dict)  # trial number -> (last reported step, checkpoint step)
    tmp_files: list = field(default_factory=list)  # tmp files it left (new right after it)
    violations: list = field(default_factory=list)


@dataclass
class Round:
    storage: str
    workers: int
    kills: list = field(default_factory=list)
    studies: list = field(default_factory=list)  # (study folder, counted, n_trials, violations)
    overshoot: int = 0
    wall_s: float = 0.0


# -- the study ---------------------------------------------------------------------------------------
def write_study(folder: Path, args, storage_url: Optional[str]) -> Path:
    study = {
        "name": NAME,
        "sampler": {"type": "random", "seed": 0},
        "pruner": {"type": "none"},
        "n_trials": args.n_trials,
        "train": {"steps": args.steps, "eval_every": args.eval_every, "batch_size": 4, "warmup_steps": 0},
        "base": TINY_BASE,
        "space": {"train.lr": {"float": [1.0e-4, 1.0e-3], "log": True}},
        # max_retry above the kills made: a trial killed again and again is still retried, so every
        # kill can be checked for a continuing retry (with the default 2, a third kill of one trial
        # abandons it by design and a fresh configuration takes its place)
        "heartbeat": {"interval": 1, "grace_period": 3, "max_retry": args.kills + 2},
    }
    if storage_url:
        study["storage"] = storage_url
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{NAME}.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    return path


def storage_url(folder: Path, pg_url: Optional[str], storage: str = "sqlite") -> str:
    if storage == "journal":
        return f"journal:{folder}/{NAME}.log"
    return pg_url or f"sqlite:///{folder}/{NAME}.db"


def load_trials(url: str):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    storage = url
    if url.startswith("journal:"):
        if not Path(url[len("journal:"):]).exists():
            return []
        storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(url[len("journal:"):]))
    try:
        return optuna.load_study(study_name=NAME, storage=storage).get_trials()
    except KeyError:
        return []


def launch(path: Path, workers: int, log, env, backend: str = "optuna") -> subprocess.Popen:
    cmd = [sys.executable, "-m", "mahm_search.cli", "run", str(path), "--backend", backend]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    return subprocess.Popen(cmd, cwd=path.parent, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)


def checkpoint_step(run_dir: Path) -> int:
    ckpt = run_dir / "checkpoint.pt"
    if not ckpt.exists():
        return 0
    import torch

    try:
        return int(torch.load(ckpt, map_location="cpu", weights_only=True)["step"])
    except Exception as err:  # a torn checkpoint would itself be a finding
        return -1 if not isinstance(err, KeyError) else -2


def tmp_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if ".tmp" in p.name)


def run_dir_of(folder: Path, t) -> Path:
    return folder / f"{NAME}_runs" / f"trial_{t.system_attrs.get('failed_trial', t.number)}"


def classify(folder: Path, url: str, before: dict, args, old_tmp: set) -> tuple[str, list, dict, list]:
    """Where the kill landed, from what it left: (label, RUNNING numbers, ckpt steps, tmp folders)."""
    from optuna.trial import TrialState

    trials = load_trials(url)
    # RUNNING before this launch: a trial killed earlier, not yet failed (trials never come back to life)
    stale = [t.number for t in trials if t.state == TrialState.RUNNING and before.get(t.number) == "RUNNING"]
    running = [t for t in trials if t.state == TrialState.RUNNING and t.number not in stale]
    new_tmp = [str(p) for p in tmp_files(folder / f"{NAME}_runs") if str(p) not in old_tmp]
    tmp_dirs = {str(Path(p).parent) for p in new_tmp}
    labels, ckpt = [], {}
    for t in running:
        run_dir = run_dir_of(folder, t)
        reported = max(t.intermediate_values, default=0)
        c = checkpoint_step(run_dir)
        ckpt[t.number] = (reported, c)
        if str(run_dir) in tmp_dirs:
            labels.append(f"checkpoint write (trial {t.number}, step {c}->{c + args.eval_every})")
        elif reported > c:
            labels.append(f"eval->checkpoint (trial {t.number}, reported {reported}, ckpt {c})")
        elif reported == 0 and c == 0:
            labels.append(f"trial start (trial {t.number}, before its first eval)")
        else:
            labels.append(f"training (trial {t.number}, after eval {reported})")
    if not running:
        # a trial that ended in this launch (not one that recovery failed as stale: that is start-up)
        finished_now = [t.number for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
                        and before.get(t.number) not in ("COMPLETE", "PRUNED")]
        labels.append(f"between trials (after trial {finished_now[-1]} ended)" if finished_now
                      else "startup (no trial running yet)")
    if stale:
        labels.append(f"(still RUNNING from an earlier kill: {', '.join(map(str, stale))})")
    return "; ".join(labels), [t.number for t in running], ckpt, new_tmp


# -- when to kill -------------------------------------------------------------------------------------
# Most kills come after a random delay. To be sure some land at the short moments a random delay
# rarely hits, every other kill instead waits (polling the run folders and the log every 10 ms, up to
# start-up + 2 trials) for: a checkpoint tmp file (kill mid-write), a checkpoint just replaced (the
# step after an eval), an eval's log line (1 worker: printed before the value is stored), or a
# trial's "complete" line (1 worker: at once; 2 workers: the parent polls every 2 s).
MODES = ["random", "checkpoint write", "random", "after checkpoint", "random", "after eval", "random",
         "after trial end"]
EVAL_LINE = re.compile(r"trial \d+ step \d+/\d+ loss [-+0-9.e]*\d score ")
END_LINE = re.compile(r"trial \d+ (complete|pruned) ")
ANY_EVAL = re.compile(r"trial \d+ step \d+/\d+ loss \S+ score \d")  # this process's trial or another's (Ray)


def _ckpt_mtimes(runs: Path) -> dict:
    out = {}
    try:
        for d in os.scandir(runs):
            try:
                out[d.name] = os.stat(os.path.join(d.path, "checkpoint.pt")).st_mtime_ns
            except OSError:
                pass
    except OSError:
        pass
    return out


def _tmp_seen(runs: Path, old: set) -> bool:
    try:
        return any(".tmp" in f.name and f.path not in old
                   for d in os.scandir(runs) if d.is_dir() for f in os.scandir(d.path))
    except OSError:
        return False


def wait_for(mode: str, proc: subprocess.Popen, folder: Path, log_path: Path, timeout: float, old: set):
    """Wait until the mode's moment: (exit code if the run ended first else None, what triggered)."""
    runs = folder / f"{NAME}_runs"
    base = _ckpt_mtimes(runs)
    seen = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rc = proc.poll()
        if rc is not None:
            return rc, "ended"
        if mode == "checkpoint write" and _tmp_seen(runs, old):
            return None, "tmp file seen"
        if mode == "after checkpoint" and any(m != base.get(k) for k, m in _ckpt_mtimes(runs).items()):
            return None, "checkpoint replaced"
        if mode in ("after eval", "any eval", "after trial end"):
            with open(log_path, errors="replace") as f:
                f.seek(seen)
                new = f.read()
            if {"after eval": EVAL_LINE, "any eval": ANY_EVAL}.get(mode, END_LINE).search(new):
                return None, "log line seen"
            seen += len(new.rsplit("\n", 1)[0]) + 1 if "\n" in new else 0
        time.sleep(0.01)
    return None, "timed out"


# -- checks ------------------------------------------------------------------------------------------
def check_study(folder: Path, url: str, args, workers: int, kills: list, logs: list[Path]) -> tuple:
    """(counted, overshoot, violations as (trial number and the ones it retries, "tmp" or None; text))."""
    import sqlalchemy
    from optuna.trial import TrialState

    trials = load_trials(url)
    by_number = {t.number: t for t in trials}
    out: list = []
    schedule = list(range(args.eval_every, args.steps + 1, args.eval_every))
    if schedule[-1] != args.steps:
        schedule.append(args.steps)

    counted = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
               or (t.state == TrialState.FAIL and "error" in t.user_attrs)]
    overshoot = 0
    if len(counted) > args.n_trials and len(counted) - args.n_trials <= workers - 1:
        overshoot = len(counted) - args.n_trials
    elif len(counted) != args.n_trials:
        out.append((None, f"counted trials {len(counted)} != n_trials {args.n_trials} "
                          f"(states {sorted((t.number, t.state.name) for t in trials)})"))
    roots: dict = {}
    for t in counted:  # a trial counted twice (two retries of one dead trial both finished)
        roots.setdefault(t.system_attrs.get("failed_trial", t.number), []).append(t.number)
    for root, numbers in sorted(roots.items()):
        if len(numbers) > 1:
            out.append((numbers[-1], f"trial {root} counted {len(numbers)} times: trials {numbers} are its "
                                     "retries (one trial repeated, a configuration lost)"))
    for t in trials:
        if t.state == TrialState.FAIL and "error" in t.user_attrs:
            out.append((t.number, f"trial {t.number} FAIL with error: {t.user_attrs['error'][:300]}"))
        if t.state in (TrialState.RUNNING, TrialState.WAITING):
            out.append((t.number, f"trial {t.number} left {t.state.name}"))
        steps = list(t.intermediate_values)
        if steps != sorted(set(steps)) or steps != schedule[:len(steps)]:
            out.append((t.number, f"trial {t.number} steps {steps} are not a gap-free prefix of {schedule}"))
        if t.state == TrialState.COMPLETE and sorted(steps) != schedule:
            out.append((t.number, f"trial {t.number} COMPLETE with steps {sorted(steps)} != {schedule}"))

    dups = []
    if not url.startswith("journal:"):
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as conn:
            dups = conn.execute(sqlalchemy.text(
                "SELECT trial_id, step, COUNT(*) FROM trial_intermediate_values GROUP BY trial_id, step "
                "HAVING COUNT(*) > 1")).fetchall()
        engine.dispose()
    for trial_id, step, n in dups:
        out.append((None, f"trial_id {trial_id} has {n} intermediate values at step {step}"))

    # retries continue their predecessor's curve, in the original's folder
    for t in trials:
        history = t.system_attrs.get("retry_history")
        if not history:
            continue
        original, previous = by_number[t.system_attrs["failed_trial"]], by_number[history[-1]]
        if t.params != original.params:
            out.append((t.number, f"retry {t.number} params {t.params} != original {original.number}'s "
                                  f"{original.params}"))
        lost = {s: v for s, v in previous.intermediate_values.items() if t.intermediate_values.get(s) != v}
        if lost:
            out.append((t.number, f"retry {t.number} does not keep trial {previous.number}'s values {lost}"))
        if (folder / f"{NAME}_runs" / f"trial_{t.number}").exists():
            out.append((t.number, f"retry {t.number} trained in its own folder, not trial_{original.number}"))

    out += steps_lost(trials)
    first_eval = first_logged_evals(logs) if workers == 1 else {}
    for kill in kills:
        for number, (reported, c) in kill.ckpt.items():
            if c < 0:
                out.append((number, f"kill {kill.index}: trial {number}'s checkpoint unreadable right after it"))
                continue
            if reported - c > args.eval_every:
                out.append((number, f"kill {kill.index}: trial {number} reported step {reported} but its "
                                    f"checkpoint was at step {c}"))
            retries = [r for r in trials if r.system_attrs.get("retry_history", [None])[-1] == number]
            if len(retries) != 1:
                out.append((number, f"kill {kill.index}: trial {number} (killed at reported step {reported}, "
                                    f"ckpt {c}) has {len(retries)} direct retries, expected 1"))
                continue
            retry = retries[0]
            logged = first_eval.get(retry.number)
            expected = c + args.eval_every
            if logged is not None and c < args.steps and logged != min(expected, args.steps):
                out.append((retry.number, f"kill {kill.index}: retry {retry.number} of trial {number} first "
                                          f"evaluated step {logged}, expected {expected} (resume from ckpt {c})"))

    chains = {t.number: [t.number, *t.system_attrs.get("retry_history", [])] for t in trials}
    out = [(chains.get(target, [target]) if isinstance(target, int) else target, text) for target, text in out]
    leftovers = tmp_files(folder)
    for p in leftovers:
        out.append(("tmp", f"tmp file left: {p.relative_to(folder)} ({p.stat().st_size} B)"))
    return len(counted), overshoot, out


def steps_lost(trials) -> list:
    """Preempted trials (a signal, not SIGKILL): each checkpointed the step it stopped at, and its retry
    resumed from exactly that step (0 steps lost)."""
    out = []
    for t in trials:
        stopped = t.user_attrs.get("interrupted")
        if not stopped:
            continue
        if not stopped.get("checkpointed"):
            out.append((t.number, f"trial {t.number} preempted at step {stopped.get('step')} without a checkpoint"))
        retries = [r for r in trials if r.system_attrs.get("retry_history", [None])[-1] == t.number]
        if len(retries) != 1:
            out.append((t.number, f"preempted trial {t.number} has {len(retries)} direct retries, expected 1"))
            continue
        resumed = retries[0].user_attrs.get("resumed_from_step")
        if resumed != stopped.get("step"):
            out.append((retries[0].number, f"retry {retries[0].number} resumed from step {resumed}, but trial "
                                           f"{t.number} stopped (checkpointed) at step {stopped.get('step')}: "
                                           "steps lost"))
    return out


def preempted_where(trials, before: dict) -> str:
    """Where a signal landed: the trials it preempted (new `interrupted` FAILs) and their step."""
    hit = [t for t in trials if t.user_attrs.get("interrupted") and before.get(t.number) != "FAIL"]
    if not hit:
        return "no trial training (start-up, admission, waiting or between trials)"
    return "; ".join(f"trial {t.number} preempted at step {t.user_attrs['interrupted']['step']}" for t in hit)


SIGNAL_EXIT_S = 300  # a step and a checkpoint write, on a loaded 2-core machine


def deliver(proc: subprocess.Popen, sig) -> object:
    """Send a preemption signal to the run's main process (not its group, as `kill PID` or SLURM's
    `--signal=B:...` would); its exit status, or 'hang' (then SIGKILL)."""
    os.kill(proc.pid, sig)
    try:
        return proc.wait(timeout=SIGNAL_EXIT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "hang"


# an eval line of a trial trained by this process (a line for another process's trial shows "loss -")
LOG_LINE = re.compile(r"trial (\d+) step (\d+)/\d+ loss [-+0-9.e]*\d score ")


def first_logged_evals(logs: list[Path]) -> dict:
    first: dict = {}
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            m = LOG_LINE.search(line)
            if m:
                first.setdefault(int(m.group(1)), int(m.group(2)))
    return first


def attribute(violations: list, kills: list) -> None:
    """Give each violation to the kill(s) it can be traced to (see the module docstring)."""
    for target, text in violations:
        owners: list = []
        if target == "previous kill":
            m = re.search(r"^after kill (\d+):", text)
            owners = [k for k in kills if m and k.index == int(m.group(1))]
        elif target == "tmp":
            m = re.search(r"tmp file left: (\S+)", text)
            owners = [k for k in kills if m and any(f.endswith(m.group(1)) for f in k.tmp_files)]
        elif isinstance(target, list):  # a trial and the trials it retries
            m = re.search(r"^kill (\d+):", text)
            owners = ([k for k in kills if k.index == int(m.group(1))] if m
                      else [k for k in kills if set(target) & set(k.hit)])
        for k in owners or kills:
            k.violations.append(text)


# -- one configuration ---------------------------------------------------------------------------------
def run_round(storage: str, workers: int, args, rng: random.Random, root: Path, env: dict,
              pg_server_url: Optional[str], estimate: dict) -> Round:
    rnd = Round(storage, workers)
    started = time.monotonic()
    study_index = 0
    while len(rnd.kills) < args.kills:
        study_index += 1
        folder = root / f"{storage}-w{workers}-{study_index}"
        pg_url = None
        if storage == "postgres":
            from support import pg_server

            pg_url = pg_server.create_database(pg_server_url, f"chaos_w{workers}_{study_index}")
        url = storage_url(folder, pg_url, storage)
        path = write_study(folder, args, url if storage != "sqlite" else None)
        kills: list = []
        logs: list = []
        before: dict = {}
        early_exits = 0
        finished = False
        extra: list = []  # violations seen while killing: (to whom, text)
        while len(rnd.kills) < args.kills:
            log_path = folder / f"launch{len(logs):02d}.log"
            logs.append(log_path)
            mode = MODES[len(rnd.kills) % len(MODES)]
            if args.signal:
                mode = "signal"  # after the run's first eval line, a random part of a trial later
            elif args.backend == "ray":
                mode = "random"  # the write-triggered modes read the Optuna backend's log lines
            if mode == "after eval" and workers > 1:
                mode = "random"  # spawned workers print no eval lines
            hi = estimate["startup_s"] + 1.5 * estimate["trial_s"]
            delay = rng.uniform(0.2, hi)
            trigger = ""
            old_tmp = {str(p) for p in tmp_files(folder / f"{NAME}_runs")}
            with open(log_path, "w") as log:
                launched = time.monotonic()
                proc = launch(path, workers, log, env, args.backend)
                if mode == "random":
                    try:
                        rc = proc.wait(timeout=delay)
                    except subprocess.TimeoutExpired:
                        rc = None
                elif mode == "signal":  # some steps done (start-up times vary too much on a busy host)
                    rc, trigger = wait_for("any eval", proc, folder, log_path,
                                           FINAL_TIMEOUT_S, old_tmp)
                    if rc is None:
                        try:
                            # Ray's trials run side by side and its trial_s includes its start-up: a
                            # few seconds, or the study often ends first
                            rc = proc.wait(timeout=rng.uniform(0.0, estimate["trial_s"] if args.backend == "optuna"
                                                               else 3.0))
                        except subprocess.TimeoutExpired:
                            rc = None
                else:
                    rc, trigger = wait_for(mode, proc, folder, log_path,
                                           estimate["startup_s"] + 2 * estimate["trial_s"], old_tmp)
                if rc is None and args.signal:
                    sig = SIGNALS[len(rnd.kills) % len(SIGNALS)]
                    trigger = sig.name
                    rc_signal = deliver(proc, sig)
                    early = rc_signal in (-sig.value, 128 + sig.value) and not [
                        t for t in load_trials(url) if t.state.name == "RUNNING"]
                    if early:  # before `run` installed its handlers (interpreter start-up): no trial yet
                        trigger = f"{sig.name}, landed outside the handlers (interpreter start-up or exit)"
                    elif rc_signal not in (EXIT_PREEMPTED, 0):
                        extra.append((None, f"signal {len(rnd.kills) + 1} ({sig.name}): the run exited "
                                            f"{rc_signal}, expected {EXIT_PREEMPTED} (preempted) or 0"))
                    if rc_signal == 0:
                        rc = 0  # it finished before the signal landed
                elif rc is None:
                    os.killpg(proc.pid, signal.SIGKILL)  # our own child's session only
                    proc.wait()
                delay = time.monotonic() - launched
            if rc is None:
                time.sleep(0.3)  # let spawned workers' deaths settle before reading the folder
                kill = Kill(len(rnd.kills) + 1, folder.name, delay, mode=mode, trigger=trigger)
                kill.where, kill.hit, kill.ckpt, kill.tmp_files = classify(folder, url, before, args, old_tmp)
                if args.signal:  # a graceful stop leaves no RUNNING trial: say which trial it preempted
                    kill.where = preempted_where(load_trials(url), before)
                kills.append(kill)
                rnd.kills.append(kill)
                shown = mode if mode == "random" else f"{mode}: {trigger}"
                print(f"  [{storage} w{workers}] kill {kill.index:2d} after {delay:5.1f} s ({shown}): {kill.where}",
                      flush=True)
                before = {t.number: t.state.name for t in load_trials(url)}
                continue
            if rc == 0:
                finished = True
                print(f"  [{storage} w{workers}] {folder.name}: the study finished before the next kill",
                      flush=True)
                break
            early_exits += 1
            tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
            text = (f"after kill {kills[-1].index if kills else 0}: a rerun exited {rc} after {delay:.1f} s, "
                    f"before its kill: {' | '.join(tail)}")
            extra.append(("previous kill", text))
            if early_exits >= EARLY_EXITS_MAX:
                break
        if not finished:  # let the study finish, unkilled
            log_path = folder / f"launch{len(logs):02d}-final.log"
            logs.append(log_path)
            with open(log_path, "w") as log:
                proc = launch(path, workers, log, env, args.backend)
                try:
                    rc = proc.wait(timeout=FINAL_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    rc = "hang"
            if rc != 0:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
                extra.append((None, f"the final run exited {rc}: {' | '.join(tail)}"))
        counted, overshoot, violations = check_study(folder, url, args, workers, kills, logs)
        violations = extra + violations
        attribute(violations, kills)
        rnd.overshoot += overshoot
        rnd.studies.append((folder.name, counted, args.n_trials, violations))
        update_estimate(estimate, url)
        print(f"  [{storage} w{workers}] {folder.name}: {len(kills)} kills, counted {counted}/{args.n_trials}"
              f"{f' (+{overshoot} overshoot)' if overshoot else ''}, {len(violations)} violation(s)", flush=True)
        for _, text in violations:
            print(f"    VIOLATION: {text}", flush=True)
    rnd.wall_s = time.monotonic() - started
    return rnd


def update_estimate(estimate: dict, url: str) -> None:
    """Typical trial wall time: the median COMPLETE trial that was never killed."""
    from optuna.trial import TrialState

    durations = [(t.datetime_complete - t.datetime_start).total_seconds() for t in load_trials(url)
                 if t.state == TrialState.COMPLETE and "failed_trial" not in t.system_attrs]
    if durations:
        estimate["trial_s"] = statistics.median(durations)


# -- main ----------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=None,
                        help="kills per (storage, workers) configuration (default 12; --quick: 3)")
    parser.add_argument("--quick", action="store_true", help="3 kills per configuration, 2 trials of 4 steps")
    parser.add_argument("--storage", default="sqlite,postgres", help="sqlite, postgres and/or journal")
    parser.add_argument("--signal", action="store_true",
                        help="preempt instead of kill: SIGTERM, SIGINT and SIGUSR1 in turn to the run's main "
                             "process, which must exit 75; checks that no step is lost")
    parser.add_argument("--backend", default="optuna", choices=["optuna", "ray"])
    parser.add_argument("--startup-s", type=float, default=6.0,
                        help="a run's start-up time, for the kills' random window (a busy host: 30 or more)")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--n-trials", type=int, default=4)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--eval-every", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the study folders (printed)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.quick:
        args.n_trials, args.steps = 2, 4
    if args.kills is None:
        args.kills = 3 if args.quick else 12

    import optuna
    import torch

    load0 = os.getloadavg()
    print(f"{platform.node()} {os.cpu_count()} CPUs, load {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}; "
          f"python {platform.python_version()}, torch {torch.__version__}, optuna {optuna.__version__}")
    print(f"study: {args.n_trials} trials x {args.steps} steps (eval + checkpoint every {args.eval_every}), "
          f"heartbeat 1 s / grace 3 s; {args.kills} {'signals' if args.signal else 'kills'} per configuration, "
          f"backend {args.backend}", flush=True)

    root = Path(tempfile.mkdtemp(prefix="mahm-chaos-"))
    env = {**os.environ, "MAHM_CACHE_DIR": str(root / "cache"), "PYTHONUNBUFFERED": "1"}
    rng = random.Random(args.seed)
    estimate = {"startup_s": args.startup_s, "trial_s": 10.0}
    rounds: list[Round] = []
    skipped: dict = {}
    storages = [s.strip() for s in args.storage.split(",") if s.strip()]
    workers_list = [int(w) for w in args.workers.split(",")]
    started = time.monotonic()
    try:
        for storage in storages:
            if storage == "postgres":
                from support import pg_server

                reason = pg_server.skip_reason()
                if reason:
                    skipped[storage] = reason
                    print(f"PostgreSQL skipped: {reason}", flush=True)
                    continue
                with pg_server.postgres_server() as server:
                    for workers in workers_list:
                        rounds.append(run_round(storage, workers, args, rng, root, env, server, estimate))
            else:
                for workers in workers_list:
                    rounds.append(run_round(storage, workers, args, rng, root, env, None, estimate))
    finally:
        cache_tmp = tmp_files(root / "cache") if (root / "cache").exists() else []
        if args.keep:
            print(f"study folders kept under {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    total_s = time.monotonic() - started
    load1 = os.getloadavg()

    print(f"\n{'storage':<10} {'workers':>7} {'kills survived / made':>22} {'studies':>7} {'overshoot':>9} "
          f"{'wall s':>7}")
    results = []
    for r in rounds:
        survived = sum(not k.violations for k in r.kills)
        print(f"{r.storage:<10} {r.workers:>7} {f'{survived} / {len(r.kills)}':>22} {len(r.studies):>7} "
              f"{r.overshoot:>9} {r.wall_s:>7.0f}")
        results.append({"storage": r.storage, "workers": r.workers, "kills": len(r.kills), "survived": survived,
                        "studies": len(r.studies), "overshoot": r.overshoot, "wall_s": round(r.wall_s),
                        "landed": [k.where for k in r.kills], "delays": [round(k.delay_s, 1) for k in r.kills],
                        "modes": [k.mode for k in r.kills], "triggers": [k.trigger for k in r.kills],
                        "violations": {k.index: k.violations for k in r.kills if k.violations}})
    for storage, reason in skipped.items():
        print(f"{storage:<10} skipped: {reason}")
    kinds: dict = {}
    for r in rounds:
        for k in r.kills:
            for part in k.where.split("; "):
                kind = part.split(" (")[0]
                if not kind or part.startswith("(still"):
                    continue
                kinds[kind] = kinds.get(kind, 0) + 1
    print("where the kills landed: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda x: -x[1])))
    if any(r.overshoot for r in rounds):
        print("overshoot: counted trials above n_trials with several workers (workers asking together; "
              "up to workers-1 allowed, not counted as a violation)")
    if cache_tmp:
        print(f"note: {len(cache_tmp)} tmp file(s) left in the cache folder (outside the study folders): "
              + ", ".join(p.name for p in cache_tmp[:5]))
    print(f"total {total_s:.0f} s; load before {load0[0]:.2f}, after {load1[0]:.2f} (1-min averages)")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "skipped": skipped, "load": [load0, load1],
                                         "total_s": total_s}, indent=1))
    bad = sum(len(r.kills) - sum(not k.violations for k in r.kills) for r in rounds)
    return 1 if bad or any(v for r in rounds for *_, v in r.studies) else 0


if __name__ == "__main__":
    sys.exit(main())
