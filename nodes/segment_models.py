"""Model backends of the Segmenter: DeepLabV3 and Mask R-CNN (torchvision), SAM 2 (transformers).

Each loads its weights through the model store (local files only), keeps the model resident on the
compute device, feeds it display-referred sRGB and returns soft masks ``[N, 1, H, W]`` in 0..1 on
that device. On CUDA the models run under float16 autocast; an out-of-memory moves the work to the
CPU with a warning. Runs on the model worker thread.

* DeepLabV3: per-pixel class probabilities (softmax); the mask is the summed probability of the
  chosen classes. Frames are processed with the shorter side at most 520 pixels (as trained).
* Mask R-CNN: detected instances of the chosen classes above ``score``; the mask is their union,
  or the ``instance``-th best alone.
* SAM 2: the object under a point and/or inside a box (fractions of the frame), one mask.
"""

from __future__ import annotations

import contextlib
from typing import Any

from filmstudio.api import ParameterError

DEFAULT_MODELS = {
    "deeplabv3": "deeplabv3-resnet50",
    "mask_rcnn": "maskrcnn-resnet50-fpn",
    "sam2": "sam2.1-hiera-tiny",
    "sam2_video": "sam2.1-hiera-tiny",  # the published checkpoints hold the video memory layers
}
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)
_DEEPLAB_SIDE = 520


def resident(ctx: Any, backend: str, device: str, load: Any) -> Any:
    """The model of ``backend`` (``load(path)`` on a miss) resident on ``device``, float32."""
    from filmstudio.api import ModelStore, place, resident_models

    location = ModelStore(ctx.project_dir).find(ctx.params.model or DEFAULT_MODELS[backend])

    def load_on_device() -> Any:
        import torch

        loaded = load(location.path)
        module = loaded[0] if isinstance(loaded, tuple) else loaded
        place(module, device, torch.float32)  # float32 weights; CUDA runs them under autocast
        return loaded

    return resident_models(device).get((backend, location.identity, device), load_on_device)


def _autocast(device: str) -> Any:
    import torch

    if device.startswith("cuda"):
        return torch.autocast("cuda", dtype=torch.float16)
    return contextlib.nullcontext()


def run_backend(ctx: Any, backend: str, images: Any) -> Any:
    """Masks ``[N, 1, H, W]`` for working-space RGBA ``images`` with a model ``backend``."""
    from filmstudio.api import to_model_rgb, with_cpu_fallback

    rgb, _alpha = to_model_rgb(images)
    run = {"deeplabv3": _deeplab, "mask_rcnn": _mask_rcnn, "sam2": _sam2}[backend]
    return with_cpu_fallback(lambda device: run(ctx, rgb, device), ctx.device, ctx.node_name)


def class_indices(text: str, names: list[str] | None, count: int) -> list[int]:
    """Class numbers from ``text`` ("person, dog" or "15, 12"); empty: every class but 0."""
    chosen: list[int] = []
    lowered = [n.lower() for n in names] if names and len(names) == count else None
    for token in (t.strip().lower() for t in text.split(",")):
        if not token:
            continue
        if token.isdigit() and int(token) < count:
            chosen.append(int(token))
        elif lowered is not None and token in lowered:
            chosen.append(lowered.index(token))
        else:
            known = (
                ", ".join(n for n in (names or []) if n not in ("__background__", "N/A")) if lowered else ""
            )
            what = f"one of {known}" if known else f"a class number 0-{count - 1}"
            raise ParameterError(f"classes: {token!r} is not a class of this model: use {what}")
    return chosen or list(range(1, count))


