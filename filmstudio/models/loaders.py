"""Loading weights safely: safetensors, or ``torch.load(weights_only=True)`` — never pickled code.

Loaders build models on the CPU in float32; :mod:`filmstudio.models.device` moves them to the
compute device and precision. Every failure becomes a :class:`ModelFileError` naming the file and
what to do, never a bare traceback. torch, spandrel, torchvision and transformers are imported here,
lazily, inside the functions. Called on a model worker thread (see :mod:`filmstudio.models.device`).
"""

from __future__ import annotations

import pickle
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from filmstudio.models.errors import ModelFileError, UnsafeModelFileError

_WRAPPERS = ("params_ema", "params", "state_dict", "model", "net", "generator")
_UNSUPPORTED_GLOBAL = re.compile(r"Unsupported global: GLOBAL ([\w.]+)")
_REPAIR = "re-download or reinstall it"


def read_state_dict(path: Path) -> dict[str, Any]:
    """The tensors of a ``.safetensors`` or ``.pth``/``.pt``/``.ckpt``/``.bin`` file, on the CPU.

    A pickle that holds anything but tensors and plain containers (a class, a function: code that
    would run on load) is refused with :class:`UnsafeModelFileError`. Common wrappers
    (``{"params": ...}``, ``{"state_dict": ...}``) are unwrapped.
    """
    return _tensors_of(path, read_checkpoint(path))


def read_checkpoint(path: Path, *, mmap: bool = False) -> Any:
    """Everything a ``.safetensors`` file (a dict of tensors) or a torch file holds (nested dicts
    of tensors and plain values), on the CPU, read without running code: errors as
    :func:`read_state_dict`. ``mmap`` maps a torch zip file's tensors instead of reading them."""
    import torch

    if not path.is_file():
        raise ModelFileError(path, "is not a file")
    try:
        if path.suffix.lower() == ".safetensors":
            from safetensors.torch import load_file

            loaded: Any = load_file(str(path), device="cpu")
        else:
            loaded = torch.load(str(path), map_location="cpu", weights_only=True, mmap=mmap)
    except pickle.UnpicklingError as error:
        match = _UNSUPPORTED_GLOBAL.search(str(error))
        what = f"Python code ({match.group(1)})" if match else "Python objects that are not tensors"
        raise UnsafeModelFileError(
            path,
            f"is a pickle that would run {what} when loaded, which FilmStudio refuses to do",
            "use a .safetensors file, or re-save only the state dict of a model you trust",
        ) from None
    except Exception as error:  # truncated zip, wrong header, I/O error: all mean a damaged file
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ModelFileError(
            path, f"cannot be read ({reason[:200]}): it is damaged or not a weights file", _REPAIR
        ) from None
    return loaded


