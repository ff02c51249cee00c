"""LUT node: equals OCIO applying the same file, agrees with colour-science, reads every common
format, converts around LUTs that expect another space, and fails clearly on bad files."""

from __future__ import annotations

import os
import warnings

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch

from filmstudio.colour.lut_file import lut_pipeline
from filmstudio.core.errors import EvaluationError
from tests.colour.reference import ocio_rgb, smooth_lut_values, write_cube, write_cube_1d

W, H = 64, 36


@pytest.fixture(scope="module")
def cube(tmp_path_factory):
    """A smooth, non-trivial 33³ .cube LUT and its table (indexed [r, g, b])."""
    values = smooth_lut_values(33, seed=4)
    return write_cube(tmp_path_factory.mktemp("lut") / "look.cube", values), values


def opaque_pixels(project, engine):
    seeded = project.add_node("test.Seeded")
    source = project.connect(seeded, project.add_node("Shuffle", alpha="1"))
    return source, engine.evaluate(source, 1)


def lut_node(project, source, path, **params):
    return project.connect(source, project.add_node("LUT", file=str(path), **params))


@pytest.mark.parametrize(
    ("choice", "interpolation"),
    [("best", ocio.INTERP_BEST), ("linear", ocio.INTERP_LINEAR), ("tetrahedral", ocio.INTERP_TETRAHEDRAL)],
)
def test_matches_ocio_applying_the_same_cube(project, engine, cube, choice, interpolation):
    path, _ = cube
    source, pixels = opaque_pixels(project, engine)
    out = engine.evaluate(lut_node(project, source, path, interpolation=choice), 1)
    expected = ocio_rgb(ocio.FileTransform(str(path), interpolation=interpolation), pixels[:3])
    assert (out[:3] - expected).abs().max().item() <= 1e-5
    assert torch.equal(out[3], pixels[3])


@pytest.mark.parametrize("interpolation", ["linear", "tetrahedral"])
def test_the_torch_path_used_on_gpus_matches_ocio(cube, interpolation):
    path, _ = cube
    pipeline = lut_pipeline(str(path), interpolation)
    assert pipeline.ops is not None and not pipeline.uses_torch("cpu") and pipeline.uses_torch("cuda:0")
    pixels = torch.rand(3, 20000, generator=torch.Generator().manual_seed(1)) * 1.2 - 0.1
    out = pixels
    for op in pipeline.ops:  # what a CUDA frame runs, here on the CPU
        out = op(out)
    expected = ocio_rgb(
        ocio.FileTransform(str(path), interpolation=getattr(ocio, f"INTERP_{interpolation.upper()}")), pixels
    )
    assert (out - expected).abs().max().item() <= 1e-5


