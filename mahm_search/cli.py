"""The `mahm-search` command: one entry point, one sub-command per job.

Each command is a thin shell: it parses options (typer), calls one function of the package, and
turns MahmError into a clear message and exit status (2 for bad config/input). Imports are lazy so
that `mahm-search --help` is instant and the ray extra stays optional.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .cli_errors import user_errors as _user_errors
from .cli_tools import Split, data_app, mano_app
from .errors import ConfigError

# Plain click help (rich_markup_mode=None): rich's help panels printed '<bool>' for flags and boxes
# that wrap badly in logs.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Ablation and architecture search for MAHM two-hand networks: run studies, inspect them, "
                       "plot and report them.")
app.add_typer(data_app, name="data")
app.add_typer(mano_app, name="mano")


class Backend(str, Enum):
    optuna = "optuna"
    ray = "ray"


class Fmt(str, Enum):
    png = "png"
    pdf = "pdf"
    svg = "svg"


# Shared by the commands that read a study.
STUDY = typer.Argument(..., metavar="STUDY", help="Study file.")
SET = typer.Option(None, "--set", metavar="KEY=VALUE",
                   help="Override a field of the file (VALUE as YAML), e.g. --set train.lr=3e-4; repeatable.")
REPORT_OUT = typer.Option(None, "--out", help="Output folder (default <study folder>/<name>-report/).")


@app.command()
@_user_errors
def run(
    study: Path = typer.Argument(..., metavar="STUDY", help="Study file (studies/NAME.yaml)."),
    n_trials: Optional[int] = typer.Option(None, "--n-trials", help="Total trials to reach (overrides the file)."),
    workers: str = typer.Option("1", "--workers", metavar="W|auto",
                                help="Worker processes sharing the storage, or 'auto': as many trials at once "
                                     "on a device as their memory estimates fit."),
    backend: Optional[Backend] = typer.Option(None, "--backend", help="Override the study's backend."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (ray backend)."),
    retry_failed: bool = typer.Option(False, "--retry-failed",
                                      help="Train again the configurations whose trials failed with an error."),
    overrides: Optional[List[str]] = SET,
    slurm: Optional[str] = typer.Option(None, "--slurm", metavar="KEY=VALUE,...",
                                        help="Submit the workers as a SLURM job array through submitit, e.g. "
                                             "'partition=gpu,gpus_per_node=1,timeout_min=1440,array=8' (over the "
                                             "study's slurm: section)."),
    no_slurm: bool = typer.Option(False, "--no-slurm", help="Run here even if the study has a slurm: section."),
):
    """Create or continue a study; rerun the same command to resume after any interruption."""
    from .search.preempt.signals import graceful_signals

    with graceful_signals():  # before the heavy imports: a signal from here on ends in exit 75
        _run(study, n_trials, workers, backend, address, retry_failed, slurm, no_slurm, tuple(overrides or ()))


def _run(study, n_trials, workers, backend, address, retry_failed, slurm, no_slurm, overrides) -> None:
    from .search.runner import run_study

    if not no_slurm and _submits(study, slurm, overrides):
        from .search.slurm import submit_study

        submit_study(study, slurm, n_trials=n_trials, overrides=overrides)
        return
    try:
        run_study(study, n_trials=n_trials, workers=_workers(workers),
                  backend=backend.value if backend else None, address=address, retry_failed=retry_failed,
                  overrides=overrides)
    except KeyboardInterrupt:
        # The interrupted trial is queued again (its checkpoint kept): the same command continues.
        typer.secho(f"interrupted: finished trials are kept; run `mahm-search run {study}` to continue",
                    fg="yellow", err=True)
        raise typer.Exit(130)


def _submits(study: Path, flag: Optional[str], overrides: tuple = ()) -> bool:
    """--slurm given, or the study file (with its --set overrides) has a slurm: section."""
    if flag is not None:
        return True
    from .study.study_spec import load_study_spec

    return load_study_spec(study, overrides).slurm is not None


def _workers(value: str):
    if value.strip().lower() == "auto":
        return "auto"
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise ConfigError([f"--workers: expected a positive number or 'auto', got {value!r}"])
    return count


@app.command()
@_user_errors
def status(study: Path = STUDY,
           json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")):
    """Trials by state, the best trial, prune reasons and running trials."""
    from .console.status import print_status

    print_status(study, as_json=json_out)


@app.command()
@_user_errors
def plot(study: Path = STUDY, out: Optional[Path] = REPORT_OUT,
         fmt: Fmt = typer.Option(Fmt.png, "--format", help="Figure format.")):
    """Score-versus-steps curves, ablation, history and importance figures, and trials.csv."""
    from .report.figures.figures import check_out_folder, write_figures

    if out is not None:
        check_out_folder(out)  # before anything is read: a file named by --out is one line, exit 2
    write_figures(study, out=out, fmt=fmt.value)


@app.command()
@_user_errors
def report(study: Path = STUDY, out: Optional[Path] = REPORT_OUT):
    """Write report.md: settings, best configurations, ablation tables, figures and findings."""
    from .report.figures.figures import check_out_folder
    from .report.markdown import write_report

    if out is not None:
        check_out_folder(out)
    write_report(study, out=out)


@app.command()
@_user_errors
def train(
    config: Path = typer.Argument(..., metavar="CONFIG", help="A TrialConfig YAML (arch/data/train/loss/mano sections)."),
    out: Path = typer.Option(Path("runs/train"), "--out", help="Run folder: checkpoints and history.csv."),
    overrides: Optional[List[str]] = SET,
):
    """Train one configuration with a progress bar; writes its score-versus-steps history as CSV."""
    from .train.command import train_command

    train_command(config, out, overrides=overrides or ())


@app.command()
@_user_errors
def best(study: Path = STUDY,
         rank: int = typer.Option(1, "--rank", metavar="K", help="The K-th configuration by mean over seeds."),
         out: Optional[Path] = typer.Option(None, "--out", help="YAML to write (default <study folder>/<name>_best.yaml).")):
    """Write the full config of the study's best (or K-th) configuration, for `mahm-search train`."""
    from .export.best_config import write_best_config

    write_best_config(study, rank=rank, out=out)


