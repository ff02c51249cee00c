"""Running image-to-image models: resident spandrel models, tiling, and out-of-memory fallbacks.

When a model runs out of memory, the batch is split into single frames, then the tile size is
halved down to :data:`MIN_TILE` pixels, then the work moves to the CPU — each step announced once
with a :class:`ModelFallbackWarning`, and the render goes on. What worked is remembered for that
model and frame size, so later frames go straight to it without failing again.

Runs on the model worker thread. Inputs are display-referred sRGB ``[N, 3, H, W]`` in 0..1 on any
device; outputs are float32 on the device that ran the model (the caller owns them).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from filmstudio.models.device import (
    choose_dtype,
    is_convolutional,
    is_cuda,
    is_out_of_memory,
    place,
    release_cached_memory,
    resident_models,
)
from filmstudio.models.errors import ModelError, ModelFallbackWarning, ModelFileError
from filmstudio.models.loaders import load_spandrel
from filmstudio.models.store import ModelLocation
from filmstudio.models.tiling import tiled_apply

MIN_TILE = 64

_remembered: dict[Hashable, tuple[str, int]] = {}  # (model, frame size) -> (device, tile) that worked
_remembered_lock = threading.Lock()


@dataclass
class ImageModel:
    """A resident spandrel image model on one device and precision."""

    descriptor: Any
    device: str
    dtype: Any
    key: Hashable
    channels_last: bool = False  # feed it channels_last tensors (a conv net on CUDA)

    @property
    def model(self) -> Any:  # for the resident-memory accounting
        return self.descriptor.model

    @property
    def scale(self) -> int:
        return int(self.descriptor.scale)

    @property
    def multiple_of(self) -> int:
        return int(self.descriptor.size_requirements.multiple_of)

    @property
    def architecture(self) -> str:
        return str(self.descriptor.architecture.name)

    def prepare(self, images: Any) -> Any:
        """``images`` on this model's device and dtype (one host->device copy for CPU frames)."""
        import torch

        images = images.to(device=self.device, dtype=self.dtype, non_blocking=True)
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        return images

    def __call__(self, images: Any) -> Any:
        return self.descriptor(images)


def load_image_model(location: ModelLocation, device: str, precision: str = "auto") -> ImageModel:
    """The spandrel model at ``location``, resident on ``device`` (loaded on first use)."""
    key = ("spandrel", location.identity, device, precision)

    def load() -> ImageModel:
        descriptor = load_spandrel(location.path)
        if (descriptor.input_channels, descriptor.output_channels) != (3, 3):
            raise ModelFileError(
                location.path,
                f"takes {descriptor.input_channels} and gives {descriptor.output_channels} channels",
                "choose an RGB model (3 channels in and out)",
            )
        dtype = choose_dtype(device, descriptor.supports_half, descriptor.supports_bfloat16, precision)
        place(descriptor.model, device, dtype)
        channels_last = is_cuda(device) and is_convolutional(descriptor.model)
        return ImageModel(descriptor, device, dtype, key, channels_last)

    return resident_models(device).get(key, load)


def upscale_images(
    location: ModelLocation,
    images: Any,
    device: str,
    *,
    tile: int = 0,
    overlap: int = 32,
    precision: str = "auto",
    check_cancelled: Callable[[], None] | None = None,
    label: str = "model",
    loader: Callable[[ModelLocation, str, str], ImageModel] = load_image_model,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    """Run the image model at ``location`` over ``images`` (sRGB ``[N, 3, H, W]``), tiled when
    ``tile`` > 0, falling back on out-of-memory as the module describes. ``label`` names the node
    in warnings; ``progress(done, total)`` hears of each tile done. On the CPU frames run one at a
    time: batches help GPUs, but on the CPU every op already uses all cores and a batch only
    multiplies the memory of the model's intermediates."""
    options = {
        "tile": tile,
        "overlap": overlap,
        "precision": precision,
        "check_cancelled": check_cancelled,
        "label": label,
        "loader": loader,
        "progress": progress,
    }
    n, _c, height, width = images.shape
    if n > 1 and not is_cuda(device):
        return _frame_by_frame(location, images, device, options)
    size_key = (location.identity, precision, device, n, height, width)
    with _remembered_lock:
        start_device, start_tile = _remembered.get(size_key, (device, tile))
    devices = [start_device] if start_device == "cpu" else [start_device, "cpu"]
    for index, current in enumerate(devices):
        model = loader(location, current, precision)
        current_tile = start_tile  # the CPU has the host's memory: it starts from the node's tile again
        while True:
            try:
                output = _run(model, images, current_tile, overlap, check_cancelled, progress)
            except Exception as error:
                if not is_out_of_memory(error):
                    raise
                release_cached_memory(current)
            else:
                if (current, current_tile) != (device, tile):
                    with _remembered_lock:
                        _remembered[size_key] = (current, current_tile)
                return output
            if n > 1:  # a batch that does not fit: one frame at a time first
                return _frame_by_frame(location, images, device, options)
            smaller = _smaller_tile(current_tile, height, width)
            if smaller is None:
                break
            tried = _tile_text(current_tile)
            _warn(f"{label}: out of memory on {current} with {tried}; using {smaller}-pixel tiles")
            current_tile = smaller
        if index + 1 < len(devices):
            _warn(
                f"{label}: out of memory on {current} even with {MIN_TILE}-pixel tiles; continuing on the CPU"
            )
    raise ModelError(f"{label}: out of memory even on the CPU with {MIN_TILE}-pixel tiles; free some memory")


def _frame_by_frame(location: ModelLocation, images: Any, device: str, options: dict[str, Any]) -> Any:
    import torch

    frames = [upscale_images(location, images[i : i + 1], device, **options) for i in range(len(images))]
    return torch.cat([frame.to(frames[-1].device) for frame in frames])


def _run(
    model: ImageModel,
    images: Any,
    tile: int,
    overlap: int,
    check: Callable[[], None] | None,
    progress: Callable[[int, int], None] | None = None,
) -> Any:
    import torch

    with torch.inference_mode():
        prepared = model.prepare(images)
        output = tiled_apply(model, prepared, model.scale, tile, overlap, model.multiple_of, check, progress)
    return output.clone()  # a normal tensor: later nodes may use it outside inference mode freely


def with_cpu_fallback(run: Callable[[str], Any], device: str, label: str = "model") -> Any:
    """``run(device)``; on out-of-memory on a GPU, warn and ``run("cpu")`` instead (the result is
    then on the CPU). For models that do not tile (segmentation)."""
    try:
        return run(device)
    except Exception as error:
        if device == "cpu" or not is_out_of_memory(error):
            raise
    release_cached_memory(device)
    _warn(f"{label}: out of memory on {device}; continuing on the CPU")
    return run("cpu")


def _smaller_tile(tile: int, height: int, width: int) -> int | None:
    current = tile if tile > 0 else max(height, width)
    smaller = current // 2
    return smaller if smaller >= MIN_TILE else None


def _tile_text(tile: int) -> str:
    return "the whole frame" if tile <= 0 else f"{tile}-pixel tiles"


def _warn(message: str) -> None:
    warnings.warn(message, ModelFallbackWarning, stacklevel=3)


def forget_fallbacks() -> None:
    """Forget remembered fallbacks (after freeing memory, and between tests)."""
    with _remembered_lock:
        _remembered.clear()
