"""What a media file is: :class:`MediaInfo` and :class:`AudioInfo`, plus colour tag names and guesses.

Values only (frozen dataclasses, safe to share between threads); :func:`filmstudio.media.probe` makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

MediaKind = Literal["video", "image", "sequence"]

# FFmpeg's AVColorPrimaries / AVColorTransferCharacteristic / AVColorSpace / AVColorRange numbers, named
# the way ffprobe names them.
PRIMARIES_NAMES = {
    1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020",
    10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213",
}  # fmt: skip
TRANSFER_NAMES = {
    1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear", 9: "log100",
    10: "log316", 11: "iec61966-2-4", 12: "bt1361e", 13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12",
    16: "smpte2084", 17: "smpte428", 18: "arib-std-b67",
}  # fmt: skip
MATRIX_NAMES = {
    0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco", 9: "bt2020nc",
    10: "bt2020c", 11: "smpte2085", 12: "chroma-derived-nc", 13: "chroma-derived-c", 14: "ictcp",
}  # fmt: skip
RANGE_NAMES = {1: "tv", 2: "pc"}
UNKNOWN = "unknown"


@dataclass(frozen=True)
class AudioInfo:
    """One audio stream of a file. ``index`` is the stream's index in the container."""

    index: int
    codec: str
    sample_rate: int
    channels: int
    duration_s: float


@dataclass(frozen=True)
class SubtitleInfo:
    """One subtitle stream of a file. ``track`` counts the file's subtitle streams from 0 (a
    Subtitle File node's ``track``); ``index`` is the stream's index in the container;
    ``language`` is the tag as written ("" when untagged)."""

    track: int
    index: int
    codec: str
    language: str


@dataclass(frozen=True)
class ColourTags:
    """Colour metadata as written in the file; 'unknown' where the file says nothing."""

    primaries: str = UNKNOWN
    transfer: str = UNKNOWN
    matrix: str = UNKNOWN
    range: str = UNKNOWN

    @classmethod
    def from_numbers(cls, primaries: int, transfer: int, matrix: int, colour_range: int) -> ColourTags:
        """Name FFmpeg's colour enum values (as found on a decoded frame or a codec context)."""
        return cls(
            PRIMARIES_NAMES.get(int(primaries), UNKNOWN),
            TRANSFER_NAMES.get(int(transfer), UNKNOWN),
            MATRIX_NAMES.get(int(matrix), UNKNOWN),
            RANGE_NAMES.get(int(colour_range), UNKNOWN),
        )


@dataclass(frozen=True)
class MediaInfo:
    """Everything the editor needs to know about a clip, a still image or an image sequence.

    ``width``/``height`` are the size of the frames the readers return, i.e. *after* ``rotation`` is
    applied (a portrait phone clip stored as 1920x1080 with rotation 90 reports 1080x1920).
    ``rotation`` is the clockwise angle (0, 90, 180 or 270) the stored frames are turned by to stand
    upright, the same number as the legacy ``rotate`` tag (display-matrix flips are not applied).
    ``pixel_aspect`` is reported only: readers never resample non-square pixels.
    ``fps`` is the average rate (``None`` for a still); for a variable-rate clip
    (``variable_frame_rate``: the gaps between frames differ) ``min_fps``/``max_fps`` give the
    slowest and fastest stretch (None otherwise). ``frame_count`` is exact: counted from the
    container's packets, not estimated from the duration. ``bit_depth`` is the depth of the colour
    components; ``has_alpha`` says the pixel format carries alpha. ``colour_space`` is a best guess
    from the tags (and from the format where there are none), e.g. 'sRGB', 'Rec.709', 'Rec.2020',
    'Linear Rec.709', to preselect a Read node's input space. For sequences ``first_frame`` is the
    first frame number on disk and ``missing_frames`` lists the gaps between the first and the last.
    """

    path: str
    kind: MediaKind
    codec: str
    width: int
    height: int
    pixel_aspect: Fraction
    fps: Fraction | None
    frame_count: int
    duration_s: float
    variable_frame_rate: bool
    rotation: int
    pix_fmt: str
    bit_depth: int
    has_alpha: bool
    colour_primaries: str = UNKNOWN
    colour_transfer: str = UNKNOWN
    colour_matrix: str = UNKNOWN
    colour_range: str = UNKNOWN
    colour_space: str = UNKNOWN
    audio: tuple[AudioInfo, ...] = ()
    subtitles: tuple[SubtitleInfo, ...] = ()
    first_frame: int = 0
    missing_frames: tuple[int, ...] = ()
    container_format: str = ""
    min_fps: Fraction | None = None
    max_fps: Fraction | None = None

    @property
    def last_frame(self) -> int:
        """Number of the last frame (``first_frame + frame_count - 1``)."""
        return self.first_frame + self.frame_count - 1


def guess_colour_space(tags: ColourTags, *, is_rgb: bool, is_float: bool, height: int) -> str:
    """Name the colour space a clip most likely uses, from its tags; untagged files get the usual default.

    HDR transfers win over primaries; untagged float images (EXR) are taken as scene-linear Rec.709,
    untagged RGB images as sRGB, untagged YUV video as Rec.709 from 720 lines up and Rec.601 below.
    """
    if tags.transfer == "smpte2084":
        return "Rec.2100 PQ"
    if tags.transfer == "arib-std-b67":
        return "Rec.2100 HLG"
    if tags.primaries == "bt2020" or tags.matrix in ("bt2020nc", "bt2020c"):
        return "Rec.2020"
    if tags.primaries == "smpte432":
        return "Display P3"
    if tags.primaries == "smpte431":
        return "DCI-P3"
    if tags.transfer == "linear":
        return "Linear Rec.709"
    if tags.transfer in ("iec61966-2-1", "iec61966-2-4"):
        return "sRGB"
    if tags.primaries == "bt709" or tags.matrix == "bt709" or tags.transfer == "bt709":
        return "Rec.709"
    if tags.primaries in ("smpte170m", "bt470bg") or tags.matrix in ("smpte170m", "bt470bg"):
        return "Rec.601"
    if is_float:
        return "Linear Rec.709"
    if is_rgb:
        return "sRGB"
    return "Rec.709" if height >= 720 else "Rec.601"
