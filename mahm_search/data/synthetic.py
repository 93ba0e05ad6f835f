"""The embedded default data source: rendered interacting two-hand images with exact ground truth.

Sample i of a split depends only on (seed, split, i) (its own RNG), so the same seed gives the same
bytes whatever the batch, worker or shard. Samples are made in shards of SHARD_SIZE: one batched MANO
forward per shard, images rendered straight at the crop (the crop box is found from the projected
joints in a virtual full frame, and the crop's intrinsics K' = A @ K are used to draw), then cached.
Training augmentation (jitter, rotation, scale) is applied afterwards by crop.py, never cached.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Dict, Optional, Tuple

import numpy as np
import torch
from torch.utils.data import Dataset

from ..hands.joints import NUM_JOINTS
from ..hands.layer import TwoHandMANO
from .background import background
from .cache import ShardCache, content_key, default_cache_dir
from .crop import augmentation_rng, choose_affine, crop_sample
from .glove import face_joints, glove_colours
from .render import face_albedo, project, render_batch
from .sample import to_sample
from .spec import CropSpec, SyntheticSpec
from .synthetic_scene import pose_scenes, sample_params

RENDER_VERSION = 6  # bump when rendering or scene sampling changes, so old cached shards are not reused
SHARD_SIZE = 64
SPLIT_CODES = {"train": 0, "val": 1}
FRAME_FACTOR = 2  # the virtual full frame is FRAME_FACTOR x the crop size


def sample_rng(seed: int, split: str, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, SPLIT_CODES[split], index])


def render_samples(mano: TwoHandMANO, seed: int, split: str, start: int, stop: int, image_size: int,
                   crop: CropSpec = CropSpec(), texture: bool = False, clutter: bool = False,
                   appearance: str = "glove", pose_spread: str = "natural") -> Dict[str, np.ndarray]:
    """Samples [start, stop) of a split as arrays: image (N, S, S, 3) uint8 RGB, joints_3d, joints_2d,
    mano_pose, mano_shape, K."""
    rngs = [sample_rng(seed, split, i) for i in range(start, stop)]
    params = [sample_params(rng, pose_spread) for rng in rngs]
    scenes = pose_scenes(mano, params)
    faces = mano.faces.cpu().numpy()
    faces = np.concatenate([faces[0], faces[1] + scenes.vertices.shape[2]])
    frame = FRAME_FACTOR * image_size
    n = len(params)
    images = np.empty((n, image_size, image_size, 3), np.uint8)
    joints_2d, Ks = np.empty((n, 2, NUM_JOINTS, 2), np.float32), np.empty((n, 3, 3), np.float32)
    verts = scenes.vertices.reshape(n, -1, 3).astype(np.float64)
    albedo, Kfull = np.empty((n, len(faces), 3)), np.empty((n, 3, 3))
    joint_of_face = None
    if appearance == "glove":
        weights = mano.lbs_weights.cpu().numpy()
        joint_of_face = np.concatenate([face_joints(weights[h], mano.faces[h].cpu().numpy()) for h in range(2)])
    for k, (p, rng) in enumerate(zip(params, rngs)):
        f = p["focal_frac"] * frame
        K = np.array([[f, 0, frame / 2], [0, f, frame / 2], [0, 0, 1]])
        full = {"joints_2d": project(scenes.joints[k], K), "joint_valid": np.ones((2, NUM_JOINTS))}
        affine, _ = choose_affine(full, crop, image_size, (frame, frame))
        Kc = Kfull[k] = np.vstack([affine, [0, 0, 1]]) @ K
        images[k] = background(image_size, rng, clutter)
        glove = None if joint_of_face is None else glove_colours(joint_of_face, p["skin"])
        albedo[k] = face_albedo(verts[k], faces, p["skin"], rng if texture else None, glove)
        joints_2d[k], Ks[k] = project(scenes.joints[k], Kc), Kc
    # One vectorised z-buffer pass for the whole shard, with the float64 intrinsics used for joints_2d.
    render_batch(images, verts, faces, Kfull, albedo, np.stack([p["light"] for p in params]),
                 np.array([p["ambient"] for p in params]))
    return {"image": images, "joints_3d": scenes.joints.astype(np.float32), "joints_2d": joints_2d,
            "mano_pose": scenes.mano_pose.astype(np.float32), "mano_shape": scenes.mano_shape.astype(np.float32),
            "K": Ks}


def mano_fingerprint(mano: TwoHandMANO) -> str:
    """Identifies the MANO model's arrays, so shards made with another model are not reused."""
    digest = hashlib.sha256()
    for name in ("v_template", "shapedirs", "posedirs", "hands_components", "faces"):
        digest.update(getattr(mano, name).detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:24]