@app.command()
@_user_errors
def predict(
    checkpoint: Path = typer.Argument(..., metavar="CHECKPOINT", help="A run's best.pt or checkpoint.pt."),
    out: Path = typer.Option(..., "--out", help="Predictions .npz to write (the file `evaluate` reads)."),
    interhand_root: Optional[Path] = typer.Option(None, "--interhand-root",
                                                  help="InterHand2.6M root (default: the data the checkpoint trained on)."),
    split: Optional[str] = typer.Option(None, "--split", help="test/val/train (InterHand2.6M, default test) or "
                                                              "val/train (synthetic, default val)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Samples per batch (default train.batch_size)."),
    overlays: int = typer.Option(0, "--overlays", metavar="N",
                                 help="Also draw the first N samples' predicted meshes into <out stem>_overlays/."),
):
    """Run a checkpoint on every sample of a split and write the predictions .npz."""
    from .predict.run import predict_command

    predict_command(checkpoint, out, interhand_root, split, batch_size, overlays)


@app.command()
@_user_errors
def describe(
    spec: Path = typer.Argument(..., metavar="SPEC_OR_STUDY", help="An arch spec, a TrialConfig or a study file."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Batch size for the memory estimate."),
):
    """Parameter count, FLOPs per sample and estimated training memory."""
    from .console.describe import describe_command

    describe_command(spec, batch_size=batch_size)


class EvalSubset(str, Enum):  # protocols/subsets.py SUBSETS
    all = "all"
    interacting = "interacting"
    interwild_annotated = "interwild_annotated"
    intaghand = "intaghand"


@app.command()
@_user_errors
def evaluate(
    predictions: Path = typer.Argument(..., metavar="PREDICTIONS", help="An .npz with ids, joints and optionally vertices, root_rel."),
    interhand_root: Path = typer.Option(..., "--interhand-root", help="InterHand2.6M root folder."),
    split: Split = typer.Option(Split.test, "--split", help="The split the predictions are for."),
    mano_dir: Optional[Path] = typer.Option(None, "--mano-dir", help="MANO folder (for MPVPE and mcp_scale)."),
    subset: EvalSubset = typer.Option(EvalSubset.all, "--subset",
                                      help="The samples a published table used: InterHand2.6M all or interacting, "
                                           "InterWild's human-annotated set, IntagHand's interacting frames with "
                                           "MANO fits."),
    aid_list: Optional[Path] = typer.Option(None, "--aid-list",
                                            help="InterWild's aid_human_annot_{split}.txt (default: in the root)."),
):
    """Score any model's predictions on an InterHand2.6M split under the official protocols."""
    from .metrics.official_eval import evaluate_command

    code = evaluate_command(predictions, interhand_root, split.value, mano_dir, subset.value, aid_list)
    if code:
        raise typer.Exit(code)


@app.command()
@_user_errors
def render(
    checkpoint: Path = typer.Argument(..., metavar="CHECKPOINT", help="A run's checkpoint.pt or best.pt."),
    images: Optional[List[Path]] = typer.Argument(None, metavar="IMAGE", help="Image files to run the network on."),
    boxes: Optional[Path] = typer.Option(None, "--boxes", help="boxes.json: per image [x, y, width, height] around "
                                                              "both hands (default: the whole image)."),
    interhand_root: Optional[Path] = typer.Option(None, "--interhand-root", help="Draw samples of an InterHand2.6M "
                                                                                  "split instead, cropped by its annotations."),
    split: Split = typer.Option(Split.test, "--split", help="InterHand2.6M split (with --interhand-root)."),
    synthetic: bool = typer.Option(False, "--synthetic", help="Draw validation samples of the built-in synthetic data."),
    n: int = typer.Option(8, "--n", min=1, help="Samples of the split (with --interhand-root or --synthetic)."),
    truth: bool = typer.Option(False, "--truth", help="Also draw the split's ground-truth meshes."),
    out: Path = typer.Option(Path("render"), "--out", help="Output folder: one PNG per image."),
):
    """Both predicted hand meshes over each image (right red, left blue), next to a side view."""
    from .overlay.command import render_command

    render_command(checkpoint, images or [], out, boxes=boxes, interhand_root=interhand_root, split=split.value,
                   n=n, synthetic=synthetic, truth=truth)


def main(argv: Optional[List[str]] = None) -> None:
    app(args=argv, prog_name="mahm-search")


if __name__ == "__main__":
    main()
