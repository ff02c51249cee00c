"""Synthetic tracking clips with a known answer: a textured patch moving on a sub-pixel path, with
optional rotation, scale and an occluder, over a noisy background.

Positions are image pixels with the origin at the top-left edge (the Track convention). Frames are
``H x W x 3`` uint8 RGB; :func:`write_clip` encodes them with PyAV (H.264) for the Read node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np


@dataclass(frozen=True)
class Motion:
    """The patch's path: centre at frame k (0-based), rotation (degrees) and scale."""

    start: tuple[float, float] = (60.0, 50.0)
    velocity: tuple[float, float] = (1.37, 0.61)  # pixels per frame: always sub-pixel phases
    wobble: float = 3.0  # amplitude of a sine added to the path, pixels
    degrees_per_frame: float = 0.0
    scale_per_frame: float = 0.0  # 0.004: 19 % larger after 48 frames

    def centre(self, k: int) -> tuple[float, float]:
        x = self.start[0] + self.velocity[0] * k + self.wobble * math.sin(k / 5.0)
        y = self.start[1] + self.velocity[1] * k + self.wobble * math.cos(k / 7.0)
        return (x, y)

    def angle(self, k: int) -> float:
        return self.degrees_per_frame * k

    def scale(self, k: int) -> float:
        return 1.0 + self.scale_per_frame * k


def texture(size: int, seed: int = 1) -> np.ndarray:
    """A high-contrast blob texture, ``size x size`` float32 in 0..255."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, 1.0, (size, size)).astype(np.float32)
    blobs = cv2.GaussianBlur(noise, (0, 0), 1.6)
    blobs = (blobs - blobs.min()) / (blobs.max() - blobs.min())
    return 30.0 + 200.0 * blobs


def frames(
    motion: Motion,
    count: int = 48,
    size: tuple[int, int] = (256, 192),
    *,
    hidden: range = range(0),
    noise: float = 3.0,
    patch: int = 41,
    seed: int = 7,
) -> list[np.ndarray]:
    """``count`` RGB frames of the patch moving along ``motion``; in frames ``hidden`` a flat grey
    card covers it (an occlusion)."""
    width, height = size
    rng = np.random.default_rng(seed)
    background = cv2.GaussianBlur(rng.normal(110.0, 25.0, (height, width)).astype(np.float32), (0, 0), 4.0)
    pattern = texture(patch, seed)
    mask = np.ones((patch, patch), np.float32)
    out = []
    for k in range(count):
        cx, cy = motion.centre(k)
        # OpenCV coordinates (pixel centres on integers) are the Track's minus a half pixel
        matrix = cv2.getRotationMatrix2D(
            ((patch - 1) / 2, (patch - 1) / 2), -motion.angle(k), motion.scale(k)
        )
        matrix[:, 2] += (cx - 0.5 - (patch - 1) / 2, cy - 0.5 - (patch - 1) / 2)
        placed = cv2.warpAffine(pattern, matrix, (width, height), flags=cv2.INTER_CUBIC)
        cover = cv2.warpAffine(mask, matrix, (width, height), flags=cv2.INTER_LINEAR)
        grey = background * (1 - cover) + placed * cover
        if k in hidden:
            half = patch
            x0, y0 = int(cx - half), int(cy - half)
            grey[max(0, y0) : y0 + 2 * half, max(0, x0) : x0 + 2 * half] = 128.0
        grey = grey + rng.normal(0.0, noise, grey.shape).astype(np.float32)
        rgb = np.clip(np.rint(np.stack([grey * 0.9, grey, grey * 1.05], axis=-1)), 0, 255).astype(np.uint8)
        out.append(rgb)
    return out


def write_clip(path: Path, pictures: list[np.ndarray], fps: int = 24, crf: int = 16) -> Path:
    """Encode ``pictures`` as H.264 (yuv420p) with PyAV."""
    height, width = pictures[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"crf": str(crf), "preset": "fast"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for picture in pictures:
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
