"""Image sequences: ``shot.####.exr`` / ``shot.%04d.exr`` / ``shot.#.png`` patterns, frames on disk, gaps.

``#`` repeated N times (or ``%0Nd``) means frame numbers padded to N digits; ``#`` alone or ``%d`` means no
padding. Numbers longer than the padding match too (frame 10000 of ``####``). An :class:`ImageSequence`
is a snapshot of the folder's frame range when it was scanned (``rescan()`` looks again; the media
pool rescans when the folder changes), but a frame missing from the snapshot is looked for again
(one ``stat``) each time it is asked for, so a gap filled since is read. Reading is thread-safe.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from filmstudio.core.errors import MediaError
from filmstudio.media.failures import FrameOutOfRangeError
from filmstudio.media.info import MediaInfo
from filmstudio.media.inspection import probe_file
from filmstudio.media.stills import read_image, read_image_tensor

if TYPE_CHECKING:
    import torch

__all__ = ["ImageSequence", "MissingPolicy", "SequencePattern", "find_placeholder", "is_sequence_pattern"]

MissingPolicy = Literal["error", "black", "hold"]
_PLACEHOLDER = re.compile(r"#+|%0?(\d*)d")
_MISSING_POLICIES = ("error", "black", "hold")


def find_placeholder(name: str) -> re.Match[str] | None:
    """The last frame-number placeholder in a file name, if any."""
    found = None
    for found in _PLACEHOLDER.finditer(name):  # noqa: B007 - keep the last one
        pass
    return found


def is_sequence_pattern(path: str | os.PathLike[str]) -> bool:
    """True for names like ``shot.####.exr`` or ``shot.%04d.exr`` (a frame-number placeholder)."""
    return find_placeholder(os.path.basename(os.fspath(path))) is not None  # per frame: no pathlib


@dataclass(frozen=True)
class SequencePattern:
    """A parsed pattern: ``folder / (prefix + number padded to padding + suffix)``."""

    folder: Path
    prefix: str
    suffix: str
    padding: int

    @classmethod
    def parse(cls, pattern: str | os.PathLike[str]) -> SequencePattern:
        path = Path(pattern)
        found = find_placeholder(path.name)
        if found is None:
            raise MediaError(pattern, "not a sequence pattern: put #### or %04d where the frame number goes")
        text = found.group(0)
        if text.startswith("#"):
            padding = len(text) if len(text) > 1 else 0
        else:
            padding = int(found.group(1) or 0)
        return cls(path.parent, path.name[: found.start()], path.name[found.end() :], padding)

    @property
    def text(self) -> str:
        """The pattern written with ``#`` (``shot.####.exr``)."""
        return str(self.folder / f"{self.prefix}{'#' * max(1, self.padding)}{self.suffix}")

    def path_for(self, frame: int) -> Path:
        number = f"{frame:0{self.padding}d}" if frame >= 0 else f"-{-frame:0{self.padding}d}"
        return self.folder / f"{self.prefix}{number}{self.suffix}"

    def frame_of(self, name: str) -> int | None:
        """The frame number a file name stands for under this pattern, or None if it does not match."""
        if not (name.startswith(self.prefix) and name.endswith(self.suffix)):
            return None
        digits = name[len(self.prefix) : len(name) - len(self.suffix)]
        if not digits.isdigit() or not digits.isascii():
            return None
        if len(digits) < max(1, self.padding):
            return None
        if len(digits) > max(1, self.padding) and digits[0] == "0":
            return None  # more digits than the padding only for numbers that need them
        return int(digits)

    def scan(self) -> tuple[int, ...]:
        """Frame numbers of the matching files in the folder, ascending."""
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError as exc:
            raise MediaError(self.text, f"the folder {self.folder} does not exist; check the path") from exc
        except OSError as exc:
            raise MediaError(self.text, f"cannot list the folder {self.folder} ({exc.strerror})") from exc
        frames = {self.frame_of(name) for name in names}
        frames.discard(None)
        return tuple(sorted(frames))  # type: ignore[type-var]


