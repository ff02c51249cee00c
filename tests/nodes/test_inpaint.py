"""Inpaint: clean plates of a panning shot from the frames that show the background (by optical
flow and by tracks), OpenCV fills beating a mean-colour fill on photographs, pixels outside the
mask untouched, LaMa (and MAT) weights through spandrel's loader, and the missing-model message."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.core.track import Track, TrackSample, TrackSet
from filmstudio.models.display import from_model_rgb, to_model_rgb
from filmstudio.testing import NodeHarness
from filmstudio_nodes.inpaint import Inpaint
from tests.models.tiny import forget_models, isolate_models, save_compact
from tests.nodes.restore_models import save_lama

W, H, SIDE = 192, 128, 28
TOP, LEFT = 50, 80  # the removed square, fixed in the frame (a rig that moves with the camera)
PAN = 6  # pixels per frame


@pytest.fixture
def models(tmp_path, monkeypatch):
    yield isolate_models(tmp_path, monkeypatch)
    forget_models()


def working(pixels: np.ndarray) -> torch.Tensor:
    return from_model_rgb(torch.from_numpy(np.ascontiguousarray(pixels)).permute(2, 0, 1)[None] / 255.0)[0]


def display(image: torch.Tensor) -> np.ndarray:
    return to_model_rgb(image[None])[0][0].permute(1, 2, 0).numpy()


def panning(name: str):
    """(frame -> the photograph panned with the square blacked out, the truth at frame f)."""
    from skimage import data

    picture = getattr(data, name)()

    def truth(frame: int) -> np.ndarray:
        x = 40 + PAN * frame
        return picture[20 : 20 + H, x : x + W]

    def frame(number: int) -> torch.Tensor:
        pixels = truth(number).copy()
        pixels[TOP : TOP + SIDE, LEFT : LEFT + SIDE] = 0
        return working(pixels)

    return frame, truth


def square_mask() -> torch.Tensor:
    mask = torch.zeros(1, H, W)
    mask[:, TOP : TOP + SIDE, LEFT : LEFT + SIDE] = 1.0
    return mask


def square_error(out: torch.Tensor, truth: np.ndarray) -> float:
    inside = display(out)[TOP : TOP + SIDE, LEFT : LEFT + SIDE]
    return float(np.abs(inside - truth[TOP : TOP + SIDE, LEFT : LEFT + SIDE] / 255.0).mean())


@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_clean_plate_restores_the_background_from_a_pan(name):
    frame, truth = panning(name)
    with NodeHarness(
        Inpaint, {"method": "clean_plate"}, {"source": frame, "mask": square_mask()}, size=(W, H)
    ) as h:
        out = h.evaluate(10)
    assert square_error(out, truth(10)) < 1 / 255
    outside = ~torch.nn.functional.max_pool2d(square_mask()[None], 7, 1, 3)[0, 0].bool()
    assert torch.equal(out[:, outside], frame(10)[:, outside])  # beyond the grown mask: untouched


def test_clean_plate_can_align_by_tracks():
    frame, truth = panning("astronaut")
    samples = {}
    for f in range(0, 21):  # two tracked background points, moving with the pan
        shift = PAN * (10 - f)
        samples[f] = TrackSample.square(30.5 + shift, 20.5, 21), TrackSample.square(170.5 + shift, 100.5, 21)
    tracks = TrackSet.of(
        [
            Track("A", samples={f: a for f, (a, _b) in samples.items()}),
            Track("B", samples={f: b for f, (_a, b) in samples.items()}),
        ]
    )
    params = {"method": "clean_plate", "align": "track"}
    inputs = {"source": frame, "mask": square_mask(), "track": lambda f: tracks.at_frames([f])}
    with NodeHarness(Inpaint, params, inputs, size=(W, H)) as harness:
        out = harness.evaluate(10)
    assert square_error(out, truth(10)) < 1 / 255


def test_clean_plate_falls_back_to_a_spatial_fill_where_no_frame_shows_it():
    frame, _truth = panning("astronaut")
    still = frame(10)  # a locked-off shot: the background is never visible
    mask = square_mask()
    with NodeHarness(Inpaint, {"method": "clean_plate"}, {"source": still, "mask": mask}, size=(W, H)) as h:
        plate = h.evaluate(10)
    with NodeHarness(Inpaint, {"method": "telea"}, {"source": still, "mask": mask}, size=(W, H)) as h:
        telea = h.evaluate(10)
    assert torch.allclose(plate, telea, atol=1e-6)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return 10 * math.log10(1.0 / float(np.mean((a - b) ** 2)))


@pytest.mark.parametrize("method", ["telea", "ns"])
def test_spatial_fills_beat_a_mean_colour_fill_on_photographs(method):
    """Inside the square, the fill is closer to the photograph than the mean colour of the ring
    of pixels around the hole (PSNR; the frame's mean colour is a weaker baseline still). The mask
    is exact, so it is not grown: growing it would throw away the true pixels at its edge."""
    from skimage import data

    for name in ("astronaut", "coffee", "chelsea"):
        truth = getattr(data, name)()[20 : 20 + H, 100 : 100 + W]
        holed = truth.copy()
        holed[TOP : TOP + SIDE, LEFT : LEFT + SIDE] = 0
        with NodeHarness(
            Inpaint,
            {"method": method, "grow": 0},
            {"source": working(holed), "mask": square_mask()},
            size=(W, H),
        ) as h:
            out = display(h.evaluate(1))[TOP : TOP + SIDE, LEFT : LEFT + SIDE]
        ring = truth[TOP - 4 : TOP + SIDE + 4, LEFT - 4 : LEFT + SIDE + 4].reshape(-1, 3) / 255.0
        inside = truth[TOP : TOP + SIDE, LEFT : LEFT + SIDE] / 255.0
        mean_fill = np.broadcast_to(ring.mean(axis=0), inside.shape)
        assert psnr(out, inside) > psnr(mean_fill, inside), name


def test_an_empty_mask_passes_the_frame_through():
    frame, _truth = panning("coffee")
    with NodeHarness(Inpaint, {}, {"source": frame(3), "mask": torch.zeros(1, H, W)}, size=(W, H)) as h:
        assert torch.equal(h.evaluate(1), frame(3))


def test_model_mode_needs_weights_and_refuses_other_models(models):
    frame, _truth = panning("coffee")
    inputs = {"source": frame(3), "mask": square_mask()}
    unset = NodeHarness(Inpaint, {"method": "model"}, inputs, size=(W, H))
    with unset, pytest.raises(EvaluationError, match="no model is chosen: set the node's model parameter"):
        unset.evaluate(1)
    missing = NodeHarness(Inpaint, {"method": "model", "model": "big-lama.safetensors"}, inputs, size=(W, H))
    with missing, pytest.raises(EvaluationError) as caught:
        missing.evaluate(1)
    assert "'big-lama.safetensors' is not installed" in str(caught.value) and str(models) in str(caught.value)
    save_compact(models / "upscaler.safetensors")
    wrong = NodeHarness(Inpaint, {"method": "model", "model": "upscaler.safetensors"}, inputs, size=(W, H))
    with wrong, pytest.raises(EvaluationError, match="not an inpainting model"):
        wrong.evaluate(1)


@pytest.mark.slow
def test_lama_weights_through_spandrels_loader(models):
    """spandrel's LaMa has a fixed size: 51 M random parameters, saved as float16."""
    save_lama(models / "lama.safetensors")
    frame, _truth = panning("astronaut")
    source = frame(3)
    with NodeHarness(
        Inpaint,
        {"method": "model", "model": "lama.safetensors"},
        {"source": source, "mask": square_mask()},
        size=(W, H),
    ) as h:
        out = h.evaluate(1)
    hole = torch.nn.functional.max_pool2d(square_mask()[None], 5, 1, 2)[0, 0].bool()
    assert torch.equal(out[:, ~hole], source[:, ~hole])
    assert (out[:3, hole] - source[:3, hole]).abs().mean() > 0.01  # the black square was filled


@pytest.mark.slow
def test_mat_weights_through_spandrel_extra_arches(models):
    """MAT lives in the optional spandrel-extra-arches package (non-commercial licence)."""
    pytest.importorskip("spandrel_extra_arches")
    from safetensors.torch import save_file
    from spandrel_extra_arches.architectures.MAT import MAT

    torch.manual_seed(5)
    state = {k: v.contiguous().half() for k, v in MAT().state_dict().items()}
    save_file(state, str(models / "mat.safetensors"))
    frame, _truth = panning("astronaut")
    with NodeHarness(
        Inpaint,
        {"method": "model", "model": "mat.safetensors"},
        {"source": frame(3), "mask": square_mask()},
        size=(W, H),
    ) as h:
        assert h.evaluate(1).shape == (4, H, W)
