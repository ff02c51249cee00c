"""Media I/O: probe files, read frames exactly by index, read image sequences, encode renders.

Everything here is free of Qt; torch is imported only when a tensor is made or read. Every failure a
user can meet is a :class:`filmstudio.core.errors.MediaError` naming the file.
"""

from filmstudio.core.errors import MediaError
from filmstudio.media.convert import array_to_tensor, image_to_array
from filmstudio.media.failures import FrameOutOfRangeError
from filmstudio.media.info import AudioInfo, MediaInfo
from filmstudio.media.probe import probe
from filmstudio.media.reader import VideoReader
from filmstudio.media.sequence import ImageSequence, MissingPolicy, SequencePattern
from filmstudio.media.settings import PRESETS, EncodeSettings, available_presets
from filmstudio.media.stills import read_image, read_image_tensor, write_image
from filmstudio.media.writer import VideoWriter

__all__ = [
    "PRESETS",
    "AudioInfo",
    "EncodeSettings",
    "FrameOutOfRangeError",
    "ImageSequence",
    "MediaError",
    "MediaInfo",
    "MissingPolicy",
    "SequencePattern",
    "VideoReader",
    "VideoWriter",
    "array_to_tensor",
    "available_presets",
    "image_to_array",
    "probe",
    "read_image",
    "read_image_tensor",
    "write_image",
]
