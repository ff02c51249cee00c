"""Finding faces for Face Restore, and the aligned 512x512 crops face models are trained on.

Detectors (the node's ``detector``):

* ``yunet`` — OpenCV's YuNet (``cv2.FaceDetectorYN``) with the ``face-yunet`` ONNX file from the
  model store: boxes and five landmarks (eyes, nose tip, mouth corners), so crops are aligned
  the way FFHQ-trained models (GFPGAN, CodeFormer, RestoreFormer) expect.
* ``haar`` — OpenCV's frontal-face Haar cascade from ``cv2.data.haarcascades``: ships with
  OpenCV 4 but not with OpenCV 5 (which moved cascades out of the main package); boxes only.
* ``box`` — the rectangle in the node's ``box`` parameter (animatable, project pixels): for shots
  a detector misses, or to restore one face of several.
* ``auto`` — YuNet when its file is installed, else a Haar cascade when this OpenCV has one; else
  the store's message saying how to install ``face-yunet``.

Alignment maps the five landmarks onto the 512-pixel FFHQ template (a similarity, least median of
squares); a box without landmarks maps its centre and width onto the template's face.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

# The five-point FFHQ face template at 512x512 (eyes, nose tip, mouth corners; image left first),
# as face-restoration pipelines (facexlib) align crops for these models.
TEMPLATE = (
    (192.98138, 239.94708),
    (318.90277, 240.1936),
    (256.63416, 314.01935),
    (201.26117, 371.41043),
    (313.08905, 371.15118),
)
BOX_CENTRE, BOX_WIDTH = (256.0, 300.0), 280.0  # where a detector's face box lands in the template
HAAR_FILE = "haarcascade_frontalface_default.xml"


@dataclass(frozen=True)
class Face:
    """A face in frame pixels (OpenCV: pixel centres at integers): box and optional landmarks."""

    box: tuple[float, float, float, float]  # x, y, width, height
    landmarks: tuple[tuple[float, float], ...] = ()


def haar_cascade_path() -> str | None:
    """The frontal-face cascade of this OpenCV, or None where it has none (OpenCV 5)."""
    import cv2

    folder = getattr(getattr(cv2, "data", None), "haarcascades", "")
    path = os.path.join(folder, HAAR_FILE) if folder else ""
    return path if hasattr(cv2, "CascadeClassifier") and os.path.isfile(path) else None


def find_faces(ctx: Any, rgb: Any) -> list[Face]:
    """Faces in display sRGB ``rgb`` (``[H, W, 3]`` float32) by the node's ``detector``."""
    from filmstudio.api import ModelNotFoundError, ModelStore, ParameterError

    p = ctx.params
    if p.detector == "box":
        x, y, width, height = (value * ctx.scale for value in p.box)
        if width < 2 or height < 2:
            raise ParameterError("detector box needs a box (x, y, width, height) around the face")
        return [Face((x - 0.5, y - 0.5, width, height))]
    if p.detector in ("auto", "yunet"):
        try:
            location = ModelStore(ctx.project_dir).find(p.detector_model)
        except ModelNotFoundError:
            if p.detector == "yunet" or haar_cascade_path() is None:
                raise
        else:
            return _yunet(str(location.path), rgb, p.confidence, p.min_size * ctx.scale)
    cascade = haar_cascade_path()
    if cascade is None:
        import cv2

        raise ParameterError(
            f"OpenCV {cv2.__version__} ships no Haar cascades: set detector to yunet "
            "(install face-yunet, see `filmstudio models list`) or box"
        )
    return _haar(cascade, rgb, p.min_size * ctx.scale)


def _u8(rgb: Any) -> Any:
    import numpy as np

    return (rgb * 255.0 + 0.5).clip(0, 255).astype(np.uint8)


def _yunet(path: str, rgb: Any, confidence: float, min_size: float) -> list[Face]:
    import cv2

    height, width = rgb.shape[:2]
    detector = cv2.FaceDetectorYN.create(path, "", (width, height), confidence, 0.3, 5000)
    _count, found = detector.detect(cv2.cvtColor(_u8(rgb), cv2.COLOR_RGB2BGR))
    faces = []
    for row in found if found is not None else ():
        x, y, w, h = (float(v) for v in row[:4])
        if min(w, h) >= min_size:
            points = tuple((float(row[4 + 2 * i]), float(row[5 + 2 * i])) for i in range(5))
            faces.append(Face((x, y, w, h), points))
    return faces


def _haar(path: str, rgb: Any, min_size: float) -> list[Face]:
    import cv2

    grey = cv2.cvtColor(_u8(rgb), cv2.COLOR_RGB2GRAY)
    side = max(8, round(min_size))
    boxes = cv2.CascadeClassifier(path).detectMultiScale(grey, 1.1, 5, minSize=(side, side))
    return [Face(tuple(float(v) for v in box)) for box in boxes]


def alignment(face: Face, size: int = 512) -> Any:
    """The 2x3 matrix taking frame pixels to the ``size`` x ``size`` aligned crop."""
    import cv2
    import numpy as np

    factor = size / 512.0
    if len(face.landmarks) == 5:
        template = np.asarray(TEMPLATE, np.float32) * factor
        matrix, _ = cv2.estimateAffinePartial2D(
            np.asarray(face.landmarks, np.float32), template, method=cv2.LMEDS
        )
        if matrix is not None:
            return matrix
    x, y, width, height = face.box
    scale = BOX_WIDTH * factor / width
    centre_x, centre_y = x + width / 2, y + height / 2
    return np.array(
        [
            [scale, 0.0, BOX_CENTRE[0] * factor - scale * centre_x],
            [0.0, scale, BOX_CENTRE[1] * factor - scale * centre_y],
        ],
        np.float64,
    )
