"""Each OCIO op's torch version equals OCIO's own CPU processor (precise mode)."""

from __future__ import annotations

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch

from filmstudio.colour.pipeline import Pipeline
from tests.colour.reference import ocio_rgb, random_rgb

RAW = ocio.Config.CreateRaw()
WIDE = random_rgb(20000, -0.5, 2.0, seed=1)  # negatives and super-whites too
UNIT = random_rgb(20000, 0.0, 1.0, seed=2)


def torch_path(transform) -> tuple[Pipeline, torch.Tensor, torch.Tensor]:
    """(pipeline, torch result, OCIO result) on WIDE for one transform."""
    pipeline = Pipeline.from_processor(RAW.getProcessor(transform))
    assert pipeline.ops is not None, f"no torch version of {transform}"
    return pipeline, run_ops(pipeline, WIDE), ocio_rgb(transform, WIDE, RAW)


def run_ops(pipeline: Pipeline, rgb: torch.Tensor) -> torch.Tensor:
    out = rgb
    for op in pipeline.ops:
        out = op(out)
    return out


def close(ours: torch.Tensor, reference: torch.Tensor, rel: float = 2e-6, abs_: float = 2e-6) -> None:
    error = (ours - reference).abs()
    bound = abs_ + rel * reference.abs()
    assert bool((error <= bound).all()), f"max error {error.max().item():.3g}"


def inverse(transform):
    transform.setDirection(ocio.TRANSFORM_DIR_INVERSE)
    return transform


def test_matrix_with_offset_and_its_inverse():
    matrix = [0.9, 0.1, 0.05, 0, -0.02, 1.1, 0.03, 0, 0.01, 0.2, 0.8, 0, 0, 0, 0, 1]
    offset = [0.01, -0.02, 0.03, 0]
    for transform in (ocio.MatrixTransform(matrix, offset), inverse(ocio.MatrixTransform(matrix, offset))):
        _, ours, reference = torch_path(transform)
        close(ours, reference, abs_=1e-6)


