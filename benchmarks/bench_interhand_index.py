"""InterHand2.6M index: first build (time, peak RSS) and cached load, on generated annotations in the
official layout (annotations/train/InterHand2.6M_train_{data,camera,joint_3d,MANO_NeuralAnnot}.json).

    python benchmarks/bench_interhand_index.py [--scale 0.1] [--dir /tmp/ih-bench] [--baseline d010c06]

Scale 1.0 = the 5 fps train split as issue 10 sizes it: 1.36M images of 170k frames (8 cameras per
frame), 26 captures. Each measurement runs in a fresh process (peak RSS = its ru_maxrss).
--baseline REV also times the index builder of that git revision (whole-file json.load), for a before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

FULL_FRAMES, CAMERAS, CAPTURES = 170_000, 8, 26


def _num(rng: random.Random, scale: float) -> str:
    return f"{rng.uniform(-scale, scale):.6f}"


def generate(root: Path, frames: int, seed: int = 0) -> None:
    """Writes the four files item by item (never the whole object in memory), like the release's."""
    rng = random.Random(seed)
    ann = root / "annotations" / "train"
    ann.mkdir(parents=True, exist_ok=True)
    per_capture = -(-frames // CAPTURES)
    frame_list = [(c, f) for c in range(CAPTURES) for f in range(per_capture)][:frames]
    valid = json.dumps([[1]] * 42)
    with open(ann / "InterHand2.6M_train_data.json", "w") as data:
        data.write('{"images": [')
        for i, (c, f) in enumerate(frame_list):
            for k in range(CAMERAS):
                iid = i * CAMERAS + k
                data.write(("," if iid else "") + json.dumps(
                    {"id": iid, "file_name": f"Capture{c}/ROM01_seq/cam40{k:02d}/image{f:05d}.jpg", "width": 334,
                     "height": 512, "capture": c, "subject": c, "seq_name": "ROM01_seq", "camera": f"40{k:02d}",
                     "frame_idx": f}))
        data.write('], "annotations": [')
        for i, (c, f) in enumerate(frame_list):
            hand_type = ("interacting", "right", "left")[i % 3]
            for k in range(CAMERAS):
                iid = i * CAMERAS + k
                data.write(("," if iid else "") + f'{{"id": {iid}, "image_id": {iid}, "bbox": [10.5, 20.25, 200.0, 180.0], '
                           f'"joint_valid": {valid}, "hand_type": "{hand_type}", "hand_type_valid": 1}}')
        data.write("]}")
    cams = {str(c): {key: {f"40{k:02d}": val for k in range(CAMERAS)} for key, val in
                     (("campos", [10.0, 20.0, 30.0]), ("camrot", [[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]),
                      ("focal", [1200.0, 1200.0]), ("princpt", [167.0, 256.0]))} for c in range(CAPTURES)}
    (ann / "InterHand2.6M_train_camera.json").write_text(json.dumps(cams))
    for kind in ("joint_3d", "MANO_NeuralAnnot"):
        with open(ann / f"InterHand2.6M_train_{kind}.json", "w") as out:
            out.write("{")
            for c in range(CAPTURES):
                frames_c = [f for cc, f in frame_list if cc == c]
                out.write(("," if c else "") + f'"{c}": {{')
                for n, f in enumerate(frames_c):
                    if kind == "joint_3d":
                        world = "[" + ",".join(f"[{_num(rng, 300)},{_num(rng, 300)},{_num(rng, 900)}]" for _ in range(42)) + "]"
                        rec = f'{{"world_coord": {world}, "joint_valid": {valid}, "hand_type": "interacting", "hand_type_valid": 1}}'
                    else:
                        fit = lambda: ('{"pose": [' + ",".join(_num(rng, 1) for _ in range(48)) + '], "shape": ['  # noqa: E731
                                       + ",".join(_num(rng, 1) for _ in range(10)) + '], "trans": [0.1, 0.2, 0.3]}')
                        rec = f'{{"right": {fit()}, "left": {fit()}}}'
                    out.write(("," if n else "") + f'"{f}": {rec}')
                out.write("}")
            out.write("}")


CHILD = """
import resource, sys, time, os
sys.path.insert(0, {repo!r})
from pathlib import Path
from mahm_search.data.spec import InterHandSpec
{importer}
t = time.perf_counter()
index = build(Path({root!r}), "train", InterHandSpec(root={root!r}, hand_type="all"))
print(len(index), time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""
NEW = "from mahm_search.data.interhand.interhand_index import build_index as build"
OLD = """import subprocess, types
src = subprocess.run(["git", "-C", {repo!r}, "show", {rev!r} + ":mahm_search/data/interhand/interhand_index.py"],
                     capture_output=True, text=True, check=True).stdout
src = src.replace("from ..errors", "from mahm_search.errors").replace("from .interhand_files", "from mahm_search.data.interhand.interhand_files").replace("from .spec", "from mahm_search.data.spec")
old = types.ModuleType("old_index"); sys.modules["old_index"] = old; exec(compile(src, "old_index", "exec"), old.__dict__)
build = old.build_index"""


def measure(root: Path, importer: str, cache: str) -> tuple:
    repo = str(Path(__file__).resolve().parents[1])
    code = CHILD.format(repo=repo, root=str(root), importer=importer)
    env = {**os.environ, "MAHM_INTERHAND_CACHE": cache}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(out.stderr)
    n, seconds, rss = out.stdout.split()
    return int(n), float(seconds), int(rss)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/ih-bench"))
    ap.add_argument("--baseline", default=None, help="git revision whose builder to time too")
    args = ap.parse_args()
    frames = int(FULL_FRAMES * args.scale)
    root = args.dir / f"scale-{args.scale:g}"
    if not (root / "annotations" / "train" / "InterHand2.6M_train_MANO_NeuralAnnot.json").is_file():
        t = time.perf_counter()
        generate(root, frames)
        print(f"generated {frames} frames x {CAMERAS} cameras in {time.perf_counter() - t:.0f} s")
    sizes = {p.name.split("_")[-1]: p.stat().st_size for p in (root / "annotations" / "train").iterdir()}
    print(f"scale {args.scale:g}: {frames * CAMERAS} images, {frames} frames; JSON "
          + ", ".join(f"{k} {v / 2**20:.0f} MiB" for k, v in sorted(sizes.items())))
    cache = str(args.dir / f"cache-{args.scale:g}")
    for old in Path(cache).glob("*.npz") if Path(cache).is_dir() else []:
        old.unlink()
    rows = []
    if args.baseline:
        rows.append(("baseline build (" + args.baseline + ")", *measure(root, OLD.format(
            repo=str(Path(__file__).resolve().parents[1]), rev=args.baseline), "off")))
    rows.append(("first build (streamed, then cached)", *measure(root, NEW, cache)))
    rows.append(("cached load", *measure(root, NEW, cache)))
    for label, n, seconds, rss in rows:
        print(f"{label:38s} {n:9d} samples {seconds:8.2f} s  peak RSS {rss / 2**30:6.2f} GiB")


if __name__ == "__main__":
    main()
