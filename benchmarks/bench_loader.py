"""Does the input pipeline keep up with the training step? Loader samples/s vs the trainer step's samples/s.

    python benchmarks/bench_loader.py [--batch 64] [--size 128] [--workers 0,1,2] [--seconds 5]
                                      [--frames 32] [--dir /tmp/loader-bench] [--device cpu]
                                      [--step] [--mode eager|fast] [--reps 3] [--threads N]

Goal: on a GPU machine with 16 cores (e.g. --device cuda --mode fast --workers 0,4,8,15 --step) the
loader is not the bottleneck for the seed's best config at batch 64 (loader / step >= 1).

- synthetic: train_batches over a SyntheticDataset whose shards are already on disk (rendered once,
  untimed, into --dir); each row times a fresh dataset object, so every worker loads (decompresses)
  the shard files itself, as in a training run.
- InterHand2.6M: a generated dataset in the official layout (--frames frames x 8 cameras, 334x512
  JPEGs), decoded, cropped and augmented in __getitem__. The files sit in the page cache: disk reads
  are not timed.
Each row: time to the first batch (worker start-up), then samples/s after one warm-up batch per worker
(workers start together, so their first round arrives at once), including the trainer's to_device
copy (pinned memory and non-blocking on CUDA). --step times the trainer's step (bench_step_ratio.py)
on --device with the trainer's defaults (bf16 autocast on CUDA); on the 2-core CPU a batch-64 step
takes seconds, so keep --reps small (and leave --mode fast to the GPU: inductor's CPU build takes minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from bench_step_ratio import SEED_BEST, timed, trainer_step
from mahm_search.config import trial_config
from mahm_search.data.crop import augmentation_rng, crop_sample
from mahm_search.data.dummy import dummy_batch
from mahm_search.data.interhand.interhand import InterHandDataset
from mahm_search.data.interhand.interhand_files import image_path, read_rgb
from mahm_search.data.sample import to_sample
from mahm_search.data.spec import CropSpec, InterHandSpec, SyntheticSpec
from mahm_search.data.synthetic import SHARD_SIZE, SyntheticDataset
from mahm_search.hands.layer import TwoHandMANO
from mahm_search.hands.spec import ManoSpec
from mahm_search.train.batches import cpu_share, loader_workers, train_batches
from mahm_search.train.step.step import to_device

W, H, CAMERAS = 334, 512, 8
AUGMENT = CropSpec(jitter=0.05, scale_aug=0.2, rotation_deg=30.0)  # CropSpec() itself does not augment


def photo(rng: np.random.Generator) -> np.ndarray:
    """Smooth multi-scale noise + a few shapes + sensor noise: compresses like a photo, not like noise."""
    img = rng.uniform(40, 120, 3).astype(np.float32) + np.zeros((H, W, 3), np.float32)
    for cells, amp in ((4, 70), (16, 35), (64, 14)):
        img += cv2.resize(rng.normal(0, amp, (cells * H // W + 1, cells, 3)).astype(np.float32), (W, H),
                          interpolation=cv2.INTER_CUBIC)
    for _ in range(6):
        centre, axes = (int(rng.integers(W)), int(rng.integers(H))), (int(rng.integers(10, 80)), int(rng.integers(10, 60)))
        cv2.ellipse(img, centre, axes, float(rng.uniform(0, 180)), 0, 360, rng.uniform(0, 255, 3).tolist(), -1, cv2.LINE_AA)
    return np.clip(cv2.GaussianBlur(img, (0, 0), 1.0) + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8)


def two_hands(rng: np.random.Generator) -> np.ndarray:
    """(42, 3) world mm: right then left hand, each 5 fingers x 4 joints fanned from the wrist (last)."""
    hands = []
    for side in (1, -1):
        j = np.zeros((21, 3))
        for f in range(5):
            a = np.deg2rad(-40 + 20 * f)
            j[4 * f:4 * f + 4] = [[side * 35 * np.sin(a) * (4 - k) / 2, -(70 + 30 * (3 - k)) * np.cos(a), 8 * f]
                                  for k in range(4)]  # tip first, as InterHand2.6M orders a finger
        rot = cv2.Rodrigues(rng.normal(0, 0.4, 3))[0]
        hands.append((j @ rot.T) + [side * 45, 0, 0])
    return np.concatenate(hands) + rng.uniform(-30, 30, 3)


def camera(k: int, rng: np.random.Generator) -> dict:
    """A camera on a ring round the origin, 500-800 mm away, looking at it: hand boxes of ~150-300 px."""
    az, el, dist = 2 * np.pi * k / CAMERAS, rng.uniform(-0.3, 0.3), rng.uniform(500, 800)
    pos = dist * np.array([np.sin(az) * np.cos(el), np.sin(el), -np.cos(az) * np.cos(el)])
    z = -pos / dist
    x = np.cross([0, 1, 0], z) / np.linalg.norm(np.cross([0, 1, 0], z))
    return {"campos": pos.tolist(), "camrot": [x.tolist(), np.cross(z, x).tolist(), z.tolist()],
            "focal": [600.0, 600.0], "princpt": [W / 2, H / 2]}


def write_interhand(root: Path, frames: int, seq: str = "0000_neutral_relaxed") -> None:
    """annotations/train/InterHand2.6M_train_{data,camera,joint_3d,MANO_NeuralAnnot}.json + images/train/."""
    rng = np.random.default_rng(0)
    cams = {f"4000{k + 1:02d}": camera(k, rng) for k in range(CAMERAS)}
    valid = [[1]] * 42
    images, annots, joints, manos = [], [], {}, {}
    for f in range(frames):
        joints[str(f)] = {"world_coord": two_hands(rng).tolist(), "joint_valid": valid, "hand_type": "interacting",
                          "hand_type_valid": 1}
        fit = lambda: {"pose": rng.normal(0, 0.3, 48).tolist(), "shape": rng.normal(0, 1, 10).tolist(),  # noqa: E731
                       "trans": [0.0, 0.0, 0.0]}
        manos[str(f)] = {"right": fit(), "left": fit()}
        for cam in cams:
            name = f"Capture0/{seq}/cam{cam}/image{f:05d}.jpg"
            (root / "images" / "train" / name).parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / "images" / "train" / name), photo(rng), [cv2.IMWRITE_JPEG_QUALITY, 90])
            images.append({"id": len(images), "file_name": name, "width": W, "height": H, "capture": 0,
                           "subject": 0, "seq_name": seq, "camera": cam, "frame_idx": f})
            annots.append({"id": len(annots), "image_id": len(annots), "bbox": [0, 0, W, H], "joint_valid": valid,
                           "hand_type": "interacting", "hand_type_valid": 1})
    ann = root / "annotations" / "train"
    ann.mkdir(parents=True, exist_ok=True)
    camera_json = {"0": {key: {c: v[key] for c, v in cams.items()} for key in ("campos", "camrot", "focal", "princpt")}}
    for kind, obj in (("data", {"images": images, "annotations": annots}), ("camera", camera_json),
                      ("joint_3d", {"0": joints}), ("MANO_NeuralAnnot", {"0": manos})):
        (ann / f"InterHand2.6M_train_{kind}.json").write_text(json.dumps(obj))


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def loader_rate(ds, args, workers: int, device: torch.device) -> tuple:
    """(seconds to the first batch, samples/s after the warm-up) through the trainer's loader + copy."""
    t0 = time.perf_counter()
    it = iter(train_batches(ds, args.batch, 0, 0, 10**6, num_workers=workers, pin_memory=device.type == "cuda"))
    to_device(next(it), device, True)
    first = time.perf_counter() - t0
    for _ in range(workers):
        to_device(next(it), device, True)
    sync(device)
    t0, n = time.perf_counter(), 0
    while n < 2 or time.perf_counter() - t0 < args.seconds:
        to_device(next(it), device, True)  # channels_last: what the trainer does on CPU and CUDA
        n += 1
    sync(device)
    rate = n * args.batch / (time.perf_counter() - t0)
    del it  # shuts the workers down
    return first, rate


