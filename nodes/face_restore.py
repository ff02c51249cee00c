"""Face Restore: faces found in the frame, restored by a face model, blended back.

Each face the ``detector`` finds (:mod:`filmstudio_nodes.face_detect`: YuNet, a Haar cascade, or a
keyed ``box``) is cut out as a 512x512 crop aligned to the FFHQ template, restored by the spandrel
face model in ``model`` (GFPGAN, RestoreFormer; CodeFormer with ``spandrel-extra-arches``) from the
artist's own weights, and laid back through a mask feathered over ``feather`` of the crop's width,
at ``strength``. A missing model is the model store's error; a model of another kind (an
upscaler) is refused by name. Only the change inside the faces is applied to the frame (in the
working space), so everything else passes through exactly. Models see display-referred sRGB.
"""

from __future__ import annotations

from typing import Any

from filmstudio.api import (
    ChoiceParam,
    Device,
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    PathParam,
    PortType,
    VectorParam,
)

MODEL_FILTER = "Models (*.pth *.pt *.safetensors *.ckpt)"


class FaceRestore(Node):
    """Restore faces with GFPGAN, CodeFormer or RestoreFormer weights and blend them back."""

    id = "FaceRestore"
    label = "Face Restore"
    category = "AI"
    description = "Face restoration (GFPGAN, CodeFormer, RestoreFormer) on detected faces, blended back."
    device = Device.GPU
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        PathParam(
            "model", "", file_filter=MODEL_FILTER, tooltip="GFPGAN / RestoreFormer / CodeFormer weights"
        ),
        ChoiceParam(
            "detector",
            ("auto", "yunet", "haar", "box"),
            tooltip="auto: YuNet when installed, else OpenCV's Haar cascade; box: the box parameter",
        ),
        PathParam("detector_model", "face-yunet", tooltip="yunet: the YuNet ONNX file"),
        VectorParam("box", (0.0, 0.0, 0.0, 0.0), tooltip="detector box: x, y, width, height in pixels"),
        IntParam("min_size", 32, animatable=False, minimum=8, tooltip="smallest face found, in pixels"),
        FloatParam(
            "confidence", 0.6, animatable=False, minimum=0.05, maximum=1.0, tooltip="yunet: threshold"
        ),
        FloatParam("strength", 1.0, minimum=0.0, maximum=1.0, tooltip="how much of the restored face"),
        FloatParam(
            "feather", 0.1, animatable=False, minimum=0.01, maximum=0.4, tooltip="of the crop's width"
        ),
    )

    def state_for_frame(self, ctx: EvalContext) -> Any:
        from filmstudio.api import ModelStore

        store = ModelStore(ctx.project_dir)
        detector = (
            store.identity(ctx.params.detector_model) if ctx.params.detector in ("auto", "yunet") else None
        )
        return [store.identity(ctx.params.model), detector]

    def required_models(self, ctx: EvalContext) -> tuple[str, ...]:
        # "auto" finds faces without YuNet when it is not installed; "yunet" cannot
        return (ctx.params.model, *((ctx.params.detector_model,) if ctx.params.detector == "yunet" else ()))

    def evaluate(self, ctx: EvalContext) -> Any:
        import numpy as np
        import torch

        from filmstudio.api import FACE_SIZE, ModelStore, from_model_rgb, restore_faces, to_model_rgb
        from filmstudio_nodes.face_detect import alignment, find_faces

        source = ctx.input("source")
        if source is None:
            return None
        p = ctx.params
        location = ModelStore(ctx.project_dir).find(p.model)  # missing weights: the store's message
        rgb, alpha = to_model_rgb(source[None].float().cpu())
        frame = rgb[0].permute(1, 2, 0).contiguous().numpy()
        faces = find_faces(ctx, frame)
        if not faces or p.strength <= 0:
            return source
        matrices = [alignment(face, FACE_SIZE) for face in faces]
        crops = torch.from_numpy(np.stack([_crop(frame, m, FACE_SIZE) for m in matrices])).permute(0, 3, 1, 2)
        ctx.check_cancelled()
        restored = restore_faces(location, crops.contiguous(), ctx.device, ctx.node_name).cpu()
        blended = frame.copy()
        for matrix, face in zip(matrices, restored.permute(0, 2, 3, 1).numpy(), strict=True):
            blended = _paste(blended, face, matrix, p.feather, p.strength)
        pair = torch.from_numpy(np.stack([frame, blended])).permute(0, 3, 1, 2)
        encoded = from_model_rgb(pair, None if alpha is None else alpha.expand(2, -1, -1, -1))
        changed = torch.from_numpy((blended != frame).any(axis=-1))[None]  # elsewhere: exactly 0
        change = torch.where(changed, encoded[1] - encoded[0], torch.zeros(()))
        return (source.float().cpu() + change).to(source.device)


def _crop(frame: Any, matrix: Any, size: int) -> Any:
    import cv2

    return cv2.warpAffine(
        frame, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101
    )


def _paste(frame: Any, face: Any, matrix: Any, feather: float, strength: float) -> Any:
    """``face`` (the restored crop) laid back over ``frame`` through a feathered mask."""
    import cv2
    import numpy as np

    size = face.shape[0]
    border = max(2, round(feather * size))
    mask = np.zeros((size, size), np.float32)
    mask[border:-border, border:-border] = 1.0
    mask = cv2.GaussianBlur(mask, (0, 0), border / 2)
    height, width = frame.shape[:2]
    inverse = cv2.invertAffineTransform(matrix)
    back = cv2.warpAffine(
        face, inverse, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101
    )
    weight = cv2.warpAffine(mask, inverse, (width, height), flags=cv2.INTER_LINEAR, borderValue=0)
    weight = (weight * strength)[..., None]
    return frame + weight * (back - frame)
