"""Conversions at the media edge: ``av.VideoFrame`` <-> numpy ``HxWxC`` arrays <-> torch ``[4,H,W]`` tensors.

Arrays hold the file's own values (straight alpha, native depth: uint8, uint16 for deeper formats, float32
for float formats such as EXR). Tensors are float32 RGBA in 0..1 (float images are not clipped), with
colour premultiplied by alpha. No colour-space conversion happens here beyond YUV->RGB with the matrix
the file is tagged with. All functions are pure and thread-safe; torch is imported only when a tensor
is made or read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import av
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

if TYPE_CHECKING:
    import torch

# swscale matrix names (PyAV's Colorspace enum) for the file's matrix tag.
_SWS_MATRIX = {
    "bt709": "ITU709", "fcc": "FCC", "bt470bg": "ITU601", "smpte170m": "ITU601", "smpte240m": "SMPTE240M",
    "bt2020nc": "BT2020", "bt2020c": "BT2020",
}  # fmt: skip

ARRAY_FORMATS = {  # (channels, dtype) -> packed av pixel format
    (3, "uint8"): "rgb24", (4, "uint8"): "rgba", (3, "uint16"): "rgb48le", (4, "uint16"): "rgba64le",
    (3, "float32"): "gbrpf32le", (4, "float32"): "gbrapf32le",
}  # fmt: skip


@dataclass(frozen=True)
class PixelLayout:
    """How the decoded frames of one stream become arrays: target format, depth and YUV matrix."""

    av_format: str
    channels: int
    dtype: str
    bit_depth: int
    has_alpha: bool
    is_float: bool
    is_rgb: bool
    matrix: str | None = None
    colour_range: str | None = None
    premultiplied: bool = False

    @property
    def max_value(self) -> float:
        return {"uint8": 255.0, "uint16": 65535.0}.get(self.dtype, 1.0)


def layout_for(
    pix_fmt: str,
    *,
    matrix_tag: str = "unknown",
    range_tag: str = "unknown",
    height: int = 0,
    still: bool = False,
    premultiplied: bool = False,
) -> PixelLayout:
    """Choose how to convert frames of ``pix_fmt``; untagged YUV uses Rec.709 from 720 lines up, else 601.

    ``premultiplied`` says the file stores colour already multiplied by alpha (EXR does).
    """
    fmt = av.VideoFormat(pix_fmt)
    components = fmt.components
    has_alpha = any(c.is_alpha for c in components) or fmt.has_palette
    colour_bits = [c.bits for c in components if not c.is_alpha] or [8]
    bit_depth = max(colour_bits)
    is_float = "f16" in pix_fmt or "f32" in pix_fmt
    is_rgb = fmt.is_rgb or fmt.has_palette or pix_fmt.startswith(("gray", "ya", "gbr", "rgb", "bgr"))
    channels = 4 if has_alpha else 3
    dtype = "float32" if is_float else ("uint16" if bit_depth > 8 else "uint8")
    matrix = colour_range = None
    if not is_rgb:
        matrix = _SWS_MATRIX.get(matrix_tag) or ("ITU709" if height >= 720 and not still else "ITU601")
        if pix_fmt.startswith("yuvj"):
            colour_range = "JPEG"
        else:
            colour_range = "JPEG" if range_tag == "pc" else "MPEG"
    return PixelLayout(
        av_format=ARRAY_FORMATS[(channels, dtype)],
        channels=channels,
        dtype=dtype,
        bit_depth=bit_depth,
        has_alpha=has_alpha,
        is_float=is_float,
        is_rgb=is_rgb,
        matrix=matrix,
        colour_range=colour_range,
        premultiplied=premultiplied,
    )


_ACCURATE = Interpolation.BILINEAR | Interpolation.ACCURATE_RND | Interpolation.FULL_CHR_H_INT
# swscale 9's full chroma interpolation into packed 16-bit RGB scrambles 10-bit 4:2:0 colour
# (measured: 284 codes off on average, grey survives); 16-bit output rounds accurately without it.
_ACCURATE_16 = Interpolation.BILINEAR | Interpolation.ACCURATE_RND
PLANAR_FORMATS = {"uint8": "gbrp", "uint16": "gbrp16le"}  # planar versions of the RGB array formats


def _rgb_options(layout: PixelLayout, av_format: str) -> dict[str, Any]:
    options: dict[str, Any] = {"format": av_format}
    if layout.matrix is not None:
        options["src_colorspace"] = layout.matrix
        options["src_color_range"] = layout.colour_range
        # swscale's default YUV->RGB path rounds down: measured 1.3 codes dark on 8-bit 4:2:0 and
        # 2 on 10-bit ProRes (grey 128 read as 126). Accurate rounding with full chroma
        # interpolation is exact on 10-bit 4:2:2 and within 0.1 code on 4:2:0 (about 5 ms more a
        # 1080p 4:2:0 frame, less for 10-bit).
        options["interpolation"] = _ACCURATE if layout.dtype == "uint8" else _ACCURATE_16
    return options


def frame_to_planes(
    frame: av.VideoFrame, layout: PixelLayout, reformatter: VideoReformatter | None = None
) -> av.VideoFrame:
    """Decoded frame -> a planar RGB frame (``gbrp``, or ``gbrp16le`` for deeper sources) holding
    exactly the values :func:`frame_to_array` gives (not rotated; no alpha); :func:`rgb_planes`
    reads it. Half the work of a packed conversion: the fused export path reads frames this way.
    ``reformatter`` as for :func:`frame_to_array`."""
    return (reformatter or VideoReformatter()).reformat(
        frame, **_rgb_options(layout, PLANAR_FORMATS[layout.dtype])
    )


def rgb_planes(frame: av.VideoFrame) -> list[np.ndarray]:
    """The R, G, B planes of a ``gbrp``/``gbrp16le`` frame as ``HxW`` views into it (writable)."""
    dtype = np.uint16 if frame.format.name.startswith("gbrp16") else np.uint8
    size = np.dtype(dtype).itemsize
    views = [
        np.frombuffer(plane, dtype).reshape(frame.height, plane.line_size // size)[:, : frame.width]
        for plane in frame.planes[:3]
    ]
    green, blue, red = views
    return [red, green, blue]


def frame_to_array(
    frame: av.VideoFrame, layout: PixelLayout, reformatter: VideoReformatter | None = None
) -> np.ndarray:
    """Decoded frame -> new contiguous ``HxWxC`` array in ``layout``'s format (not rotated).

    ``reformatter`` (reused across frames to keep swscale's state) must not be used by two threads at
    once: a shared swscale context deadlocks. Without one, a fresh reformatter is made for this call.
    """
    if layout.is_float:
        return _float_planes(frame, layout.channels)
    converted = (reformatter or VideoReformatter()).reformat(frame, **_rgb_options(layout, layout.av_format))
    return np.array(converted.to_ndarray(), copy=True, order="C")


def _float_planes(frame: av.VideoFrame, channels: int) -> np.ndarray:
    """Read float planes directly: swscale clamps float data to 0..1, which would ruin HDR/EXR values."""
    name = frame.format.name
    dtype = np.dtype(np.float16 if "f16" in name else np.float32)
    dtype = dtype.newbyteorder(">" if name.endswith("be") else "<")
    planes = []
    for plane in frame.planes:
        row = plane.line_size // dtype.itemsize
        planes.append(np.frombuffer(plane, dtype).reshape(frame.height, row)[:, : frame.width])
    if name.startswith("gbr"):  # planes are G, B, R(, A)
        planes = [planes[2], planes[0], planes[1], *planes[3:]]
    elif name.startswith(("gray", "ya")):
        planes = [planes[0], planes[0], planes[0], *planes[1:]]
    if channels == 4 and len(planes) == 3:
        planes.append(np.ones_like(planes[0]))
    return np.stack(planes[:channels], axis=-1).astype(np.float32)


def upright(array: np.ndarray, rotation: int) -> np.ndarray:
    """Turn an ``HxWxC`` array clockwise by ``rotation`` degrees (0/90/180/270) so it stands upright."""
    turns = (rotation // 90) % 4
    if turns == 0:
        return array
    return np.ascontiguousarray(np.rot90(array, k=-turns))


def array_to_tensor(array: np.ndarray, layout: PixelLayout) -> torch.Tensor:
    """``HxWxC`` array in ``layout`` -> float32 ``[4,H,W]`` premultiplied RGBA tensor (alpha 1 if none)."""
    import torch

    height, width, channels = array.shape
    values = array.astype(np.float32)
    if layout.max_value != 1.0:
        values *= 1.0 / layout.max_value
    out = torch.ones((4, height, width), dtype=torch.float32)
    out[:channels] = torch.from_numpy(values).permute(2, 0, 1)
    if channels == 4 and not layout.premultiplied:
        out[:3] *= out[3:4]
    return out


def image_to_array(
    image: torch.Tensor | np.ndarray, *, dtype: str, alpha: bool, unpremultiply: bool, clip: bool = True
) -> np.ndarray:
    """A frame handed to a writer -> contiguous ``HxWxC`` array of ``dtype`` with 3 or 4 (``alpha``) channels.

    Tensors are ``[3|4,H,W]`` float premultiplied RGB(A) in 0..1 (any device); arrays are ``HxWx{1,3,4}``
    uint8/uint16 (straight alpha, full range of the type) or float (0..1, straight alpha), i.e. what
    ``read_tensor`` and ``read`` give. ``unpremultiply`` divides colour by alpha for formats that store
    straight alpha. Float output keeps values beyond 0..1 unless ``clip``.
    """
    if not isinstance(image, np.ndarray):
        return _tensor_to_array(image, dtype=dtype, alpha=alpha, unpremultiply=unpremultiply, clip=clip)
    if image.ndim == 3 and image.dtype == np.dtype(dtype) and image.shape[2] == (4 if alpha else 3):
        return np.ascontiguousarray(image)  # already the file's values: nothing to convert
    rgba = _array_as_float(image)
    if rgba.shape[2] == 3 and alpha:
        rgba = np.concatenate([rgba, np.ones_like(rgba[..., :1])], axis=2)
    elif rgba.shape[2] == 4 and not alpha:
        rgba = rgba[..., :3]
    if dtype == "float32":
        return np.ascontiguousarray(np.clip(rgba, 0.0, 1.0) if clip else rgba, dtype=np.float32)
    scale = 255.0 if dtype == "uint8" else 65535.0
    return np.ascontiguousarray(np.rint(np.clip(rgba, 0.0, 1.0) * scale).astype(dtype))


def _array_as_float(array: np.ndarray) -> np.ndarray:
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise ValueError(f"expected an HxWxC array with C in 1, 3, 4, got shape {array.shape}")
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255.0
    if array.dtype == np.uint16:
        return array.astype(np.float32) / 65535.0
    if array.dtype.kind == "f":
        return array.astype(np.float32)
    raise ValueError(f"expected uint8, uint16 or float pixels, got {array.dtype}")


def _tensor_to_array(
    tensor: torch.Tensor, *, dtype: str, alpha: bool, unpremultiply: bool, clip: bool
) -> np.ndarray:
    """The writers' hot path (every exported frame): unpremultiply and quantise in torch, on the
    frame's device and threads, and move only the finished frame to numpy."""
    import torch

    if tensor.ndim != 3 or tensor.shape[0] not in (1, 3, 4):
        raise ValueError(f"expected a [C,H,W] tensor with C in 1, 3, 4, got shape {tuple(tensor.shape)}")
    values = tensor.detach().float()
    if values.shape[0] == 1:
        values = values.expand(3, -1, -1)
    rgb, matte = values[:3], (values[3:4] if values.shape[0] == 4 else None)
    if matte is not None and unpremultiply and not bool((matte == 1).all()):
        rgb = torch.where(matte > 0, rgb / matte.clamp_min(1e-12), rgb)
    if alpha:
        rgb = torch.cat([rgb, matte if matte is not None else torch.ones_like(rgb[:1])])
    if dtype == "float32":
        out = rgb.clamp(0.0, 1.0) if clip else rgb
        return np.ascontiguousarray(out.permute(1, 2, 0).cpu().numpy(), dtype=np.float32)
    scale = 255.0 if dtype == "uint8" else 65535.0
    quantised = (rgb.clamp(0.0, 1.0) * scale).round_()
    quantised = quantised.to(torch.uint8 if dtype == "uint8" else torch.int32)
    array = quantised.permute(1, 2, 0).contiguous().cpu().numpy()
    return array if dtype == "uint8" else array.astype(np.uint16)


def array_to_frame(array: np.ndarray) -> av.VideoFrame:
    """Contiguous ``HxWxC`` uint8/uint16/float32 array (C = 3 or 4) -> ``av.VideoFrame`` (packed RGB)."""
    channels = array.shape[2]
    av_format = ARRAY_FORMATS[(channels, str(array.dtype))]
    channel_last = array.dtype == np.float32
    return av.VideoFrame.from_ndarray(array, format=av_format, channel_last=channel_last)


def pad_to_even(array: np.ndarray) -> np.ndarray:
    """Grow an odd width/height by one, repeating the last column/row (chroma-subsampled codecs need even)."""
    height, width = array.shape[:2]
    pad_bottom, pad_right = height % 2, width % 2
    if not pad_bottom and not pad_right:
        return array
    return np.pad(array, ((0, pad_bottom), (0, pad_right), (0, 0)), mode="edge")