def interhand_split(ds, n: int = 32) -> str:
    """Mean per-sample ms of each stage of InterHandDataset.__getitem__, in this one process."""
    t = {"decode": [], "geometry": [], "crop+augment": [], "to tensor": []}
    for i in range(min(n, len(ds))):
        t0 = time.perf_counter()
        read_rgb(image_path(ds.root, ds.split, ds.index.files[i]))
        t1 = time.perf_counter()
        raw = ds.raw_sample(i)  # decodes again: geometry = its time minus a decode
        t2 = time.perf_counter()
        cropped = crop_sample(raw, ds.crop, ds.image_size, augmentation_rng())
        t3 = time.perf_counter()
        to_sample(cropped, compact=True)  # as the loader does: the uint8 picture (to_device normalises)
        t4 = time.perf_counter()
        for key, dt in zip(t, (t1 - t0, (t2 - t1) - (t1 - t0), t3 - t2, t4 - t3)):
            t[key].append(dt * 1e3)
    means = {k: statistics.mean(v) for k, v in t.items()}
    return (", ".join(f"{k} {v:.2f} ms" for k, v in means.items())
            + f"; total {sum(means.values()):.2f} ms = {1e3 / sum(means.values()):.0f} samples/s per core")


def step_rate(args, device: torch.device) -> float:
    """Samples/s of the trainer's step for the seed's best config (median of --reps)."""
    cfg = trial_config({"arch": {"backbone": "resnet18", "input_size": args.size, "cascade_widths": SEED_BEST},
                        "train": {"batch_size": args.batch, "device": args.device}})
    step = trainer_step(cfg, device, True, fast=args.mode == "fast")
    batch = to_device(dummy_batch(args.batch, args.size), device, True)
    for _ in range(5 if args.mode == "fast" else 1):  # compile + capture (after 3 warm-up steps on CUDA)
        step(batch)
    sync(device)
    times = [timed(lambda: step(batch), device, time.perf_counter) for _ in range(args.reps)]
    return args.batch / statistics.median(times)


