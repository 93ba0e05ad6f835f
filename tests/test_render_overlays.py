"""`mahm-search render` and draw_overlays: PNGs with both hands in their colours over each picture and in a
side view, from image files with boxes or from a split; bad inputs are one line, exit 2, no output."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.hands.layer import TwoHandMANO
from mahm_search.hands.spec import ManoSpec
from mahm_search.overlay import draw_overlays
from mahm_search.overlay.overlays import DISPLAY
from support.overlay_inputs import pictures, tiny_checkpoint

BAND = 28  # the title band with the legend (data/preview.py with_legend)
GAP = 4


def read(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def panel(image, k):
    return image[BAND:, k * (DISPLAY + GAP):k * (DISPLAY + GAP) + DISPLAY].astype(int)


def red(p):
    return (p[..., 0] > 100) & (p[..., 0] > p[..., 1] + 50) & (p[..., 0] > p[..., 2] + 50)


def blue(p):
    return (p[..., 2] > 100) & (p[..., 2] > p[..., 0] + 50)


def invoke(*args):
    return CliRunner().invoke(app, ["render", *map(str, args)])


def test_render_images_with_boxes_end_to_end(tmp_path):
    ckpt = tiny_checkpoint(tmp_path)
    (a, b), boxes = pictures(tmp_path)
    res = invoke(ckpt, a, b, "--boxes", boxes, "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["a.png", "b.png"]
    for name in files:
        image = read(tmp_path / "out" / name)
        assert image.shape == (BAND + DISPLAY, 3 * DISPLAY + 2 * GAP, 3)
        side = panel(image, 2)
        assert (red(side) | blue(side)).sum() > 50  # some hand drawn on the grey side panel
    # the input panel is the box's crop: a different box gives a different picture
    (tmp_path / "boxes.json").write_text(json.dumps({"a.png": [0, 0, 200, 120], str(b): [10.5, 30, 150, 200]}))
    assert invoke(ckpt, a, b, "--boxes", boxes, "--out", tmp_path / "out2").exit_code == 0
    assert np.abs(panel(read(tmp_path / "out" / "a.png"), 0) - panel(read(tmp_path / "out2" / "a.png"), 0)).mean() > 5
    assert (panel(read(tmp_path / "out" / "b.png"), 0) == panel(read(tmp_path / "out2" / "b.png"), 0)).all()


def test_right_and_left_drawn_where_their_cameras_put_them(tmp_path):
    mano = TwoHandMANO(ManoSpec())
    with torch.no_grad():
        out = mano(torch.zeros(1, 2, 48), torch.zeros(1, 2, 10))
    vertices = (out["vertices"] - out["joints"][:, :, 20:21]).numpy()
    cam = np.array([[[1.0, -0.5, 0.0], [1.0, 0.5, 0.0]]])  # right hand in the left half, left in the right
    grey = {"image": torch.zeros(3, 64, 64)}
    paths = draw_overlays({"vertices": vertices, "cam": cam, "root_rel": np.array([[0, 0, 150.0]])}, [grey],
                          tmp_path, mano=mano, names=["pair"])
    image = read(paths[0])
    over, side = panel(image, 1), panel(image, 2)
    half = DISPLAY // 2
    assert red(over[:, :half]).sum() > 200 and blue(over[:, half:]).sum() > 200
    assert red(over[:, half:]).sum() < 20 and blue(over[:, :half]).sum() < 20
    assert red(side).sum() > 200 and blue(side).sum() > 200
    assert not red(panel(image, 0)).any() and not blue(panel(image, 0)).any()


def test_render_synthetic_split_with_ground_truth(tmp_path, monkeypatch):
    monkeypatch.setenv("MAHM_CACHE_DIR", str(tmp_path / "cache"))
    ckpt = tiny_checkpoint(tmp_path)
    res = invoke(ckpt, "--synthetic", "--n", 1, "--truth", "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    image = read(tmp_path / "out" / "synthetic_val_0000.png")
    assert image.shape == (BAND + DISPLAY, 5 * DISPLAY + 4 * GAP, 3)
    truth_side = panel(image, 4)  # the synthetic scene always shows both hands
    assert red(truth_side).sum() > 200 and blue(truth_side).sum() > 200


@pytest.mark.parametrize("case, expected", [
    ("unreadable image", "a.png: image file is corrupt or not an image"),
    ("missing image", "nope.png: image file is missing"),
    ("box missing", "boxes.json: no box for image"),
    ("box shape", "boxes.json: 'a.png': expected [x, y, width, height] with width, height > 0, got [1, 2, 3]"),
    ("box not json", "boxes.json: not valid JSON"),
    ("corrupt checkpoint", "best.pt: checkpoint: cannot read it as a checkpoint"),
    ("not a checkpoint", "best.pt: checkpoint: expected a mahm-search checkpoint.pt or best.pt"),
    ("other version", "best.pt: checkpoint: its config does not validate in this version of mahm-search"),
])
def test_bad_input_is_one_line_exit_2_and_no_output(tmp_path, case, expected):
    ckpt = tiny_checkpoint(tmp_path)
    (a, b), boxes = pictures(tmp_path)
    images = [a, b]
    if case == "unreadable image":
        a.write_text("not a picture")
    elif case == "missing image":
        images = [a, tmp_path / "nope.png"]
    elif case == "box missing":
        boxes.write_text(json.dumps({"a.png": [1, 2, 3, 4]}))
    elif case == "box shape":
        boxes.write_text(json.dumps({"a.png": [1, 2, 3], str(b): [1, 2, 3, 4]}))
    elif case == "box not json":
        boxes.write_text("{a.png: [1, 2")
    elif case == "corrupt checkpoint":
        ckpt.write_bytes(ckpt.read_bytes()[:300])
    elif case == "not a checkpoint":
        torch.save({"weights": torch.zeros(2)}, ckpt)
    elif case == "other version":
        state = torch.load(ckpt, weights_only=True)
        state["config"]["arch"]["renamed_field"] = 1
        torch.save(state, ckpt)
    res = invoke(ckpt, *images, "--boxes", boxes, "--out", tmp_path / "out")
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], res.output
    assert not (tmp_path / "out").exists()


def test_sources_are_exclusive(tmp_path):
    ckpt = tiny_checkpoint(tmp_path)
    (a, _), boxes = pictures(tmp_path)
    res = invoke(ckpt, a, "--synthetic", "--out", tmp_path / "out")
    assert res.exit_code == 2 and "expected images, --interhand-root DIR or --synthetic (one of them)" in res.output
    res = invoke(ckpt, "--synthetic", "--boxes", boxes, "--out", tmp_path / "out")
    assert res.exit_code == 2 and "--boxes" in res.output


def test_render_interhand_split_names_files_by_image_id(tmp_path):
    from support.interhand_fixture import write_fixture

    write_fixture(tmp_path / "ih", "test")
    ckpt = tiny_checkpoint(tmp_path)
    res = invoke(ckpt, "--interhand-root", tmp_path / "ih", "--split", "test", "--n", 2, "--truth",
                 "--out", tmp_path / "out")
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["interhand_test_0.png", "interhand_test_7.png"]  # evenly spaced over the 6 with fits
    image = read(tmp_path / "out" / names[0])
    assert (red(panel(image, 3)) | blue(panel(image, 3))).sum() > 50  # ground truth drawn over the crop


@pytest.mark.parametrize("name", ["mahm_search.overlay", "mahm_search.protocols"])
def test_every_exported_name_resolves(name):
    import importlib

    package = importlib.import_module(name)
    assert package.__all__ and all(getattr(package, public) is not None for public in package.__all__)
