"""`mahm-search predict CHECKPOINT [--interhand-root DIR] [--split S] --out pred.npz [--batch-size N]
[--overlays N]`.

The checkpoint's network, in eval mode on the trainer's device (CUDA when there is one), runs its last
stage over every sample of the split in order, unaugmented, batched as validation is (train/batches.py
val_batches, compact images, data.num_workers); the predictions go to one .npz (npz_file.py), written
atomically. A bar on a terminal, a line per tenth of the split otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..errors import ConfigError, DataError
from ..train.batches import loader_workers, val_batches
from ..train.step.step import autocast_for, to_device
from .checkpoint_model import load_trained_model
from .npz_file import write_predictions
from .samples import prediction_set

STAGE_KEYS = {"joints": "joints_3d", "vertices": "vertices", "root_rel": "root_rel"}  # npz key: the stage's


def _check_out(out: Path) -> None:
    if out.is_dir():
        raise ConfigError([f"--out: {out} is a folder; expected a .npz file name"])
    if out.suffix != ".npz":
        raise ConfigError([f"--out: {out}: expected a file name ending in .npz"])


@torch.no_grad()
def predict(checkpoint: Path, out: Path, interhand_root: Optional[Path] = None, split: Optional[str] = None,
            batch_size: Optional[int] = None, console: Console | None = None,
            overlays: int = 0) -> Dict[str, np.ndarray]:
    """Write the predictions of `checkpoint` on the split to `out`; returns the arrays written.
    `overlays` > 0: also draw the first that many samples' predicted meshes (overlay/) into
    <out stem>_overlays/."""
    out = Path(out)
    _check_out(out)  # before anything is loaded
    if batch_size is not None and batch_size < 1:
        raise ConfigError([f"--batch-size: expected a positive number, got {batch_size}"])
    if overlays < 0:
        raise ConfigError([f"--overlays: expected a number of samples >= 0, got {overlays}"])
    trained = load_trained_model(Path(checkpoint))
    config, device = trained.config, trained.device
    samples = prediction_set(config, interhand_root, split)
    if len(samples.ids) == 0:
        raise DataError(f"{samples.description}: no sample to predict")
    size = batch_size or config.train.batch_size
    workers = loader_workers(config.data.num_workers, device, samples.dataset)
    batches = val_batches(samples.dataset, size, workers, pin_memory=device.type == "cuda")
    console = console or Console(stderr=True)
    parts: Dict[str, list] = {key: [] for key in STAGE_KEYS}
    total = len(samples.ids)
    say = lambda line: print(line, file=console.file, flush=True)  # noqa: E731
    say(f"predicting {samples.description} with {checkpoint} (step {trained.step}) on {device}")
    with _progress(console, total) as advance:
        for cpu_batch in batches:
            batch = to_device(cpu_batch, device, trained.channels_last)
            with autocast_for(device, config.train):
                last = trained.model(batch["image"])["stages"][-1]
            for key, stage_key in STAGE_KEYS.items():
                parts[key].append(last[stage_key].float().cpu().numpy())
            advance(len(batch["image"]))
    arrays = {"ids": samples.ids, **{k: np.concatenate(v).astype(np.float32) for k, v in parts.items()}}
    if len(arrays["joints"]) != total:  # a loader that dropped or repeated samples would misalign ids
        raise RuntimeError(f"predicted {len(arrays['joints'])} samples for {total} ids")
    write_predictions(out, arrays)
    hint = "; score it with `mahm-search evaluate`" if samples.description.startswith("InterHand") else ""
    say(f"wrote {out}: {samples.description}{hint}")
    if overlays:
        from ..overlay import draw_overlays

        n = min(overlays, total)
        folder = out.with_name(f"{out.stem}_overlays")
        draw_overlays(trained.model, [samples.dataset[i] for i in range(n)], folder,
                      names=[f"{int(i)}" for i in samples.ids[:n]], title=f"{Path(checkpoint).name}: ")
        say(f"wrote {n} overlay(s) to {folder}/")
    return arrays


class _progress:
    """advance(n): a rich bar on a terminal, else a plain line at each tenth of the split."""

    def __init__(self, console: Console, total: int):
        self.console, self.total, self.done, self.next_line = console, total, 0, 0.1

    def __enter__(self):
        if self.console.is_terminal:
            self.bar = Progress(TextColumn("predict"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("predict", total=self.total)
        else:
            self.bar = None
        return self.advance

    def advance(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done)
        elif self.total and self.done / self.total >= self.next_line - 1e-9:
            print(f"predict {self.done}/{self.total}", file=self.console.file, flush=True)
            while self.next_line <= self.done / self.total:
                self.next_line += 0.1

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def predict_command(checkpoint: Path, out: Path, interhand_root: Optional[Path] = None,
                    split: Optional[str] = None, batch_size: Optional[int] = None, overlays: int = 0) -> None:
    predict(checkpoint, out, interhand_root, split, batch_size, Console(file=sys.stderr), overlays)
