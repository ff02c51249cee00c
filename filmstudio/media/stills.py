"""Single still images: read PNG/JPEG/TIFF/EXR/... and write PNG, TIFF, JPEG and EXR, all through PyAV.

PyAV's FFmpeg has EXR decode and encode (half or float, scanline, none/RLE/ZIP compression) and reads
EXR files written by OpenEXR (PIZ, DWA, ...), so no extra dependency is needed. EXR stores colour
premultiplied by alpha, PNG and TIFF straight; arrays hold the file's own values, tensors are always
premultiplied. Writes go to a temporary name in the same folder and are renamed when complete.
Functions are thread-safe (each call opens its own file).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np

from filmstudio.core.errors import MediaError
from filmstudio.core.leftovers import owned_temporary, remove_stale
from filmstudio.media.convert import (
    PixelLayout,
    array_to_frame,
    array_to_tensor,
    frame_to_array,
    image_to_array,
    upright,
)
from filmstudio.media.failures import check_readable_file, reading, writing
from filmstudio.media.inspection import inspect_video, open_input

if TYPE_CHECKING:
    import torch

__all__ = [
    "IMAGE_WRITE_FORMATS",
    "ImageFormat",
    "image_format_for",
    "read_image",
    "read_image_tensor",
    "write_image",
]


@dataclass(frozen=True)
class ImageFormat:
    """How one file type is encoded: FFmpeg codec, array depth and pixel format for 3 and 4 channels."""

    codec: str
    dtype: str
    rgb: str
    rgba: str | None
    premultiplied: bool = False

    def pixel_format(self, alpha: bool) -> str:
        return self.rgba if alpha and self.rgba else self.rgb


IMAGE_WRITE_FORMATS: dict[tuple[str, int], ImageFormat] = {
    ("png", 8): ImageFormat("png", "uint8", "rgb24", "rgba"),
    ("png", 16): ImageFormat("png", "uint16", "rgb48be", "rgba64be"),
    ("tiff", 8): ImageFormat("tiff", "uint8", "rgb24", "rgba"),
    ("tiff", 16): ImageFormat("tiff", "uint16", "rgb48le", "rgba64le"),
    ("jpeg", 8): ImageFormat("mjpeg", "uint8", "yuvj444p", None),
    ("exr", 16): ImageFormat("exr", "float32", "gbrpf32le", "gbrapf32le", premultiplied=True),
    ("exr", 32): ImageFormat("exr", "float32", "gbrpf32le", "gbrapf32le", premultiplied=True),
}
_EXTENSIONS = {".png": "png", ".tif": "tiff", ".tiff": "tiff", ".jpg": "jpeg", ".jpeg": "jpeg", ".exr": "exr"}
_DEFAULT_DEPTH = {"png": 8, "tiff": 8, "jpeg": 8, "exr": 16}


def image_format_for(path: str | os.PathLike[str], bit_depth: int | None = None) -> ImageFormat:
    """The :class:`ImageFormat` for writing ``path`` (by extension) at ``bit_depth`` (None: the usual one)."""
    kind = _EXTENSIONS.get(Path(path).suffix.lower())
    if kind is None:
        raise MediaError(path, f"cannot write this image type; use one of {', '.join(sorted(_EXTENSIONS))}")
    depth = bit_depth or _DEFAULT_DEPTH[kind]
    found = IMAGE_WRITE_FORMATS.get((kind, depth))
    if found is None:
        depths = sorted(d for k, d in IMAGE_WRITE_FORMATS if k == kind)
        raise MediaError(path, f"{kind} images can be written at {depths} bits, not {depth}")
    return found


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """A still image as a new ``HxWxC`` array: uint8, uint16 (deeper files) or float32 (EXR/float TIFF).

    C is 3, or 4 when the file has alpha (as stored: straight for PNG, premultiplied for EXR). EXIF or
    display-matrix rotation is applied. Raises :class:`MediaError` naming the file on any failure.
    """
    return _decode(path)[0]


def read_image_tensor(path: str | os.PathLike[str]) -> torch.Tensor:
    """A still image as a float32 ``[4,H,W]`` premultiplied RGBA tensor (0..1 except float images)."""
    array, layout = _decode(path)
    return array_to_tensor(array, layout)


def _decode(path: str | os.PathLike[str]) -> tuple[np.ndarray, PixelLayout]:
    file = check_readable_file(path)
    container = open_input(file)
    try:
        inspection = inspect_video(container, file)
        with reading(file, "converting the image"):
            array = frame_to_array(inspection.first_frame, inspection.layout)
        return upright(array, inspection.info.rotation), inspection.layout
    finally:
        container.close()


def encode_image(
    array: np.ndarray,
    image_format: ImageFormat,
    *,
    exr_half: bool = True,
    exr_compression: str = "zip16",
    jpeg_quality: int = 2,
) -> bytes:
    """Encode an ``HxWxC`` array already in ``image_format.dtype`` into the bytes of one image file."""
    alpha = array.shape[2] == 4
    pix_fmt = image_format.pixel_format(alpha)
    frame = array_to_frame(np.ascontiguousarray(array))
    if frame.format.name != pix_fmt:
        options: dict[str, object] = {"format": pix_fmt}
        if pix_fmt.startswith("yuv"):
            options.update(dst_colorspace="ITU601", dst_color_range="JPEG")
        frame = frame.reformat(**options)
    context = av.CodecContext.create(image_format.codec, "w")
    context.width, context.height = array.shape[1], array.shape[0]
    context.pix_fmt = pix_fmt
    context.time_base = Fraction(1, 1)
    if image_format.codec == "exr":
        context.options = {"format": "half" if exr_half else "float", "compression": exr_compression}
    elif image_format.codec == "mjpeg":
        context.color_range = 2
        context.qmin = context.qmax = max(1, min(31, jpeg_quality))
    frame.pts = 0
    packets = context.encode(frame) + context.encode(None)
    return b"".join(bytes(packet) for packet in packets)


def write_image(
    path: str | os.PathLike[str],
    image: torch.Tensor | np.ndarray,
    *,
    bit_depth: int | None = None,
    alpha: bool | None = None,
    exr_compression: str = "zip16",
) -> Path:
    """Write one still image (PNG, TIFF, JPEG or EXR by extension), atomically; returns the path.

    ``image`` is a ``[3|4,H,W]`` premultiplied float tensor or an ``HxWxC`` array of file values (see
    :func:`filmstudio.media.convert.image_to_array`). ``bit_depth``: PNG/TIFF 8 or 16, EXR 16 (half) or
    32 (float). ``alpha`` None keeps alpha when the image has it and the format can store it.
    """
    target = Path(path)
    image_format = image_format_for(target, bit_depth)
    channels = (
        image.shape[0] if not isinstance(image, np.ndarray) else (image.shape[2] if image.ndim == 3 else 1)
    )
    keep_alpha = (channels == 4 if alpha is None else alpha) and image_format.rgba is not None
    try:
        array = image_to_array(
            image,
            dtype=image_format.dtype,
            alpha=keep_alpha,
            unpremultiply=not image_format.premultiplied,
            clip=not image_format.premultiplied,
        )
    except ValueError as exc:
        raise MediaError(target, f"cannot write this image: {exc}") from exc
    with writing(target, "encoding the image"):
        data = encode_image(
            array, image_format, exr_half=(bit_depth or 16) == 16, exr_compression=exr_compression
        )
    write_file_atomically(target, data)
    return target


def write_file_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` under a hidden temporary name beside ``target``, then rename it into place.

    The temporary name carries this process's PID (:mod:`filmstudio.core.leftovers`): what a killed
    writer left in the folder is removed here once its owner is gone."""
    remove_stale(target.parent, "partial")
    temporary = owned_temporary(target.parent, target.stem, "partial", target.suffix)
    try:
        with writing(target, "writing the file"):
            with open(temporary, "wb") as handle:
                handle.write(data)
            os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
