"""`mahm-search data ...` and `mahm-search mano ...`: the sub-commands that prepare or inspect inputs."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .cli_errors import user_errors as _user_errors

data_app = typer.Typer(no_args_is_help=True, help="Inspect the two-hand data sources.", rich_markup_mode=None)
mano_app = typer.Typer(no_args_is_help=True, help="Prepare MANO model files.", rich_markup_mode=None)


class Source(str, Enum):
    synthetic = "synthetic"
    interhand = "interhand"


class Split(str, Enum):
    train = "train"
    val = "val"
    test = "test"


@data_app.command("preview")
@_user_errors
def data_preview(
    source: Source = typer.Option(Source.synthetic, "--source", help="Where the samples come from."),
    root: Optional[Path] = typer.Option(None, "--root", help="InterHand2.6M root (for --source interhand)."),
    split: Split = typer.Option(Split.val, "--split", help="InterHand2.6M split (for --source interhand)."),
    n: int = typer.Option(16, "--n", min=1, help="Samples in the grid."),
    image_size: int = typer.Option(128, "--image-size", min=32, help="Side of each crop, pixels."),
    seed: int = typer.Option(0, "--seed", help="Which samples and augmentations."),
    out: Path = typer.Option(Path("preview"), "--out", help="Output folder."),
):
    """Write a PNG grid of samples with 2D joints and skeletons drawn per hand."""
    from .data.preview import preview_command

    preview_command(source=source.value, root=root, split=split.value, n=n,
                    image_size=image_size, seed=seed, out=out)


@mano_app.command("convert")
@_user_errors
def mano_convert(
    src: Path = typer.Argument(..., metavar="SRC", help="Folder with the official MANO_RIGHT.pkl / MANO_LEFT.pkl."),
    dst: Path = typer.Argument(..., metavar="DST", help="Folder to write chumpy-free MANO_RIGHT.npz / MANO_LEFT.npz."),
):
    """Convert the official (chumpy) MANO pickles to .npz files that smplx loads."""
    from .hands.convert import convert_mano_dir

    for path in convert_mano_dir(src, dst):
        typer.echo(f"wrote {path}")
