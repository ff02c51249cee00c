"""The frame index of a video stream: every frame's presentation timestamp, found by demuxing (no decoding).

Frame ``k`` of a clip is the ``k``-th frame in presentation order, whatever the frame rate does, so the
index is the list of packet pts sorted ascending. Keyframe positions tell a reader where it can start
decoding. Building it reads the whole file once (I/O bound, no decoding).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from filmstudio.core.errors import MediaError


@dataclass(frozen=True, eq=False)
class FrameIndex:
    """Presentation timestamps of one video stream, in ``time_base`` ticks; immutable, shareable.

    ``pts[k]`` is frame ``k``'s timestamp (ascending). ``keyframes`` holds the positions of frames a
    decoder can start from, ascending, and ``keyframe_dts`` their decode timestamps (for demuxers that
    seek by dts). ``has_timestamps`` is False for raw streams without pts; positions are then ordinal.
    """

    time_base: Fraction
    pts: np.ndarray
    keyframes: np.ndarray
    keyframe_dts: np.ndarray
    last_duration: int
    has_timestamps: bool = True

    def __len__(self) -> int:
        return len(self.pts)

    def position_of(self, pts: int | None) -> int | None:
        """Position of the frame with this pts, or None if no frame has it."""
        if pts is None or len(self.pts) == 0:
            return None
        position = int(np.searchsorted(self.pts, pts))
        if position < len(self.pts) and int(self.pts[position]) == pts:
            return position
        return None

    def keyframe_at_or_before(self, position: int) -> int:
        """Position of the last keyframe at or before ``position`` (0 if none is)."""
        slot = int(np.searchsorted(self.keyframes, position, side="right")) - 1
        return int(self.keyframes[slot]) if slot >= 0 else 0

    def keyframe_slot(self, keyframe_position: int) -> int:
        """Index into ``keyframes`` of a keyframe position (-1 if it is not a keyframe)."""
        slot = int(np.searchsorted(self.keyframes, keyframe_position))
        if slot < len(self.keyframes) and int(self.keyframes[slot]) == keyframe_position:
            return slot
        return -1

    @property
    def longest_gop(self) -> int:
        """Most frames between two keyframes (the whole clip if there is only one)."""
        if len(self.keyframes) == 0:
            return len(self.pts)
        bounds = np.append(self.keyframes, len(self.pts))
        return int(np.max(np.diff(bounds))) if len(bounds) > 1 else len(self.pts)

    @property
    def duration_ticks(self) -> int:
        if len(self.pts) == 0:
            return 0
        return int(self.pts[-1] - self.pts[0]) + self.last_duration

    @property
    def duration_s(self) -> float:
        return float(self.duration_ticks * self.time_base)

    @property
    def variable_frame_rate(self) -> bool:
        """True when frame spacing varies by more than timestamp rounding (1 tick, or 1% of the mean)."""
        if len(self.pts) < 3 or not self.has_timestamps:
            return False
        steps = np.diff(self.pts).astype(np.float64)
        mean = float(steps.mean())
        tolerance = max(1.0, 0.01 * mean)
        return bool(np.max(np.abs(steps - mean)) > tolerance)

    def average_rate(self) -> Fraction | None:
        """Frames per second over the clip, from the timestamps."""
        ticks = self.duration_ticks
        if ticks <= 0 or not self.has_timestamps:
            return None
        return Fraction(len(self.pts)) / (ticks * self.time_base)

    def rate_range(self) -> tuple[Fraction, Fraction] | None:
        """(slowest, fastest) rate in frames per second, from the gaps between consecutive frames;
        None without timestamps or with fewer than two frames."""
        steps = np.diff(self.pts)
        steps = steps[steps > 0]
        if not self.has_timestamps or len(steps) == 0:
            return None
        return 1 / (int(steps.max()) * self.time_base), 1 / (int(steps.min()) * self.time_base)


def build_index(container: av.container.InputContainer, stream: av.VideoStream, path: Path) -> FrameIndex:
    """Demux every packet of ``stream`` from the start and index it; rewinds nothing (caller seeks).

    Raises :class:`MediaError` if the file holds fewer complete packets than its container declares
    (a truncated download or copy), or no frames at all.
    """
    pts_list: list[int] = []
    dts_list: list[int] = []
    key_list: list[bool] = []
    durations: list[int] = []
    packets = complete = 0
    missing_pts = False
    for packet in container.demux(stream):
        if packet.size == 0 and packet.pts is None and packet.dts is None:
            continue  # the flush packet PyAV yields at the end
        packets += 1
        if not packet.is_corrupt:
            complete += 1
        if packet.is_discard:
            continue  # decoded only to prime the decoder (edit lists); never shown
        stamp = packet.pts if packet.pts is not None else packet.dts
        if stamp is None:
            missing_pts = True
            stamp = len(pts_list)
        pts_list.append(stamp)
        dts_list.append(packet.dts if packet.dts is not None else stamp)
        key_list.append(bool(packet.is_keyframe))
        durations.append(packet.duration or 0)
    declared = stream.frames or 0
    if declared and complete < declared:
        raise MediaError(
            path,
            f"file is truncated or damaged: the container lists {declared} video frames but only {complete} "
            "are complete; copy or export it again",
        )
    if not pts_list:
        raise MediaError(path, "the video stream holds no frames; export the clip again")
    if missing_pts:  # raw stream: frames are in decode order and positions are ordinal
        pts_list = list(range(len(pts_list)))
    pts = np.asarray(pts_list, dtype=np.int64)
    order = np.argsort(pts, kind="stable")
    sorted_pts = pts[order]
    keyframe_mask = np.asarray(key_list, dtype=bool)[order]
    keyframes = np.flatnonzero(keyframe_mask).astype(np.int64)
    if len(keyframes) == 0 or keyframes[0] != 0:
        keyframes = np.insert(keyframes, 0, 0)  # decoding from the stream start always works
    dts = np.asarray(dts_list, dtype=np.int64)[order]
    last = durations[int(order[-1])] if durations else 0
    if last <= 0:
        steps = np.diff(sorted_pts)
        last = int(np.median(steps)) if len(steps) else 1
    time_base = stream.time_base or Fraction(1, 1)
    return FrameIndex(
        time_base=Fraction(time_base),
        pts=sorted_pts,
        keyframes=keyframes,
        keyframe_dts=dts[keyframes],
        last_duration=max(int(last), 1),
        has_timestamps=not missing_pts,
    )
