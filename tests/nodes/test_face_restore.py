"""Face Restore: alignment onto the FFHQ template, the detector choices (and the message when
this OpenCV has no detector installed), the missing-model message, a model of another kind
refused, and (slow) a RestoreFormer of random weights through spandrel's loader changing only
the face."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.models.display import from_model_rgb
from filmstudio.testing import NodeHarness
from filmstudio_nodes.face_detect import TEMPLATE, Face, alignment, haar_cascade_path
from filmstudio_nodes.face_restore import FaceRestore
from tests.models.tiny import forget_models, isolate_models, save_compact
from tests.nodes.restore_models import save_restoreformer

BOX = (180.0, 60.0, 110.0, 130.0)  # the astronaut's face (x, y, width, height)


@pytest.fixture
def models(tmp_path, monkeypatch):
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


def astronaut() -> torch.Tensor:
    from skimage import data

    return from_model_rgb(torch.from_numpy(data.astronaut()).permute(2, 0, 1)[None] / 255.0)[0]


def test_landmarks_are_aligned_onto_the_template():
    import cv2

    template = np.asarray(TEMPLATE, np.float32)
    angle, scale = 12.0, 0.4
    move = cv2.getRotationMatrix2D((256, 256), angle, scale)
    move[:, 2] += (40, -25)
    inverse = cv2.invertAffineTransform(move)
    landmarks = cv2.transform(template[None], inverse)[0]  # the face as it sits in the frame
    matrix = alignment(Face((0, 0, 10, 10), tuple(map(tuple, landmarks))))
    assert np.allclose(cv2.transform(landmarks[None], matrix)[0], template, atol=1e-2)
    boxed = alignment(Face((100.0, 50.0, 140.0, 140.0)))
    assert np.allclose(cv2.transform(np.float32([[[170.0, 120.0]]]), boxed)[0, 0], (256, 300))


def test_missing_weights_are_the_store_message(models):
    missing = NodeHarness(
        FaceRestore,
        {"model": "GFPGANv1.4.pth", "detector": "box", "box": BOX},
        {"source": astronaut()},
        size=(512, 512),
    )
    with missing, pytest.raises(EvaluationError) as caught:
        missing.evaluate(1)
    assert "'GFPGANv1.4.pth' is not installed" in str(caught.value) and str(models) in str(caught.value)


@pytest.mark.skipif(haar_cascade_path() is not None, reason="this OpenCV has a Haar cascade")
def test_auto_detection_without_a_detector_says_what_to_install(models):
    save_compact(models / "some.safetensors")  # any file: detection is reached first
    node = NodeHarness(FaceRestore, {"model": "some.safetensors"}, {"source": astronaut()}, size=(512, 512))
    with node, pytest.raises(EvaluationError) as caught:
        node.evaluate(1)
    message = str(caught.value)
    assert "model 'face-yunet' is not installed" in message and "face_detection_yunet_2023mar.onnx" in message


def test_a_model_of_another_kind_is_refused(models):
    save_compact(models / "upscaler.safetensors")
    params = {"model": "upscaler.safetensors", "detector": "box", "box": BOX}
    node = NodeHarness(FaceRestore, params, {"source": astronaut()}, size=(512, 512))
    with node, pytest.raises(EvaluationError, match="not face restoration"):
        node.evaluate(1)


@pytest.mark.slow
def test_a_restoreformer_changes_the_face_and_nothing_else(models):
    save_restoreformer(models / "restoreformer.safetensors")
    source = astronaut()
    params = {"model": "restoreformer.safetensors", "detector": "box", "box": BOX}
    with NodeHarness(FaceRestore, params, {"source": source}, size=(512, 512)) as harness:
        out = harness.evaluate(1)
        harness.node.set("strength", 0.0)
        untouched = harness.evaluate(1)
    assert torch.equal(untouched, source)
    changed = (out - source).abs().amax(dim=0) > 1e-4
    ys, xs = torch.nonzero(changed, as_tuple=True)
    x, y, width, height = BOX
    per = width / 280  # frame pixels per crop pixel: the box's width spans 280 of the 512
    cx, cy = x + width / 2, y + height / 2  # lands on (256, 300) of the crop
    assert changed[int(cy), int(cx)]
    assert xs.min() >= cx - 256 * per - 2 and xs.max() <= cx + 256 * per + 2
    assert ys.min() >= cy - 300 * per - 2 and ys.max() <= cy + 212 * per + 2