def test_a_matrix_that_touches_alpha_is_left_to_ocio():
    matrix = [1, 0, 0, 0.5, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    assert Pipeline.from_processor(RAW.getProcessor(ocio.MatrixTransform(matrix, [0, 0, 0, 0]))).ops is None


@pytest.mark.parametrize("style", [ocio.NEGATIVE_CLAMP, ocio.NEGATIVE_MIRROR, ocio.NEGATIVE_PASS_THRU])
@pytest.mark.parametrize("direction", [ocio.TRANSFORM_DIR_FORWARD, ocio.TRANSFORM_DIR_INVERSE])
def test_exponent_with_every_negative_style(style, direction):
    transform = ocio.ExponentTransform([2.2, 1.8, 2.6, 1.0], style, direction)
    _, ours, reference = torch_path(transform)
    close(ours, reference, rel=3e-6)


@pytest.mark.parametrize("style", [ocio.NEGATIVE_LINEAR, ocio.NEGATIVE_MIRROR])
@pytest.mark.parametrize("direction", [ocio.TRANSFORM_DIR_FORWARD, ocio.TRANSFORM_DIR_INVERSE])
@pytest.mark.parametrize("gamma_offset", [(2.4, 0.055), (3.0, 0.16)])  # sRGB, CIE L*
def test_exponent_with_linear_segment(style, direction, gamma_offset):
    gamma, offset = gamma_offset
    transform = ocio.ExponentWithLinearTransform([gamma] * 3 + [1.0], [offset] * 3 + [0.0], style, direction)
    _, ours, reference = torch_path(transform)
    close(ours, reference, rel=3e-6)


@pytest.mark.parametrize(
    "values",
    [
        (0.1, 0.9, -0.2, 1.3),  # min in, max in, min out, max out
        (0.05, None, 0.05, None),  # a lone limit clamps (OCIO wants in == out)
        (None, 0.8, None, 0.8),
    ],
)
@pytest.mark.parametrize("clamp", [True, False])
@pytest.mark.parametrize("direction", [ocio.TRANSFORM_DIR_FORWARD, ocio.TRANSFORM_DIR_INVERSE])
def test_range(values, clamp, direction):
    transform = ocio.RangeTransform()
    for setter, value in zip(("MinIn", "MaxIn", "MinOut", "MaxOut"), values, strict=True):
        if value is not None:
            getattr(transform, f"set{setter}Value")(value)
    if not clamp and None in values:
        pytest.skip("OCIO allows a non-clamping range only with all four limits")
    transform.setStyle(ocio.RANGE_CLAMP if clamp else ocio.RANGE_NO_CLAMP)
    transform.setDirection(direction)
    _, ours, reference = torch_path(transform)
    close(ours, reference)


@pytest.mark.parametrize("direction", [ocio.TRANSFORM_DIR_FORWARD, ocio.TRANSFORM_DIR_INVERSE])
def test_logs(direction):
    transforms = [
        ocio.LogTransform(10.0, direction),
        ocio.LogAffineTransform(
            [0.3, 0.25, 0.2], [0.6, 0.55, 0.5], [1.2, 1.0, 0.9], [0.02, 0.01, 0.05], direction
        ),
        ocio.LogCameraTransform([0.0078125] * 3, 2.0, [0.0570776] * 3, [0.554795] * 3, direction=direction),
        ocio.LogCameraTransform(
            [0.01] * 3, 10.0, [0.25] * 3, [0.6] * 3, [5.0] * 3, [0.05] * 3, [3.0] * 3, direction=direction
        ),
    ]
    for transform in transforms:
        data = UNIT if direction == ocio.TRANSFORM_DIR_INVERSE else WIDE
        pipeline = Pipeline.from_processor(RAW.getProcessor(transform))
        assert pipeline.ops is not None
        ours, reference = run_ops(pipeline, data), ocio_rgb(transform, data, RAW)
        close(ours, reference, rel=1e-5, abs_=1e-5)


@pytest.mark.parametrize("style", [ocio.CDL_ASC, ocio.CDL_NO_CLAMP])
def test_cdl(style):
    transform = ocio.CDLTransform()
    transform.setSlope([1.2, 0.9, 1.05])
    transform.setOffset([0.02, -0.03, 0.0])
    transform.setPower([0.8, 1.25, 1.0])
    transform.setSat(1.3)
    transform.setStyle(style)
    _, ours, reference = torch_path(transform)
    close(ours, reference, rel=3e-6)


@pytest.mark.parametrize("interpolation", [ocio.INTERP_LINEAR, ocio.INTERP_BEST])
def test_lut1d(interpolation):
    length = 37
    ramp = np.linspace(0.0, 1.0, length)
    table = np.stack([ramp**2.2, np.sqrt(ramp), 0.2 + 0.6 * ramp], axis=1).astype(np.float32)
    transform = ocio.Lut1DTransform(length, False)
    transform.setData(table.ravel())
    transform.setInterpolation(interpolation)
    pipeline, ours, reference = torch_path(transform)
    assert any(op.lut for op in pipeline.ops)
    close(ours, reference, abs_=1e-6)


@pytest.mark.parametrize("interpolation", [ocio.INTERP_LINEAR, ocio.INTERP_TETRAHEDRAL, ocio.INTERP_BEST])
def test_lut3d(interpolation):
    from tests.colour.reference import smooth_lut_values

    size = 17
    transform = ocio.Lut3DTransform(size)
    transform.setData(smooth_lut_values(size).ravel())
    transform.setInterpolation(interpolation)
    pipeline, ours, reference = torch_path(transform)
    assert any(op.lut for op in pipeline.ops)
    close(ours, reference, abs_=2e-6)


@pytest.mark.parametrize("kind", ["1d", "3d"])
def test_nearest_lookups_are_left_to_ocio(kind):
    transform = ocio.Lut1DTransform(9, False) if kind == "1d" else ocio.Lut3DTransform(5)
    transform.setData(np.random.default_rng(3).random(transform.getData().shape, dtype=np.float32))
    transform.setInterpolation(ocio.INTERP_NEAREST)
    assert Pipeline.from_processor(RAW.getProcessor(transform)).ops is None


def test_ops_without_a_torch_version_run_through_ocio():
    transform = ocio.FixedFunctionTransform(ocio.FIXED_FUNCTION_RGB_TO_HSV)
    pipeline = Pipeline.from_processor(RAW.getProcessor(transform))
    assert pipeline.ops is None and not pipeline.uses_torch("cpu")
    image = torch.rand(3, 8, 9)
    close(pipeline.apply_rgb(image), ocio_rgb(transform, image, RAW), abs_=1e-6)


def test_the_cpu_processor_never_writes_into_its_input():
    transform = ocio.FixedFunctionTransform(ocio.FIXED_FUNCTION_RGB_TO_HSV)
    pipeline = Pipeline.from_processor(RAW.getProcessor(transform))
    image = torch.rand(3, 30, 17)
    before = image.clone()
    close(pipeline.apply_rgb(image), ocio_rgb(transform, image, RAW), abs_=1e-6)
    assert torch.equal(image, before)  # the input is never written to


@pytest.mark.parametrize(
    "transform",
    [
        ocio.ExponentWithLinearTransform([2.4] * 3 + [1.0], [0.055] * 3 + [0.0]),
        inverse(ocio.ExponentWithLinearTransform([2.4] * 3 + [1.0], [0.055] * 3 + [0.0])),
        ocio.MatrixTransform([0.6, 0.3, 0.1, 0, 0.07, 0.9, 0.03, 0, 0.02, 0.1, 0.88, 0, 0, 0, 0, 1]),
    ],
)
def test_in_place_and_into_give_what_the_op_gives(transform):
    """``apply_`` (converting a tensor handed over) and ``into`` (writing into a strided view of
    a batch, as model outputs are converted) give the op's own result, and ``into`` leaves its
    input alone unless told it may write there."""
    (op,) = Pipeline.from_processor(RAW.getProcessor(transform)).ops
    batch = WIDE.reshape(3, 4, 50, 100).transpose(0, 1).contiguous()  # [N, 3, H, W], as a model makes
    rgb = batch.transpose(0, 1)  # the channel-first view the pipeline takes
    expected = op(rgb.contiguous())
    assert torch.equal(op.apply_(rgb.clone()), expected)
    result = torch.zeros(4, 4, 50, 100)  # RGBA frames: the op writes into their colour planes
    before = batch.clone()
    op.into(rgb, result[:, :3].transpose(0, 1))
    close(result[:, :3].transpose(0, 1), expected, rel=1e-6, abs_=1e-7)
    assert torch.equal(batch, before) and bool((result[:, 3] == 0).all())