def _tensors_of(path: Path, loaded: Any) -> dict[str, Any]:
    import torch

    for _ in range(3):  # nested wrappers: {"model": {"state_dict": ...}}
        if isinstance(loaded, Mapping):
            inner = next((loaded[k] for k in _WRAPPERS if isinstance(loaded.get(k), Mapping)), None)
            if inner is not None and not any(isinstance(v, torch.Tensor) for v in loaded.values()):
                loaded = inner
                continue
        break
    if not isinstance(loaded, Mapping) or not loaded:
        raise ModelFileError(path, "does not hold a state dict (named tensors)", _REPAIR)
    tensors = {str(k): v for k, v in loaded.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise ModelFileError(path, "holds no tensors", _REPAIR)
    return tensors


def load_spandrel(path: Path) -> Any:
    """An image-to-image model (ESRGAN, Real-ESRGAN Compact, SwinIR, DAT, SPAN, ...) as a spandrel
    ``ImageModelDescriptor``, architecture and scale detected from the weights."""
    import spandrel

    state = spandrel.canonicalize_state_dict(read_state_dict(path))
    try:
        with warnings.catch_warnings():
            # DAT's and other transformers' window indices call torch.meshgrid without `indexing`:
            # torch's notice about its future default is for their authors, not for our users
            warnings.filterwarnings("ignore", message=r"torch\.meshgrid", category=UserWarning)
            descriptor = spandrel.MAIN_REGISTRY.load(state)
    except spandrel.UnsupportedModelError:
        raise ModelFileError(
            path,
            "is not an image model architecture spandrel knows (ESRGAN, Real-ESRGAN, SwinIR, DAT, SPAN, ...)",
            "choose a super-resolution or restoration model",
        ) from None
    except Exception as error:
        raise ModelFileError(
            path, f"does not match its architecture ({_first_line(error)})", _REPAIR
        ) from None
    if not isinstance(descriptor, spandrel.ImageModelDescriptor):
        raise ModelFileError(path, f"is a {descriptor.purpose} model, not an image-to-image model")
    return descriptor.eval()


def torchvision_architecture(state: dict[str, Any], family: str) -> str:
    """The torchvision constructor a ``deeplabv3`` or ``maskrcnn`` state dict was made with,
    told apart by the layers only that variant has."""
    if family == "deeplabv3":
        if "backbone.layer3.22.conv1.weight" in state:
            return "deeplabv3_resnet101"
        if "backbone.layer1.0.conv1.weight" in state:
            return "deeplabv3_resnet50"
        return "deeplabv3_mobilenet_v3_large"
    if family == "maskrcnn":  # v2 normalises its FPN: a norm layer after each inner conv
        v2 = "backbone.fpn.inner_blocks.0.1.weight" in state
        return "maskrcnn_resnet50_fpn_v2" if v2 else "maskrcnn_resnet50_fpn"
    return family


def load_torchvision(path: Path, family: str) -> Any:
    """A torchvision segmentation (``deeplabv3``) or instance segmentation (``maskrcnn``) model
    built with ``weights=None`` and the state dict in ``path``: the variant, the number of classes
    and DeepLab's auxiliary head all come from the weights."""
    import torchvision

    state = read_state_dict(path)
    architecture = torchvision_architecture(state, family)
    if architecture.startswith("deeplabv3"):
        constructor = getattr(torchvision.models.segmentation, architecture, None)
        head = state.get("classifier.4.weight")
        options = {"aux_loss": any(k.startswith("aux_classifier.") for k in state)}
    else:
        constructor = getattr(torchvision.models.detection, architecture, None)
        head = state.get("roi_heads.box_predictor.cls_score.weight")
        options = {}
    if constructor is None:
        raise ModelFileError(path, f"needs torchvision's {architecture}, which this torchvision lacks")
    if head is None:
        raise ModelFileError(path, f"is not a {family} state dict (its class head is missing)", _REPAIR)
    model = constructor(weights=None, weights_backbone=None, num_classes=int(head.shape[0]), **options)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ModelFileError(path, f"does not match {architecture} ({_first_line(error)})", _REPAIR) from None
    return model.eval()


def load_transformers(folder: Path, model_class: str, processor_class: str) -> tuple[Any, Any]:
    """A transformers model and its processor from a local model folder (``local_files_only``:
    nothing is downloaded). Safetensors weights are preferred when the folder has them."""
    if not (folder / "config.json").is_file():
        raise ModelFileError(folder, "is not a transformers model folder (no config.json)")
    import transformers

    transformers.utils.logging.disable_progress_bar()
    model_type = getattr(transformers, model_class)
    processor_type = getattr(transformers, processor_class)
    safetensors = any(folder.glob("*.safetensors"))
    try:
        model = model_type.from_pretrained(
            str(folder), local_files_only=True, use_safetensors=safetensors or None
        )
        processor = processor_type.from_pretrained(str(folder), local_files_only=True)
    except pickle.UnpicklingError as error:
        raise UnsafeModelFileError(
            folder, f"holds pickled code ({_first_line(error)})", "use safetensors weights"
        ) from None
    except Exception as error:
        raise ModelFileError(
            folder, f"cannot be loaded as {model_class} ({_first_line(error)})", _REPAIR
        ) from None
    return model.eval(), processor


def _first_line(error: BaseException) -> str:
    """The gist of an error: its first line, and the first detail when that line only announces
    a list (torch's "Error(s) in loading state_dict for X:")."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    gist = f"{lines[0]} {lines[1]}" if lines[0].endswith(":") and len(lines) > 1 else lines[0]
    return gist[:200]