class ImageSequence:
    """Numbered still images read by frame number (``read(1001)`` reads ``shot.1001.exr``).

    ``missing`` says what reading a frame inside the range but absent on disk does: 'error' raises a
    :class:`MediaError` naming the file, 'black' gives a black frame (transparent where the images have
    alpha), 'hold' repeats the nearest earlier frame (the next one if there is none). Frames outside
    ``first_frame .. last_frame`` raise :class:`FrameOutOfRangeError`.
    """

    def __init__(
        self,
        pattern: SequencePattern,
        frames: tuple[int, ...],
        *,
        fps: Fraction = Fraction(24),
        missing: MissingPolicy = "error",
    ) -> None:
        if not frames:
            raise MediaError(
                pattern.text, "no files match this pattern: check the folder, the name and the number of #"
            )
        _check_policy(missing)
        self.pattern = pattern
        self.frames = frames
        self.fps = Fraction(fps)
        self.missing = missing
        self._on_disk = frozenset(frames)
        self._black: np.ndarray | None = None

    @classmethod
    def from_pattern(
        cls, pattern: str | os.PathLike[str], *, fps: Fraction | int = 24, missing: MissingPolicy = "error"
    ) -> ImageSequence:
        """Scan the folder for ``pattern``'s frames: ``shot.####.png``, ``shot.%04d.png``, ``shot.#.png``."""
        parsed = SequencePattern.parse(pattern)
        return cls(parsed, parsed.scan(), fps=Fraction(fps), missing=missing)

    @classmethod
    def from_file(
        cls, path: str | os.PathLike[str], *, fps: Fraction | int = 24, missing: MissingPolicy = "error"
    ) -> ImageSequence:
        """The sequence a numbered file belongs to (``shot.0042.exr`` -> ``shot.####.exr``)."""
        file = Path(path)
        found = None
        for found in re.finditer(r"\d+", file.name):  # noqa: B007 - the last number is the frame
            pass
        if found is None:
            raise MediaError(file, "the file name has no frame number, so it is not part of a sequence")
        digits = found.group(0)
        padding = len(digits) if len(digits) > 1 else 0
        parsed = SequencePattern(file.parent, file.name[: found.start()], file.name[found.end() :], padding)
        return cls(parsed, parsed.scan(), fps=Fraction(fps), missing=missing)

    def rescan(self) -> ImageSequence:
        """A new snapshot of the folder, with the same settings."""
        return ImageSequence(self.pattern, self.pattern.scan(), fps=self.fps, missing=self.missing)

    @property
    def first_frame(self) -> int:
        return self.frames[0]

    @property
    def last_frame(self) -> int:
        return self.frames[-1]

    @property
    def missing_frames(self) -> tuple[int, ...]:
        """Frame numbers between the first and the last that have no file (the gaps)."""
        return tuple(n for n in range(self.first_frame, self.last_frame + 1) if n not in self._on_disk)

    def __len__(self) -> int:
        return self.last_frame - self.first_frame + 1

    def __repr__(self) -> str:
        return f"ImageSequence({self.pattern.text!r}, {self.first_frame}-{self.last_frame})"

    @cached_property
    def info(self) -> MediaInfo:
        """Facts from the first image, with the sequence's frame range, gaps and rate."""
        first = probe_file(self.path_for(self.first_frame))
        count = len(self)
        return replace(
            first,
            path=self.pattern.text,
            kind="sequence",
            fps=self.fps,
            frame_count=count,
            duration_s=float(count / self.fps),
            first_frame=self.first_frame,
            missing_frames=self.missing_frames,
        )

    def path_for(self, frame: int) -> Path:
        return self.pattern.path_for(frame)

    def resolve(self, frame: int, missing: MissingPolicy | None = None) -> Path | None:
        """The file to show for ``frame`` under the missing-frame policy; None means a black frame."""
        policy = missing or self.missing
        _check_policy(policy)
        if not self.first_frame <= frame <= self.last_frame:
            raise FrameOutOfRangeError(
                self.pattern.text,
                f"frame {frame} is outside the sequence's range {self.first_frame}-{self.last_frame}",
            )
        if frame in self._on_disk:
            return self.path_for(frame)
        path = self.path_for(frame)
        if path.is_file():  # rendered since the folder was scanned
            return path
        if policy == "black":
            return None
        if policy == "hold":
            slot = int(np.searchsorted(self.frames, frame)) - 1
            return self.path_for(self.frames[max(slot, 0)])
        raise MediaError(
            path,
            f"frame {frame} is missing from the sequence {self.pattern.text}; render it again, or read with "
            "missing='hold' or 'black'",
        )

    def read(self, frame: int, missing: MissingPolicy | None = None) -> np.ndarray:
        """Frame ``frame`` as an ``HxWxC`` array of the file's values (see :func:`read_image`)."""
        path = self.resolve(frame, missing)
        if path is None:
            return self._black_frame()
        return read_image(path)

    def read_tensor(self, frame: int, missing: MissingPolicy | None = None) -> torch.Tensor:
        """Frame ``frame`` as a float32 ``[4,H,W]`` premultiplied RGBA tensor."""
        import torch

        path = self.resolve(frame, missing)
        if path is not None:
            return read_image_tensor(path)
        black = self._black_frame()
        tensor = torch.zeros((4, black.shape[0], black.shape[1]), dtype=torch.float32)
        if black.shape[2] == 3:
            tensor[3] = 1.0  # opaque black; images with alpha give transparent black
        return tensor

    def _black_frame(self) -> np.ndarray:
        if self._black is None:
            sample = read_image(self.path_for(self.first_frame))
            black = np.zeros_like(sample)
            black.flags.writeable = False
            self._black = black
        return self._black


def _check_policy(policy: str) -> None:
    if policy not in _MISSING_POLICIES:
        raise ValueError(f"missing must be one of {', '.join(_MISSING_POLICIES)}, not {policy!r}")
