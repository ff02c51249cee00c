"""SAM 2 video propagation: the Segmenter's ``sam2_video`` backend, an analysis pass.

The pass (Analyse on the node: the engine's analysis job) walks its frames in order. On its first
frame the ``prompt`` (``box`` and/or ``point`` as they are at that frame) starts a streaming
transformers SAM 2 video session; every later frame is fed to the session one at a time and gets
the object's mask from the model's memory of the frames before it. A backward pass (the engine's
``reverse``) starts at its last frame, so a prompt in mid-clip propagates both ways in two passes.
To re-seed, move the box at a frame and analyse again from there: only the frames analysed change.

Memory stays bounded however long the clip: the engine hands the pass one decoded frame at a
time, and after each frame the session forgets what the model can no longer reach — processed
frames once encoded, full-size mask logits once memorised, and the memories of frames older than
the model's reach (``num_maskmem`` and ``max_object_pointers_in_encoder``: 16 frames for the
published models). Only the prompt frame's memory is kept for the whole pass.

Each frame's result is a small JSON entry (:func:`encode_mask`: the mask at the analysed
resolution as bits, zlib, base64, and the model's object score) that the engine stores by frame
in the node's state; rendering reads a frame's entry back (:func:`mask_from_entry`, resized to the
request's proxy scale), and that entry alone is in the frame's cache key. Frames never analysed
have an empty mask.

Runs on the model worker (the engine sends GPU nodes' analysis steps there). When CUDA runs out
of memory the session moves to the CPU, re-seeded with the last frame and its mask as the prompt.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from filmstudio.api import EvalContext, FilmStudioError, ParameterError

DEFAULT_MODEL = "sam2.1-hiera-tiny"
_OBJECT = 1  # the session's id for the one object a Segmenter follows
_MEMORY_LAYERS = "memory_attention."  # weights only video checkpoints have

Loader = Callable[[str], tuple[Any, Any]]  # device -> (Sam2VideoModel, Sam2VideoProcessor) on it


def analyze(ctx: EvalContext, carry: Propagation | None) -> tuple[dict[str, Any] | None, Propagation | None]:
    """One frame of the pass: (the frame's entry, the session carried to the next frame)."""
    import torch

    from filmstudio.api import to_model_rgb, with_cpu_fallback

    if ctx.params.backend != "sam2_video":
        raise ParameterError(
            f"only the sam2_video backend propagates a mask through the clip, not {ctx.params.backend}: "
            "set backend to sam2_video, then analyse"
        )
    source = ctx.input("source")
    if source is None:
        return None, carry
    session = carry if isinstance(carry, Propagation) else None
    if session is None:
        prompt = prompt_of(ctx.params, source.shape[-1], source.shape[-2])
        session = Propagation(lambda device: _resident_model(ctx, device), prompt, ctx.device)
    rgb, _alpha = to_model_rgb(source[None])
    picture = (rgb[0].permute(1, 2, 0).cpu() * 255.0 + 0.5).to(torch.uint8).numpy()
    ctx.check_cancelled()
    mask, score = with_cpu_fallback(
        lambda device: session.step(picture, device), session.device, ctx.node_name
    )
    return encode_mask(mask, score), session


def prompt_of(p: Any, width: int, height: int) -> dict[str, Any]:
    """The session inputs of the node's ``prompt`` (parameters ``p`` at the first frame of the
    pass) in pixels of a ``width`` x ``height`` source."""
    prompt: dict[str, Any] = {}
    if p.prompt in ("point", "box+point"):
        prompt["input_points"] = [[[[p.point[0] * width, p.point[1] * height]]]]
        prompt["input_labels"] = [[[1]]]
    if p.prompt in ("box", "box+point"):
        x0, x1 = sorted((p.box[0] * width, p.box[2] * width))
        y0, y1 = sorted((p.box[1] * height, p.box[3] * height))
        prompt["input_boxes"] = [[[x0, y0, x1, y1]]]
    return prompt


class Propagation:
    """A streaming SAM 2 video session following one object, fed one frame at a time.

    ``load(device)`` gives the resident model and processor on a device; ``prompt`` holds the
    processor's point/box inputs for the first frame. Lives on the model worker thread, carried
    from frame to frame by the analysis pass, and dropped with it.
    """

    def __init__(self, load: Loader, prompt: dict[str, Any], device: str) -> None:
        self.load = load
        self.prompt = prompt
        self.device = device
        self.session: Any = None
        self.index = -1  # the session's number of the last frame processed
        self.last: tuple[Any, Any] | None = None  # that frame's pixel values and mask (CPU)

    def step(self, picture: Any, device: str) -> tuple[Any, float]:
        """The mask (bool ``[H, W]``, CPU) and object score (0..1) of the next frame, ``picture``
        (sRGB uint8 ``[H, W, 3]``), run on ``device``."""
        import torch

        model, processor = self.load(device)
        inputs = processor(images=picture, return_tensors="pt")
        if self.session is None or device != self.device:
            self._start(model, processor, device, inputs.original_sizes[0])
        index = self.index + 1
        with torch.inference_mode(), _autocast(device):
            output = model(
                inference_session=self.session, frame_idx=index, frame=inputs.pixel_values[0].to(device)
            )
        logits = processor.post_process_masks(
            [output.pred_masks.float()], original_sizes=inputs.original_sizes, binarize=False
        )[0]
        mask = (logits[0, 0] > 0).cpu()
        score = float(torch.sigmoid(output.object_score_logits.float()).flatten()[0])
        self.index, self.last = index, (inputs.pixel_values[0], mask)
        self._forget_unreachable(model.config)
        return mask, score

    def _start(self, model: Any, processor: Any, device: str, size: Any) -> None:
        """A new session on ``device``: the prompt on the first frame, or after a move to another
        device the last frame with its mask as the prompt (the old session's memory stays behind)."""
        import torch

        self.session = session = processor.init_video_session(inference_device=device, dtype=torch.float32)
        self.device = device
        if self.last is None:
            processor.add_inputs_to_inference_session(
                session, frame_idx=0, obj_ids=_OBJECT, original_size=tuple(size), **self.prompt
            )
            return
        pixels, mask = self.last
        processor.add_inputs_to_inference_session(
            session, frame_idx=self.index, obj_ids=_OBJECT, input_masks=mask
        )
        with torch.inference_mode(), _autocast(device):
            model(inference_session=session, frame_idx=self.index, frame=pixels.to(device))

    def _forget_unreachable(self, config: Any) -> None:
        """Drop what no later frame reads (see the module docstring): this bounds the session."""
        session = self.session
        oldest = self.index - max(config.num_maskmem, config.max_object_pointers_in_encoder)
        for frame in [f for f in session.processed_frames or {} if f != self.index]:
            del session.processed_frames[frame]  # encoded into the memories already
        for outputs in session.output_dict_per_obj.values():
            tracked = outputs["non_cond_frame_outputs"]
            for frame in [f for f in tracked if f < oldest]:
                del tracked[frame]
            for kind in ("cond_frame_outputs", "non_cond_frame_outputs"):
                for output in outputs[kind].values():
                    output.pop("high_res_masks", None)  # read only while its own frame runs
        for frames in session.frames_tracked_per_obj.values():
            for frame in [f for f in frames if f < oldest]:
                del frames[frame]

    def held_bytes(self) -> int:
        """Bytes of the tensors the session holds (frames, prompts, memories)."""
        session = self.session
        if session is None:
            return 0
        held = (
            session.processed_frames,
            session.output_dict_per_obj,
            session.point_inputs_per_obj,
            session.mask_inputs_per_obj,
        )
        return _tensor_bytes(held)


def encode_mask(mask: Any, score: float) -> dict[str, Any]:
    """A frame's JSON entry: bool ``mask`` ``[H, W]`` packed to bits, zlib, base64."""
    import numpy as np

    height, width = mask.shape
    bits = np.packbits(mask.numpy().astype(bool), axis=None).tobytes()
    packed = base64.b64encode(zlib.compress(bits, 9)).decode("ascii")
    return {"width": int(width), "height": int(height), "bits": packed, "score": round(score, 4)}


def decode_mask(entry: Any) -> Any:
    """The bool mask ``[H, W]`` (numpy) of an entry made by :func:`encode_mask`."""
    import numpy as np

    try:
        height, width = int(entry["height"]), int(entry["width"])
        bits = np.frombuffer(zlib.decompress(base64.b64decode(entry["bits"], validate=True)), np.uint8)
        return np.unpackbits(bits, count=height * width).reshape(height, width).astype(bool)
    except (KeyError, TypeError, ValueError, zlib.error, binascii.Error):
        raise FilmStudioError(
            "a propagated mask stored in the project is damaged: analyse the node again over that frame"
        ) from None


def mask_from_entry(entry: Any, height: int, width: int, device: str) -> Any:
    """A frame's stored mask as float ``[1, 1, height, width]`` on ``device``, resized from the
    analysed resolution (proxies); an empty mask for a frame never analysed (``entry`` None)."""
    import torch

    if entry is None:
        return torch.zeros((1, 1, height, width), device=device)
    mask = torch.from_numpy(decode_mask(entry)).to(device=device, dtype=torch.float32)[None, None]
    if mask.shape[-2:] != (height, width):
        shrinking = height < mask.shape[-2] or width < mask.shape[-1]
        mask = torch.nn.functional.interpolate(
            mask, size=(height, width), mode="bilinear", antialias=shrinking, align_corners=False
        )
    return mask.clamp(0.0, 1.0)


def load_video_model(folder: Path) -> tuple[Any, Any]:
    """A transformers SAM 2 *video* model and processor from a local folder. An image-only SAM 2
    export lacks the memory layers propagation needs: refused, rather than run with random ones."""
    from filmstudio.api import ModelFileError, load_transformers

    weights = sorted(Path(folder).glob("*.safetensors"))
    if weights and not any(_has_memory_layers(path) for path in weights):
        raise ModelFileError(
            folder,
            "is a SAM 2 image model without the video memory layers that propagation needs",
            "use a SAM 2 video checkpoint (transformers model_type sam2_video, "
            "e.g. facebook/sam2.1-hiera-tiny)",
        )
    return load_transformers(folder, "Sam2VideoModel", "Sam2VideoProcessor")


def _has_memory_layers(path: Path) -> bool:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as weights:
            return any(key.startswith(_MEMORY_LAYERS) for key in weights.keys())  # noqa: SIM118
    except Exception:  # unreadable: let the real loader report what is wrong with it
        return True


def _resident_model(ctx: EvalContext, device: str) -> tuple[Any, Any]:
    from filmstudio_nodes.segment_models import resident

    return resident(ctx, "sam2_video", device, load_video_model)


def _autocast(device: str) -> Any:
    import torch

    if device.startswith("cuda"):  # SAM 2's video memory is bfloat16, as in the published models
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _tensor_bytes(value: Any) -> int:
    import torch

    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, dict):
        return sum(_tensor_bytes(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(_tensor_bytes(v) for v in value)
    return 0