def synthetic_factory(args):
    """Renders the missing shards onto disk (untimed), then returns a maker of fresh datasets: one per
    row, so that forked workers inherit no decoded shard and load the files, as in a training run."""
    mano = TwoHandMANO(ManoSpec())
    spec = SyntheticSpec(n_train=args.n_train, cache_dir=args.dir / "synthetic")
    make = lambda: SyntheticDataset(spec, "train", args.size, mano, AUGMENT, augment=True)  # noqa: E731
    t0 = time.perf_counter()
    make().prepare()
    shards = sum(p.stat().st_size for p in spec.cache_dir.glob("shard-*.npz"))
    print(f"synthetic: {args.n_train} samples in {-(-args.n_train // SHARD_SIZE)} shards ready in "
          f"{time.perf_counter() - t0:.1f} s ({shards / 2**20:.0f} MiB of shards in the cache folder)")
    return make


def interhand_dataset(args) -> InterHandDataset:
    """The generated dataset (written once into --dir), its JPEG size and where a sample's time goes."""
    root = args.dir / f"interhand-{args.frames}"
    if not (root / "annotations" / "train" / "InterHand2.6M_train_MANO_NeuralAnnot.json").is_file():
        t0 = time.perf_counter()
        write_interhand(root, args.frames)
        print(f"generated {args.frames} frames x {CAMERAS} cameras in {time.perf_counter() - t0:.1f} s")
    ds = InterHandDataset(InterHandSpec(root=root), "train", args.size, AUGMENT, augment=True)
    jpegs = [p.stat().st_size for p in (root / "images").rglob("*.jpg")]
    print(f"interhand: {len(ds)} samples, mean JPEG {statistics.mean(jpegs) / 1024:.1f} KB; per sample "
          f"(1 process): {interhand_split(ds)}")
    return ds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--workers", default="0,1,2", help="comma-separated DataLoader worker counts")
    ap.add_argument("--seconds", type=float, default=5.0, help="timed loading per row, after the warm-up")
    ap.add_argument("--n-train", type=int, default=2048, help="synthetic samples (shards of 64)")
    ap.add_argument("--frames", type=int, default=32, help="InterHand frames (x 8 cameras)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/loader-bench"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--step", action="store_true", help="also time the trainer's step and print loader/step")
    ap.add_argument("--mode", choices=("eager", "fast"), default="eager", help="fast: the compiled/captured step")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    os.environ["MAHM_INTERHAND_CACHE"] = str(args.dir / "interhand-index")  # not the user's home
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  {len(os.sched_getaffinity(0))} CPUs, torch {torch.__version__}, "
          f"device {device}, threads {args.threads}, batch {args.batch}, {args.size}x{args.size}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    step = step_rate(args, device) if args.step else None
    if step is not None:
        print(f"trainer step ({args.mode}, seed's best, resnet18): {step:.1f} samples/s (median of {args.reps})")

    def report(label: str, make_ds) -> None:
        auto = loader_workers("auto", device, make_ds())
        print(f"{label}: data.num_workers auto = {auto} here (device {device}, {cpu_share()} cores)")
        for workers in (int(w) for w in args.workers.split(",")):
            first, rate = loader_rate(make_ds(), args, workers, device)
            verdict = "" if step is None else \
                f"  loader/step {rate / step:5.2f} {'keeps up' if rate >= step else 'BOTTLENECK'}"
            print(f"{label:10s} workers {workers:2d}: first batch {first:6.2f} s, {rate:7.1f} samples/s{verdict}")

    report("synthetic", synthetic_factory(args))
    interhand = interhand_dataset(args)
    report("interhand", lambda: interhand)  # it keeps nothing decoded in memory
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