@pytest.mark.parametrize(("interpolation", "name"), [("linear", "trilinear"), ("tetrahedral", "tetrahedral")])
def test_agrees_with_colour_science(project, engine, cube, interpolation, name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # colour-science warns that matplotlib is missing
        import colour as colour_science
        from colour.algebra import table_interpolation_tetrahedral, table_interpolation_trilinear

    path, _ = cube
    source, pixels = opaque_pixels(project, engine)
    out = engine.evaluate(lut_node(project, source, path, interpolation=interpolation), 1)
    lut = colour_science.read_LUT(str(path))
    interpolator = table_interpolation_trilinear if name == "trilinear" else table_interpolation_tetrahedral
    rgb = pixels[:3].permute(1, 2, 0).double().numpy()
    expected = lut.apply(rgb, interpolator=interpolator)
    assert np.abs(out[:3].permute(1, 2, 0).double().numpy() - expected).max() <= 1e-5


def test_1d_luts_and_the_inverse(project, engine, tmp_path):
    ramp = np.linspace(0.0, 1.0, 1024)
    path = write_cube_1d(tmp_path / "curve.cube", np.stack([ramp**2.2, ramp**1.8, ramp**2.0], axis=1))
    source, pixels = opaque_pixels(project, engine)
    forward = lut_node(project, source, path)
    out = engine.evaluate(forward, 1)
    assert (out[:3] - ocio_rgb(ocio.FileTransform(str(path)), pixels[:3])).abs().max().item() <= 1e-5
    back = engine.evaluate(lut_node(project, forward, path, inverse=True), 1)
    assert (back[:3] - pixels[:3]).abs().max().item() <= 2e-3  # an inverted 1024-entry curve


def test_3dl_and_clf_files(project, engine, tmp_path, cube):
    _, values = cube
    baker = ocio.Baker()
    baker.setConfig(ocio.Config.CreateFromFile("ocio://default"))
    baker.setFormat("flame")
    baker.setInputSpace("ACEScct")
    baker.setTargetSpace("sRGB Encoded Rec.709 (sRGB)")
    baker.setCubeSize(17)
    (tmp_path / "baked.3dl").write_text(baker.bake())
    lut = ocio.Lut3DTransform(33)
    lut.setData(values.ravel())
    ocio.GroupTransform([lut]).write("Academy/ASC Common LUT Format", str(tmp_path / "look.clf"))
    source, pixels = opaque_pixels(project, engine)
    for name in ("baked.3dl", "look.clf"):
        path = tmp_path / name
        out = engine.evaluate(lut_node(project, source, path), 1)
        expected = ocio_rgb(ocio.FileTransform(str(path), interpolation=ocio.INTERP_BEST), pixels[:3])
        assert (out[:3] - expected).abs().max().item() <= 1e-5, name


def test_a_lut_that_expects_another_space_is_converted_around(project, engine, cube):
    path, _ = cube
    source, pixels = opaque_pixels(project, engine)
    out = engine.evaluate(lut_node(project, source, path, input_space="ACEScct", output_space="Rec.709"), 1)
    group = ocio.GroupTransform(
        [
            ocio.ColorSpaceTransform("ACEScg", "ACEScct"),
            ocio.FileTransform(str(path), interpolation=ocio.INTERP_BEST),
            ocio.ColorSpaceTransform("Gamma 2.4 Encoded Rec.709", "ACEScg"),
        ]
    )
    assert (out[:3] - ocio_rgb(group, pixels[:3])).abs().max().item() <= 1e-5


def test_mix_and_mask(project, engine, cube):
    path, _ = cube
    source, pixels = opaque_pixels(project, engine)
    full = engine.evaluate(lut_node(project, source, path), 1)
    half = engine.evaluate(lut_node(project, source, path, mix=0.5), 1)
    assert torch.allclose(half[:3], (pixels[:3] + full[:3]) / 2, atol=1e-6)
    ramp = project.add_node("Ramp", start_color=(0, 0, 0, 0), end_color=(1, 1, 1, 1))
    masked = project.connect(ramp, lut_node(project, source, path), target_port="mask")
    out = engine.evaluate(masked, 1)
    weight = engine.evaluate(ramp, 1)[3:4]
    assert torch.allclose(out[:3], pixels[:3] + (full[:3] - pixels[:3]) * weight, atol=1e-6)


def test_a_replaced_lut_file_is_read_again(project, engine, tmp_path):
    path = write_cube(tmp_path / "swap.cube", smooth_lut_values(9, seed=1))
    source, pixels = opaque_pixels(project, engine)
    node = lut_node(project, source, path)
    first = engine.evaluate(node, 1)
    write_cube(path, smooth_lut_values(9, seed=2) * 0.5)
    later = path.stat().st_mtime_ns + 10_000_000  # as a later save would (the same size, here)
    os.utime(path, ns=(later, later))
    second = engine.evaluate(node, 1)
    assert not torch.allclose(first, second)
    assert (
        second[:3] - ocio_rgb(ocio.FileTransform(str(path), interpolation=ocio.INTERP_BEST), pixels[:3])
    ).abs().max() <= 1e-5


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "LUT_3D_SIZE 2\n0 0 0\n1 x 0\n",
            r"bad\.cube: is not a LUT OpenColorIO can read \(.*line.*\); check the file",
        ),
        ("LUT_3D_SIZE 3\n0 0 0\n1 1 1\n", r"bad\.cube: is not a LUT OpenColorIO can read"),
        ("", r"bad\.cube: is not a LUT OpenColorIO can read"),
    ],
)
def test_a_malformed_lut_is_a_clear_error(project, engine, tmp_path, content, message):
    (tmp_path / "bad.cube").write_text(content)
    source, _ = opaque_pixels(project, engine)
    with pytest.raises(EvaluationError, match=message):
        engine.evaluate(lut_node(project, source, tmp_path / "bad.cube"), 1)


def test_a_missing_lut_file_and_no_file_are_clear_errors(project, engine, tmp_path):
    source, _ = opaque_pixels(project, engine)
    with pytest.raises(EvaluationError, match=r"gone\.cube: the LUT file does not exist: choose"):
        engine.evaluate(lut_node(project, source, tmp_path / "gone.cube"), 1)
    with pytest.raises(EvaluationError, match="the LUT node has no file"):
        engine.evaluate(project.connect(source, project.add_node("LUT")), 1)
