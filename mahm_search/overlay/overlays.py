"""draw_overlays: one PNG per sample with both hands' meshes over the image, and a side view.

    from mahm_search.overlay import draw_overlays
    from mahm_search.predict import load_trained_model
    model = load_trained_model("runs/train/best.pt").model
    draw_overlays(model, [dataset[i] for i in range(8)], "overlays/", names=[f"val_{i}" for i in range(8)])

`samples` are the data sources' sample dicts (data/sample.py): `image` is the network's input; an
optional `display` (D, D, 3) uint8 RGB is the same crop at a higher resolution to draw on (else the
input, enlarged). With truth=True the samples' ground truth (mano_pose, mano_shape, joints_3d, K,
hand_valid, mano_valid) is drawn in two more panels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import cv2
import numpy as np
import torch

from ..data.preview import with_legend
from ..data.sample import denormalize
from ..errors import DataError
from ..files import atomic_write
from .draw import label, overlay, row, side_view
from .meshes import PlacedHands, from_camera, from_prediction

DISPLAY = 256  # pixels per panel side
BATCH = 16


def draw_overlays(source: Union[torch.nn.Module, Dict[str, np.ndarray]], samples: Sequence[dict],
                  out_dir: Union[str, Path], n: Optional[int] = None, names: Optional[Sequence[str]] = None,
                  truth: bool = False, mano: Optional[torch.nn.Module] = None, title: str = "") -> List[Path]:
    """Write out_dir/NAME.png for the first n samples (all by default); returns the paths.

    source: a trained MAHMNet (run here, in eval mode, on its device), or predictions already made for
    these samples: {'vertices' (N,2,778,3) mm relative to each wrist, 'cam' (N,2,3), 'root_rel' (N,3)},
    as a stage of the network returns them. mano: the TwoHandMANO for the faces and the ground truth
    when source is not a model. names: file stems (default sample_0000, ...)."""
    samples = list(samples)[:n] if n is not None else list(samples)
    names = list(names)[:len(samples)] if names is not None else [f"sample_{i:04d}" for i in range(len(samples))]
    if len(names) != len(samples) or len(set(names)) != len(names):
        raise DataError(f"draw_overlays: expected {len(samples)} distinct names, got {names}")
    if isinstance(source, torch.nn.Module):
        mano = source.mano
        pred = predict(source, samples)
    else:
        pred = {k: np.asarray(source[k])[:len(samples)] for k in ("vertices", "cam", "root_rel")}
    if mano is None:
        raise DataError("draw_overlays: predictions without a model need `mano` (a TwoHandMANO) for the faces")
    faces = mano.faces.cpu().numpy()
    placed = from_prediction(pred["vertices"], pred["cam"], pred["root_rel"], DISPLAY)
    truth_placed = ground_truth(mano, samples) if truth else None
    out_dir = Path(out_dir)
    paths = []
    for i, (sample, name) in enumerate(zip(samples, names)):
        figure = compose(display_image(sample), placed, i, faces, truth_placed)
        path = out_dir / f"{name}.png"
        write_png(path, with_legend(figure, f"{title}{name}"))
        print(f"wrote {path}", flush=True)
        paths.append(path)
    return paths


@torch.no_grad()
def predict(model: torch.nn.Module, samples: Sequence[dict]) -> Dict[str, np.ndarray]:
    """The last stage's vertices, cam and root_rel for the samples' images, in batches."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    out: Dict[str, list] = {"vertices": [], "cam": [], "root_rel": []}
    try:
        for start in range(0, len(samples), BATCH):
            images = torch.stack([s["image"] for s in samples[start:start + BATCH]]).to(device)
            last = model(images)["stages"][-1]
            for key in out:
                out[key].append(last[key].float().cpu().numpy())
    finally:
        model.train(was_training)
    return {k: np.concatenate(v) for k, v in out.items()}


@torch.no_grad()
def ground_truth(mano: torch.nn.Module, samples: Sequence[dict]) -> PlacedHands:
    from ..train.loss.targets import ground_truth as gt_vertices

    device = mano.faces.device  # the model's own device: moving its MANO would break the model
    batch = {k: torch.stack([s[k] for s in samples]).cpu() for k in
             ("mano_pose", "mano_shape", "joints_3d", "K", "hand_valid", "mano_valid")}
    on_device = {k: batch[k].to(device) for k in ("mano_pose", "mano_shape")}
    vertices = gt_vertices(mano, on_device)["vertices"].float().cpu().numpy()
    present = (batch["hand_valid"] * batch["mano_valid"]).numpy() > 0
    size = samples[0]["image"].shape[-1]
    return from_camera(vertices, batch["joints_3d"].numpy(), batch["K"].numpy(), present, size, DISPLAY)


def display_image(sample: dict) -> np.ndarray:
    """The picture to draw on, DISPLAY pixels square."""
    image = sample.get("display")
    image = np.asarray(image) if image is not None else denormalize(sample["image"])
    if image.shape[0] != DISPLAY:
        image = cv2.resize(image, (DISPLAY, DISPLAY), interpolation=cv2.INTER_CUBIC)
    return image


def compose(image: np.ndarray, placed: PlacedHands, i: int, faces: np.ndarray,
            truth: Optional[PlacedHands] = None) -> np.ndarray:
    panels = [label(image, "input"), label(overlay(image, placed.screen[i], faces, placed.present[i]), "prediction"),
              label(side_view(placed.world[i], faces, placed.present[i], DISPLAY), "prediction, side")]
    if truth is not None:
        panels += [label(overlay(image, truth.screen[i], faces, truth.present[i]), "ground truth"),
                   label(side_view(truth.world[i], faces, truth.present[i], DISPLAY), "ground truth, side")]
    return row(panels)


def write_png(path: Path, rgb: np.ndarray) -> None:
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise DataError(f"{path}: OpenCV could not encode the PNG")
    atomic_write(path, lambda f: f.write(data.tobytes()))
