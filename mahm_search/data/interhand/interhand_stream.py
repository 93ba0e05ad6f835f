"""Streaming reads of the InterHand2.6M annotation files, so an index build never holds a whole file as
Python objects (the 5 fps train split's JSON as objects would take ~12 GB).

- data.json: images[] and annotations[] are walked item by item into flat columns.
- joint_3d.json / MANO_NeuralAnnot.json: one frame record at a time; only the frames the index keeps
  are turned into small arrays.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Dict, Iterator, Set, Tuple

import numpy as np
import pandas as pd

from ...errors import DataError

IMAGE_FIELDS = ("id", "file_name", "capture", "seq_name", "camera", "frame_idx")
ANNOTATION_FIELDS = ("image_id", "joint_valid", "hand_type")
CHUNK = 1 << 22  # characters read at a time


class _Reader:
    """The standard library's C JSON decoder, one value at a time, over a file read in chunks: as fast
    as json.load per value, with memory bounded by the largest value decoded (ijson's C backend, tried
    first, was ~1.5x slower than json.load here)."""

    def __init__(self, path: Path):
        self.path, self.f = path, open(path, "r", encoding="utf-8")
        self.buf, self.pos, self.eof = "", 0, False
        self.decoder = json.JSONDecoder()
        self.started = 0  # values (and objects/arrays walked) begun so far

    def close(self) -> None:
        self.f.close()

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.f.read(CHUNK)
        self.eof = not chunk
        self.buf, self.pos = self.buf[self.pos:] + chunk, 0
        return bool(chunk)

    def _error(self, what: str) -> DataError:
        return DataError(f"{self.path}: not valid JSON: {what} (near character {self.pos} of the chunk)")

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos:self.pos + 1]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self._error(f"expected '{char}', found '{self.peek()}'")
        self.pos += 1

    def value(self):
        self.started += 1
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
                if end < len(self.buf) or self.eof:  # a number may go on in the next chunk
                    self.pos = end
                    return value
            except json.JSONDecodeError as err:
                if self.eof:
                    raise self._error(str(err)) from None
            if not self._more() and self.eof and self.pos >= len(self.buf):
                raise self._error("unexpected end of file")

    def members(self) -> Iterator[str]:
        """Walk an object: yields each key; the caller must read (or skip) its value."""
        return self._walk("{", "}", self._key)

    def items(self) -> Iterator:
        """Walk an array, decoding one item at a time."""
        return self._walk("[", "]", self.value)

    def _key(self) -> str:
        key = self.value()
        self.expect(":")
        return key

    def _walk(self, opening: str, closing: str, read: Callable) -> Iterator:
        """The entries of an object or array, each produced by `read`, separated by commas."""
        self.started += 1
        self.expect(opening)
        if self.peek() == closing:
            self.pos += 1
            return
        while True:
            yield read()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect(closing)
            return


def _top_level(path: Path) -> Iterator[Tuple[str, _Reader]]:
    """(key, reader positioned at its value) for each top-level key; unread values are skipped."""
    reader = _Reader(path)
    try:
        for key in reader.members():
            started = reader.started
            yield key, reader
            if reader.started == started:
                reader.value()  # the caller did not read it: skip it
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: not valid JSON: {err}") from None
    finally:
        reader.close()


def _check(item, fields, path: Path, where: str) -> None:
    missing = [c for c in fields if not isinstance(item, dict) or c not in item]
    if missing:
        raise DataError(f"{path}: {where}: missing field(s) {missing}")


def read_samples(path: Path) -> Tuple[pd.DataFrame, np.ndarray]:
    """data.json -> (one row per annotation in the file's order, joined to its image: image_id,
    hand_type, file_name, capture, seq_name, camera, frame_idx, frame_key, row; joint_valid (N, 42)
    uint8 indexed by `row`). Annotations whose image is missing are dropped (an inner join)."""
    cols: Dict[str, list] = {c: [] for c in IMAGE_FIELDS}
    image_ids, hand_types, valid = [], [], bytearray()
    seen = set()
    for key, reader in _top_level(path):
        if key == "images":
            seen.add(key)
            for image in reader.items():
                _check(image, IMAGE_FIELDS, path, "images[]")
                for c in IMAGE_FIELDS:
                    cols[c].append(image[c])
        elif key == "annotations":
            seen.add(key)
            for ann in reader.items():
                _check(ann, ANNOTATION_FIELDS, path, "annotations[]")
                image_ids.append(ann["image_id"])
                hand_types.append(ann["hand_type"])
                flags = np.asarray(ann["joint_valid"], np.float32).reshape(-1) > 0
                if flags.size != 42:
                    raise DataError(f"{path}: annotations[] image {ann['image_id']}: joint_valid has "
                                    f"{flags.size} entries, expected 42")
                valid += flags.astype(np.uint8).tobytes()
    for name in ("images", "annotations"):
        if name not in seen:
            raise DataError(f"{path}: top level: missing field '{name}'")
    images = pd.DataFrame(cols)
    annots = pd.DataFrame({"image_id": image_ids, "hand_type": hand_types, "row": np.arange(len(image_ids))})
    # An inner merge keeps the left frame's order: the official annotation order.
    df = annots.merge(images, left_on="image_id", right_on="id")
    df["capture"] = df["capture"].astype(str)
    df["camera"] = df["camera"].astype(str)
    df["frame_key"] = df["frame_idx"].astype(str)
    return df.reset_index(drop=True), np.frombuffer(bytes(valid), np.uint8).reshape(-1, 42)


def read_frames(path: Path, wanted: Set[Tuple[str, str]], convert: Callable[[dict, tuple], object]) -> Dict[tuple, object]:
    """{(capture, frame_key): convert(record, (capture, frame_key))} for the wanted frames of a per-capture, per-frame file
    (joint_3d, MANO_NeuralAnnot). A record that does not convert is kept as the DataError it raised,
    for the caller to raise only if it needs that frame."""
    by_capture: Dict[str, Set[str]] = {}
    for capture, frame in wanted:
        by_capture.setdefault(capture, set()).add(frame)
    out: Dict[tuple, object] = {}
    for capture, reader in _top_level(path):
        keep = by_capture.get(str(capture))
        if not keep or reader.peek() != "{":
            continue
        for frame in reader.members():  # one frame record at a time
            record = reader.value()
            if frame not in keep or record is None:
                continue
            try:
                out[(str(capture), frame)] = convert(record, (str(capture), frame))
            except DataError as err:
                out[(str(capture), frame)] = err
    return out
