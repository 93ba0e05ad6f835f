"""`mahm-search train CONFIG.yaml --out DIR`: one run; resumes from DIR/checkpoint.pt when it exists,
and writes DIR/history.csv (step and every metric). A progress bar on a terminal, plain log lines
when stdout is a file; Ctrl-C prints how to resume and exits 130 (the shell's code for SIGINT)."""

from __future__ import annotations

import math
import shlex
from pathlib import Path

from rich.console import Console

from ..config import load_trial_config
from ..errors import ConfigError, DataError, MahmError, ManoModelError
from .checkpoint import CHECKPOINT_NAME
from .device import resolve_device
from .history_csv import HistoryCsvReporter, write_history
from .progress import LogLineReporter, ProgressReporter
from .reporter import MultiReporter
from .result import TrainResult
from .trainer import DATA_WAIT_WARN, train


class TrainingStopped(MahmError):
    """The run stopped early (e.g. a non-finite loss); history.csv holds what was done."""


_SECTIONS = ("arch.", "data.", "train.", "loss.", "mano.")  # a problem line that starts with a field


def _naming_the_file(err: MahmError, config_path: Path) -> MahmError:
    """Problems found while training name their field or path; put the config file in front of them."""
    if isinstance(err, ConfigError):
        return ConfigError([f"{config_path}: {line}" if line.startswith(_SECTIONS) else line
                            for line in err.problems])
    if isinstance(err, (DataError, ManoModelError)) and not str(err).startswith(f"{config_path}:"):
        return type(err)(f"{config_path}: {err}")
    return err


def train_command(config_path: Path, out: Path, console: Console | None = None, overrides=()) -> TrainResult:
    config = load_trial_config(config_path, overrides)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError([f"--out: {out} is a file; expected a folder for checkpoint.pt and history.csv"])
    try:
        resolve_device(config.train)  # 'cuda' without CUDA: before anything is built or written
    except ConfigError as err:
        raise _naming_the_file(err, config_path) from None
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    console = console or Console()
    ckpt = out / CHECKPOINT_NAME

    def say(line: str) -> None:  # never through rich's wrapping: one log line stays one line
        print(line, file=console.file, flush=True)

    if ckpt.exists():
        say(f"resuming from {ckpt}")
    bar = ProgressReporter(config.train.steps, console) if console.is_terminal else None
    shown = bar or LogLineReporter(config.train.steps, console.file)
    try:
        try:
            result = train(config, MultiReporter(shown, HistoryCsvReporter(out / "history.csv")), run_dir=out)
        finally:
            if bar:
                bar.close()  # before any message, or the live bar redraws over it
        write_history(out / "history.csv", result.history)
    except MahmError as err:
        if created and not any(out.iterdir()):
            out.rmdir()  # a config that fails before the first checkpoint leaves no run folder
        raise _naming_the_file(err, config_path) from None
    except KeyboardInterrupt:
        where = f"it continues from {ckpt}" if ckpt.exists() else "no checkpoint yet, so it starts afresh"
        say(f"interrupted; to resume, rerun the same command ({where}): "
            f"mahm-search train {shlex.quote(str(config_path))} --out {shlex.quote(str(out))}")
        raise SystemExit(130) from None
    if result.status != "complete":
        raise TrainingStopped(f"{config_path}: {result.message} (history in {out / 'history.csv'})")
    final = result.final_metrics
    best = min((h["score"] for h in result.history if math.isfinite(h.get("score", math.nan))), default=math.nan)
    weights = ", ".join(f"{k}={v:.3g}" for k, v in result.loss_weights.items())
    say(f"done: {result.steps_done} steps in {result.wall_time_s:.1f} s, final score "
        f"{final.get('score', math.nan):.4g} (best {best:.4g}; {_against_blind(final, result.blind)}), "
        f"params {result.params_count:,}, "
        f"peak tensor memory {_mib(result.memory_peak_bytes)}, {_waited(result.data_wait_share)}, "
        f"loss weights {weights}; "
        f"wrote {out}/history.csv and {out}/{CHECKPOINT_NAME}")
    return result


def _against_blind(final: dict, blind) -> str:
    """'blind 54.49 mm, skill 0.30; PA-MPJPE 15.2 vs blind 18.90 mm': the mean hand (train/blind/blind.py) on the
    same validation set; skill = 1 - score / blind."""
    base = (blind or {}).get("metrics") or {}
    if "score" not in base:
        return "blind baseline not computed"
    score = final.get("score", math.nan)
    text = f"blind {base['score']:.4g}, skill {1 - score / base['score']:.2f}"
    if "pa_mpjpe" in base and "pa_mpjpe" in final:
        text += f"; PA-MPJPE {final['pa_mpjpe']:.4g} vs blind {base['pa_mpjpe']:.4g}"
    return text


def _waited(share) -> str:
    if share is None:
        return "no step timed"
    hint = "; the loader holds the step back: raise data.num_workers" if share > DATA_WAIT_WARN else ""
    return f"waiting for data {100 * share:.0f}% of the training loop{hint}"


def _mib(n) -> str:
    return f"{n / 2**20:.0f} MiB" if n is not None else "not measured"