def _deeplab(ctx: Any, rgb: Any, device: str) -> Any:
    import torch
    import torchvision

    from filmstudio.api import load_torchvision

    model = resident(ctx, "deeplabv3", device, lambda path: load_torchvision(path, "deeplabv3"))
    count = int(model.classifier[-1].out_channels)
    names = torchvision.models.segmentation.DeepLabV3_ResNet50_Weights.DEFAULT.meta["categories"]
    wanted = class_indices(ctx.params.classes, names, count)
    height, width = rgb.shape[-2:]
    shrink = min(1.0, _DEEPLAB_SIDE / min(height, width))
    x = rgb.to(device)
    if shrink < 1.0:
        size = (max(1, round(height * shrink)), max(1, round(width * shrink)))
        x = torch.nn.functional.interpolate(
            x, size=size, mode="bilinear", antialias=True, align_corners=False
        )
    mean = torch.tensor(_IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(_IMAGENET_STD, device=device).view(1, 3, 1, 1)
    with torch.inference_mode(), _autocast(device):
        logits = model((x - mean) / std)["out"].float()
    logits = torch.nn.functional.interpolate(
        logits, size=(height, width), mode="bilinear", align_corners=False
    )
    return logits.softmax(dim=1)[:, wanted].sum(dim=1, keepdim=True).clamp(0.0, 1.0).clone()


def _mask_rcnn(ctx: Any, rgb: Any, device: str) -> Any:
    import torch
    import torchvision

    from filmstudio.api import load_torchvision

    model = resident(ctx, "mask_rcnn", device, lambda path: load_torchvision(path, "maskrcnn"))
    count = int(model.roi_heads.box_predictor.cls_score.out_features)
    names = torchvision.models.detection.MaskRCNN_ResNet50_FPN_Weights.DEFAULT.meta["categories"]
    wanted = torch.tensor(class_indices(ctx.params.classes, names, count), device=device)
    height, width = rgb.shape[-2:]
    model.transform.min_size = (min(800, height, width),)  # as trained, but never upscaled
    with torch.inference_mode(), _autocast(device):
        detections = model([frame for frame in rgb.to(device)])
    masks = []
    for found in detections:
        keep = (found["scores"] >= ctx.params.score) & torch.isin(found["labels"], wanted)
        instances = found["masks"][keep].float()  # [K, 1, H, W], sorted by score
        if ctx.params.instance >= 0:
            index = ctx.params.instance
            instances = instances[index : index + 1]
        if len(instances):
            masks.append(instances.amax(dim=0))
        else:
            masks.append(torch.zeros((1, height, width), device=device))
    return torch.stack(masks).clamp(0.0, 1.0).clone()


def _sam2(ctx: Any, rgb: Any, device: str) -> Any:
    import torch

    from filmstudio.api import load_transformers

    model, processor = resident(
        ctx, "sam2", device, lambda path: load_transformers(path, "Sam2Model", "Sam2Processor")
    )
    height, width = rgb.shape[-2:]
    p = ctx.params
    pictures = [(frame.permute(1, 2, 0).cpu() * 255.0 + 0.5).to(torch.uint8).numpy() for frame in rgb]
    prompts: dict[str, Any] = {}
    if p.prompt in ("point", "box+point"):
        prompts["input_points"] = [[[[p.point[0] * width, p.point[1] * height]]] for _ in pictures]
        prompts["input_labels"] = [[[1]] for _ in pictures]
    if p.prompt in ("box", "box+point"):
        x0, x1 = sorted((p.box[0] * width, p.box[2] * width))
        y0, y1 = sorted((p.box[1] * height, p.box[3] * height))
        prompts["input_boxes"] = [[[x0, y0, x1, y1]] for _ in pictures]
    inputs = processor(images=pictures, return_tensors="pt", **prompts)
    inputs = {k: v.to(device) if hasattr(v, "to") else v for k, v in inputs.items()}
    with torch.inference_mode(), _autocast(device):
        outputs = model(**inputs, multimask_output=False)
    logits = processor.post_process_masks(
        outputs.pred_masks.float(), inputs["original_sizes"], binarize=False
    )
    return torch.stack([frame[0, :1].float().sigmoid() for frame in logits]).to(device).clone()
