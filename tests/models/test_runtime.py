"""Resident models, precision choice, and the out-of-memory fallbacks: smaller tiles, one frame at
a time, then the CPU — each announced once, the work finished."""

from __future__ import annotations

import pytest
import torch

from filmstudio.models.device import ResidentModels, choose_dtype, resident_models
from filmstudio.models.errors import ModelError, ModelFallbackWarning
from filmstudio.models.runtime import ImageModel, load_image_model, upscale_images, with_cpu_fallback
from filmstudio.models.store import ModelStore
from tests.models.tiny import save_compact


@pytest.fixture
def compact(isolated_models):
    save_compact(isolated_models / "compact.safetensors", scale=2, convs=2)
    return ModelStore().find("compact.safetensors")


class Limited:
    """An image model that runs out of memory on inputs larger than ``most`` pixels (per batch)."""

    def __init__(self, real: ImageModel, most: int, device: str = "cpu", always: bool = False) -> None:
        self.real, self.most, self.device, self.always = real, most, device, always
        self.calls: list[tuple[int, ...]] = []
        self.scale, self.multiple_of, self.dtype = real.scale, 1, torch.float32

    def prepare(self, images):
        return images.float()

    def __call__(self, images):
        self.calls.append(tuple(images.shape))
        if self.always or images.shape[0] * images.shape[2] * images.shape[3] > self.most:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return self.real(images)


def reference(location, images):
    return upscale_images(location, images, "cpu", tile=0)


def test_models_stay_resident_across_frames(compact):
    images = torch.rand(1, 3, 20, 24)
    resident = resident_models("cpu")
    before = resident.loads
    first = load_image_model(compact, "cpu")
    for _ in range(3):
        upscale_images(compact, images, "cpu", tile=0)
    assert load_image_model(compact, "cpu") is first
    assert resident.loads == before + 1 and first.key in resident.loaded()


def test_least_recently_used_models_are_evicted_beyond_the_budget():
    small = lambda: torch.nn.Linear(100, 100)  # noqa: E731  (40 KB of parameters each)
    models = ResidentModels("cpu", budget=100_000)
    a, b = models.get("a", small), models.get("b", small)
    assert models.get("a", small) is a  # a is now the most recently used
    models.get("c", small)
    assert models.loaded() == ["a", "c"] and models.evictions == 1
    assert models.get("b", small) is not b  # evicted: loaded again


def test_float32_on_the_cpu():
    assert choose_dtype("cpu", True, True) is torch.float32
    assert choose_dtype("cuda:0", True, True, precision="full") is torch.float32


def test_out_of_memory_falls_back_to_smaller_tiles_once(compact):
    images = torch.rand(1, 3, 150, 150)
    model = Limited(load_image_model(compact, "cpu"), most=100 * 100)
    with pytest.warns(
        ModelFallbackWarning, match="out of memory on cpu with the whole frame; using 75-pixel"
    ):
        out = upscale_images(compact, images, "cpu", tile=0, overlap=24, loader=lambda *a: model, label="Up")
    assert torch.allclose(out, reference(compact, images), atol=1e-4)
    model.calls.clear()
    out = upscale_images(compact, images, "cpu", tile=0, overlap=24, loader=lambda *a: model, label="Up")
    assert max(h * w for _n, _c, h, w in model.calls) <= 100 * 100  # remembered: no failing first try


def test_a_batch_that_does_not_fit_runs_frame_by_frame(compact):
    images = torch.rand(3, 3, 40, 40)
    model = Limited(load_image_model(compact, "cpu"), most=40 * 40, device="cuda:0")
    out = upscale_images(compact, images, "cuda:0", tile=0, loader=lambda *a: model)
    assert out.shape == (3, 3, 80, 80)
    assert [call[0] for call in model.calls] == [3, 1, 1, 1]  # the batch failed, then frame by frame
    assert torch.allclose(out, reference(compact, images), atol=1e-5)


def test_out_of_memory_on_the_gpu_continues_on_the_cpu(compact):
    images = torch.rand(1, 3, 64, 64)
    real = load_image_model(compact, "cpu")
    models = {"cuda:0": Limited(real, 0, device="cuda:0", always=True), "cpu": real}
    with pytest.warns(ModelFallbackWarning) as warned:
        out = upscale_images(
            compact, images, "cuda:0", tile=128, loader=lambda _l, device, _p: models[device]
        )
    messages = [str(w.message) for w in warned]
    assert any("continuing on the CPU" in m for m in messages)
    assert out.device.type == "cpu" and torch.allclose(out, reference(compact, images), atol=1e-5)


def test_out_of_memory_even_on_the_cpu_is_an_error(compact):
    model = Limited(load_image_model(compact, "cpu"), 0, always=True)
    with pytest.warns(ModelFallbackWarning), pytest.raises(ModelError, match="out of memory even on the CPU"):
        upscale_images(compact, torch.rand(1, 3, 200, 200), "cpu", tile=0, loader=lambda *a: model)


def test_other_errors_are_not_mistaken_for_out_of_memory(compact):
    def broken(*_args):
        raise ValueError("shapes do not match")

    with pytest.raises(ValueError):
        with_cpu_fallback(broken, "cuda:0")

    def gpu_full(device):
        if device != "cpu":
            raise torch.OutOfMemoryError("CUDA out of memory")
        return device

    with pytest.warns(ModelFallbackWarning, match="continuing on the CPU"):
        assert with_cpu_fallback(gpu_full, "cuda:0", "Seg") == "cpu"


@pytest.mark.gpu
def test_on_cuda_models_run_in_half_precision_and_frames_stay_on_the_gpu(compact):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    images = torch.rand(2, 3, 64, 80)
    model = load_image_model(compact, "cuda:0")
    assert model.dtype in (torch.float16, torch.bfloat16)
    out = upscale_images(compact, images, "cuda:0", tile=48, overlap=24)
    assert out.device.type == "cuda" and out.dtype == torch.float32
    assert (out.cpu() - reference(compact, images)).abs().max() < 0.02  # half precision
    resident_models("cuda:0").clear()


def test_small_cpu_work_runs_on_the_calling_thread_alone_and_the_count_comes_back():
    from filmstudio.models.device import SMALL_CPU_WORK, serial_when_small

    before = torch.get_num_threads()
    with serial_when_small(torch.zeros(16, 3, 64, 64)):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with serial_when_small(torch.zeros(SMALL_CPU_WORK)):  # large: every thread, as before
        assert torch.get_num_threads() == before
    try:
        with serial_when_small(torch.zeros(4)):
            raise ValueError("a node failed")
    except ValueError:
        pass
    assert torch.get_num_threads() == before