SHARDS_MEMORY_BYTES = 256 * 2**20  # decoded shards kept per dataset: shuffled batches touch every shard


def shards_in_memory(image_size: int) -> int:
    """How many decoded shards to keep: a shuffled batch draws from all shards, so keeping only a few
    would reload (and decompress) a shard for almost every sample."""
    shard_bytes = SHARD_SIZE * 3 * image_size * image_size  # uint8 images dominate
    return max(2, SHARDS_MEMORY_BYTES // shard_bytes)


class SyntheticDataset(Dataset):
    """n samples of one split; shards are rendered on first use and kept on disk (if caching is on)."""

    def __init__(self, spec: SyntheticSpec, split: str, image_size: int, mano: TwoHandMANO,
                 crop: CropSpec = CropSpec(), augment: bool = False):
        self.spec, self.split, self.image_size, self.crop, self.augment = spec, split, image_size, crop, augment
        self.n = spec.n_train if split == "train" else spec.n_val
        self.mano = mano
        self.cache = ShardCache((spec.cache_dir or default_cache_dir()) if spec.cache else None)
        self._description = {
            "version": RENDER_VERSION, "seed": spec.seed, "split": split, "size": image_size,
            "crop": {"enabled": crop.enabled, "scale": crop.scale}, "texture": spec.texture,
            "appearance": spec.appearance, "pose_spread": spec.pose_spread, "clutter": spec.clutter, "mano": mano_fingerprint(mano),
        }
        self._shard = lru_cache(maxsize=shards_in_memory(image_size))(self._load_shard)

    def __len__(self) -> int:
        return self.n

    def _bounds(self, shard: int) -> Tuple[int, int]:
        return shard * SHARD_SIZE, min((shard + 1) * SHARD_SIZE, self.n)

    def _key(self, shard: int) -> str:
        start, stop = self._bounds(shard)
        return content_key({**self._description, "start": start, "stop": stop})

    def _load_shard(self, shard: int) -> Dict[str, np.ndarray]:
        start, stop = self._bounds(shard)
        return self.cache.get_or_make(self._key(shard), lambda: render_samples(
            self.mano, self.spec.seed, self.split, start, stop, self.image_size, self.crop,
            self.spec.texture, self.spec.clutter, self.spec.appearance, self.spec.pose_spread))

    def raw_sample(self, i: int) -> dict:
        if not 0 <= i < self.n:
            raise IndexError(f"sample {i} out of range for {self.n} {self.split} samples")
        arrays = self._shard(i // SHARD_SIZE)
        k = i % SHARD_SIZE
        raw = {key: arrays[key][k] for key in arrays}
        raw.update(hand_valid=np.ones(2, np.float32), joint_valid=np.ones((2, NUM_JOINTS), np.float32),
                   mano_valid=np.ones(2, np.float32))
        return raw

    @property
    def renders_in_each_process(self) -> bool:
        """Without the disk cache every DataLoader worker would render the shards it touches again."""
        return self.cache.folder is None

    def prepare(self) -> None:
        """Render and cache every shard not cached yet, in this process: DataLoader workers then only load
        them, instead of racing to render the same shards."""
        if self.cache.folder is None:
            return
        for shard in range(-(-self.n // SHARD_SIZE)):
            if not self.cache.path(self._key(shard)).is_file():
                self._shard(shard)

    def draw(self, i: int, rng: Optional[np.random.Generator], compact: bool = False) -> Dict[str, torch.Tensor]:
        """Sample i, augmented from `rng` when this split augments (train/batches.py seeds it per draw);
        compact: a uint8 image (data/sample.py)."""
        raw = self.raw_sample(i)
        c = self.crop
        if rng is not None and self.augment and (c.jitter or c.rotation_deg or c.scale_aug):
            raw = crop_sample(raw, c, self.image_size, rng)
        return to_sample(raw, compact)

    def __getitem__(self, i: int) -> Dict[str, torch.Tensor]:
        return self.draw(i, augmentation_rng() if self.augment else None)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_shard")  # an lru_cache of a bound method does not pickle (spawned loader workers)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._shard = lru_cache(maxsize=shards_in_memory(self.image_size))(self._load_shard)
