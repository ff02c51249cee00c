"""Style-transfer networks in ONNX: the 26-style network and Magenta's arbitrary-style pair.

* ``style-multi26`` (``multistyle26.onnx``): inputs ``image`` ``[1, 3, H, W]`` (sRGB 0..1, sides a
  multiple of 4) and ``style_weights`` ``float[26]`` (a mix of the built-in styles, summing to 1);
  output the stylised ``[1, 3, H, W]``. Fully convolutional with conditional instance norm.
* ``style-arbitrary``: the predictor takes a style picture ``[1, 256, 256, 3]`` (NHWC, 0..1) and
  gives 100 numbers ``[1, 1, 1, 100]``; the transform takes a content picture ``[1, 384, 384, 3]``
  and those numbers and gives the stylised ``[1, 384, 384, 3]``. Its size is fixed by the
  converted graph, so a frame is resized to ``work_size`` pixels on its longer side and run in
  384-pixel tiles (each padded to 384 by reflection), then resized back.

Both run through :func:`filmstudio.models.runtime.upscale_images` (a scale-1 model), so they get its
tiling, out-of-memory fallbacks (smaller tiles, then the CPU) and batching rules for free.

Tiling and instance norm: the networks normalise each feature map by its own mean and variance, so
a tile sees its own statistics rather than the frame's; tiled output therefore differs from
untiled output by more than rounding, where spandrel's convolutional models match to float
precision. Measured on the real 26-style network, 640x360, style 7 (tests/nodes/test_style.py):
mean absolute difference in display sRGB 0.029 with 384-pixel tiles (96 overlap), 0.028 with 512,
0.087 with 256 — seamless (the overlaps cross-fade), but smaller tiles shift which colour a
region takes. The stated tolerance is 0.04 for tiles of 384 pixels or more. Runs on the model
worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from filmstudio.models.errors import ModelFileError
from filmstudio.models.onnx import OnnxModel, check_inputs, load_onnx
from filmstudio.models.runtime import upscale_images
from filmstudio.models.store import ModelLocation

NUM_STYLES = 26
MULTIPLE_OF = 4  # the multi-style network downsamples twice: sides must divide by 4
STYLE_SIZE = 256  # the arbitrary predictor's input side
CONTENT_SIZE = 384  # the arbitrary transform's input side
STYLE_VECTOR = 100


@dataclass
class _OnnxImageModel:
    """An ONNX image network dressed as the runtime's image model (scale 1): ``prepare`` keeps
    frames float32 on the host, ``__call__`` runs frame by frame (the graphs take a batch of one)."""

    onnx: OnnxModel
    run_one: Callable[[OnnxModel, Any], Any]  # [3, h, w] float32 NumPy -> [3, h, w]
    device: str
    scale: int = 1
    multiple_of: int = 1
    architecture: str = "ONNX"

    @property
    def model(self) -> Any:
        return None

    def prepare(self, images: Any) -> Any:
        import torch

        return images.detach().to(device="cpu", dtype=torch.float32)

    def __call__(self, images: Any) -> Any:
        import numpy as np
        import torch

        frames = [self.run_one(self.onnx, np.ascontiguousarray(image.numpy())) for image in images]
        return torch.from_numpy(np.stack(frames)).to(images.device)


def normalised_weights(weights: Sequence[float]) -> Any:
    """``weights`` as a float32 ``[26]`` array summing to 1 (what the network was trained with)."""
    import numpy as np

    array = np.asarray(weights, dtype=np.float32).reshape(-1)
    total = float(array.sum())
    if array.shape != (NUM_STYLES,) or total <= 0 or (array < 0).any():
        raise ValueError(f"style weights must be {NUM_STYLES} numbers >= 0, not all 0")
    return array / total


def stylize_multi(
    location: ModelLocation,
    images: Any,
    weights: Sequence[float],
    device: str,
    *,
    tile: int = 0,
    overlap: int = 64,
    check_cancelled: Callable[[], None] | None = None,
    label: str = "Style",
) -> Any:
    """``images`` (sRGB ``[N, 3, H, W]``, 0..1) in the mix of built-in styles ``weights``;
    float32 ``[N, 3, H, W]`` on the host."""
    mix = normalised_weights(weights)

    def run_one(model: OnnxModel, image: Any) -> Any:
        import numpy as np

        height, width = image.shape[1:]
        pad_y, pad_x = -height % MULTIPLE_OF, -width % MULTIPLE_OF
        if pad_y or pad_x:  # reflection keeps the border's texture (zeros would darken it)
            image = np.pad(image, ((0, 0), (0, pad_y), (0, pad_x)), mode="reflect")
        out = model.run({"image": image[None], "style_weights": mix})[0][0]
        return out[:, :height, :width]

    def loader(where: ModelLocation, on: str, _precision: str) -> _OnnxImageModel:
        model = load_onnx(where, on)
        check_inputs(model, ("image", "style_weights"), "the 26-style network (image, style_weights)")
        styles = model.shapes["style_weights"]
        if styles and isinstance(styles[0], int) and styles[0] != NUM_STYLES:
            raise ModelFileError(where.path, f"mixes {styles[0]} styles, not {NUM_STYLES}")
        return _OnnxImageModel(model, run_one, on, multiple_of=MULTIPLE_OF)

    return upscale_images(
        location,
        images,
        device,
        tile=tile,
        overlap=overlap,
        check_cancelled=check_cancelled,
        label=label,
        loader=loader,
    )


def style_vector(location: ModelLocation, picture: Any, device: str) -> Any:
    """The 100 style numbers of ``picture`` (sRGB ``[3, H, W]``, 0..1): its centre square, resized
    to 256 pixels, through the predictor. A float32 ``[1, 1, 1, 100]`` NumPy array."""
    import torch

    from filmstudio.models.runtime import with_cpu_fallback

    height, width = picture.shape[-2:]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = picture[None, :, top : top + side, left : left + side].float().cpu()
    square = torch.nn.functional.interpolate(
        square, size=(STYLE_SIZE, STYLE_SIZE), mode="bilinear", antialias=True, align_corners=False
    )
    feed = square.clamp(0, 1).permute(0, 2, 3, 1).contiguous().numpy()

    def run(on: str) -> Any:
        model = load_onnx(location, on)
        if len(model.inputs) != 1:
            raise ModelFileError(location.path, "is not a style predictor (one picture in)")
        (vector,) = model.run({model.inputs[0]: feed})[:1]
        if vector.size != STYLE_VECTOR:
            raise ModelFileError(location.path, f"gives {vector.size} style numbers, not {STYLE_VECTOR}")
        return vector.reshape(1, 1, 1, STYLE_VECTOR).astype("float32")

    return with_cpu_fallback(run, device, "style predictor")


def stylize_arbitrary(
    location: ModelLocation,
    images: Any,
    vector: Any,
    device: str,
    *,
    work_size: int = CONTENT_SIZE,
    overlap: int = 64,
    check_cancelled: Callable[[], None] | None = None,
    label: str = "Style",
) -> Any:
    """``images`` (sRGB ``[N, 3, H, W]``) in the style ``vector`` (from :func:`style_vector`),
    worked at ``work_size`` pixels on the longer side; float32 ``[N, 3, H, W]`` on the host."""
    import torch

    n, _c, height, width = images.shape
    factor = work_size / max(height, width)
    size = (max(8, round(height * factor)), max(8, round(width * factor)))
    small = torch.nn.functional.interpolate(
        images.float().cpu(), size=size, mode="bicubic", antialias=factor < 1, align_corners=False
    ).clamp(0, 1)

    def run_one(model: OnnxModel, image: Any) -> Any:
        import numpy as np

        h, w = image.shape[1:]
        pad = ((0, CONTENT_SIZE - h), (0, CONTENT_SIZE - w), (0, 0))
        mode = "reflect" if CONTENT_SIZE - h < h and CONTENT_SIZE - w < w else "edge"
        content = np.pad(image.transpose(1, 2, 0), pad, mode=mode)[None]
        out = model.run({model.inputs[0]: np.ascontiguousarray(content), model.inputs[1]: vector})[0]
        return out[0, :h, :w].transpose(2, 0, 1)

    def loader(where: ModelLocation, on: str, _precision: str) -> _OnnxImageModel:
        model = load_onnx(where, on)
        if len(model.inputs) != 2:
            raise ModelFileError(where.path, "is not an arbitrary-style transform (picture and style in)")
        return _OnnxImageModel(model, run_one, on)

    out = upscale_images(
        location,
        small,
        device,
        tile=CONTENT_SIZE,
        overlap=min(overlap, CONTENT_SIZE // 2),
        check_cancelled=check_cancelled,
        label=label,
        loader=loader,
    )
    up = factor < 1
    return torch.nn.functional.interpolate(
        out[:n], size=(height, width), mode="bicubic" if up else "area", align_corners=False if up else None
    ).clamp(0, 1)
