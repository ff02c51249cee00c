"""Restoration models through spandrel: inpainting (image + mask), denoising, face restoration.

What the installed spandrel (0.4) detects from a state dict, by purpose:

* inpainting — LaMa (a ``MaskedImageModelDescriptor``: ``descriptor(image, mask)``, one frame of
  ``[1, 3, H, W]`` sRGB with a ``[1, 1, H, W]`` mask, 1 = fill, sides padded to a multiple of 8 by
  spandrel). MAT (square, multiples of 512) and CodeFormer come with the separate
  ``spandrel-extra-arches`` package, whose architectures carry non-commercial licences: when it is
  installed its architectures are registered too, never otherwise.
* restoration (denoise, deblur) — SCUNet, NAFNet, DRUNet, DnCNN, Restormer (extra), ...: scale-1
  image models run by :func:`filmstudio.models.runtime.upscale_images` (tiles, fallbacks). DRUNet's
  spandrel wrapper builds its noise map for one frame, so it runs frame by frame.
* face restoration — GFPGAN and RestoreFormer (CodeFormer with the extra package): aligned
  512x512 face crops. RestoreFormer's wrapper maps 0..1 to the network's -1..1 itself; GFPGAN
  and CodeFormer are called on -1..1 as their authors' pipelines do. GFPGAN draws noise in its
  decoder: it runs under a fixed seed so a render is reproducible.

Everything runs on the model worker; models are resident like the Upscaler's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from filmstudio.models.device import choose_dtype, place, resident_models
from filmstudio.models.errors import ModelFileError
from filmstudio.models.loaders import read_state_dict
from filmstudio.models.runtime import ImageModel, load_image_model, upscale_images, with_cpu_fallback
from filmstudio.models.store import ModelLocation

FACE_SIZE = 512
INPAINT_ARCHS = "LaMa (MAT with the spandrel-extra-arches package)"
RESTORE_ARCHS = "SCUNet, NAFNet, DRUNet, DnCNN, ..."
FACE_ARCHS = "GFPGAN, RestoreFormer (CodeFormer with the spandrel-extra-arches package)"
_extra_lock = threading.Lock()
_extra_done = False


def spandrel_registry() -> Any:
    """spandrel's registry, with spandrel-extra-arches' architectures added once when that
    package is installed (it is optional: its architectures have non-commercial licences)."""
    global _extra_done
    import spandrel

    with _extra_lock:
        if not _extra_done:
            _extra_done = True
            try:
                import spandrel_extra_arches
            except ImportError:
                pass
            else:
                spandrel_extra_arches.install(ignore_duplicates=True)
    return spandrel.MAIN_REGISTRY


def _descriptor(path: Any, wanted: str) -> Any:
    """The spandrel model in ``path``; ``wanted`` names the architectures the node takes."""
    import spandrel

    registry = spandrel_registry()
    state = spandrel.canonicalize_state_dict(read_state_dict(path))
    try:
        return registry.load(state).eval()
    except spandrel.UnsupportedModelError:
        raise ModelFileError(
            path, f"is not an architecture spandrel knows; this node takes {wanted}", "choose such a model"
        ) from None
    except Exception as error:
        gist = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise ModelFileError(path, f"does not match its architecture ({gist})", "re-download it") from None


def load_inpaint_model(location: ModelLocation, device: str) -> Any:
    """The inpainting model at ``location`` (a spandrel ``MaskedImageModelDescriptor``), resident."""
    import spandrel

    def load() -> Any:
        descriptor = _descriptor(location.path, INPAINT_ARCHS)
        if not isinstance(descriptor, spandrel.MaskedImageModelDescriptor):
            raise ModelFileError(
                location.path,
                f"is a {descriptor.architecture.name} {descriptor.purpose} model, not an inpainting model",
                f"choose {INPAINT_ARCHS} weights",
            )
        dtype = choose_dtype(device, descriptor.supports_half, descriptor.supports_bfloat16)
        place(descriptor.model, device, dtype)
        return descriptor

    return resident_models(device).get(("spandrel-inpaint", location.identity, device), load)


def inpaint_images(
    location: ModelLocation, images: Any, masks: Any, device: str, label: str = "Inpaint"
) -> Any:
    """``images`` (sRGB ``[N, 3, H, W]``) with the ``masks`` (``[N, 1, H, W]``, 1 = fill) filled by
    the model, frame by frame (spandrel's masked models take one frame); float32 on ``device``."""
    import torch

    def run(on: str) -> Any:
        descriptor = load_inpaint_model(location, on)
        dtype = next(descriptor.model.parameters()).dtype
        frames = []
        with torch.inference_mode():
            for image, mask in zip(images, masks, strict=True):
                image = image[None].to(device=on, dtype=dtype)
                mask = (mask[None] > 0.5).to(device=on, dtype=dtype)
                frames.append(descriptor(image, mask).float())
        return torch.cat(frames).clone()

    return with_cpu_fallback(run, device, label)


def _restoration_loader(location: ModelLocation, device: str, precision: str) -> ImageModel:
    spandrel_registry()  # Restormer and friends when spandrel-extra-arches is installed
    model = load_image_model(location, device, precision)
    purpose = model.descriptor.purpose
    if model.scale != 1 or purpose not in ("Restoration", "FaceSR"):
        raise ModelFileError(
            location.path,
            f"is a {model.architecture} {purpose} model of scale {model.scale}",
            f"choose a restoration model of scale 1 ({RESTORE_ARCHS})",
        )
    if purpose == "FaceSR":
        raise ModelFileError(location.path, "is a face restoration model", "use it in a Face Restore node")
    return model


def restore_images(
    location: ModelLocation,
    images: Any,
    device: str,
    *,
    tile: int = 0,
    overlap: int = 32,
    check_cancelled: Callable[[], None] | None = None,
    label: str = "Denoise",
) -> Any:
    """``images`` (sRGB ``[N, 3, H, W]``) through a scale-1 restoration model (SCUNet, NAFNet,
    DRUNet...), tiled and with the Upscaler's fallbacks; float32 on the device that ran it."""
    import torch

    options = {
        "tile": tile,
        "overlap": overlap,
        "check_cancelled": check_cancelled,
        "label": label,
        "loader": _restoration_loader,
    }
    architecture = _restoration_loader(location, device, "auto").architecture
    if architecture == "DRUNet" and len(images) > 1:  # its noise map is built for one frame
        frames = [upscale_images(location, images[i : i + 1], device, **options) for i in range(len(images))]
        return torch.cat(frames)
    return upscale_images(location, images, device, **options)


def load_face_model(location: ModelLocation, device: str) -> Any:
    """The face restoration model at ``location`` (spandrel, purpose "FaceSR"), resident."""

    def load() -> Any:
        descriptor = _descriptor(location.path, FACE_ARCHS)
        if getattr(descriptor, "purpose", "") != "FaceSR":
            raise ModelFileError(
                location.path,
                f"is a {descriptor.architecture.name} {descriptor.purpose} model, not face restoration",
                f"choose {FACE_ARCHS} weights",
            )
        place(descriptor.model, device, choose_dtype(device, False, False, "full"))
        return descriptor

    return resident_models(device).get(("spandrel-face", location.identity, device), load)


def restore_faces(location: ModelLocation, crops: Any, device: str, label: str = "FaceRestore") -> Any:
    """Aligned ``crops`` (sRGB ``[N, 3, 512, 512]``) restored; float32 on the device that ran it."""
    import torch

    def run(on: str) -> Any:
        descriptor = load_face_model(location, on)
        outputs = []
        with torch.inference_mode(), torch.random.fork_rng(devices=[] if on == "cpu" else [on]):
            torch.manual_seed(0)  # GFPGAN's decoder draws noise: the same frame must render the same
            if on != "cpu":
                torch.cuda.manual_seed(0)
            for crop in crops:
                image = crop[None].to(device=on, dtype=torch.float32)
                if descriptor.architecture.name in ("GFPGAN", "CodeFormer"):
                    restored = (descriptor.model(image * 2 - 1)[0] + 1) / 2
                else:
                    restored = descriptor(image)
                outputs.append(restored.float().clamp(0, 1))
        return torch.cat(outputs).clone()

    return with_cpu_fallback(run, device, label)
