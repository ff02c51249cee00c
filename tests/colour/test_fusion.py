"""Fused colour: a run of per-pixel nodes compiled into one operation equals the nodes evaluated
one by one, within 0.5/255 before rounding (so the 8-bit codes written differ by at most one), on
every colour of the 8-bit cube; each node's declared colour map is what its evaluate does."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from filmstudio import colour
from filmstudio.colour.fused import TOLERANCE, NotFusable, compile_fused
from filmstudio.colour.fusion import (
    Affine,
    ColourFunction,
    Curve,
    General,
    display_function,
    to_working_function,
)
from filmstudio.colour.lut_file import lut_pipeline
from filmstudio.core.context import EvalContext, Values
from filmstudio.core.errors import NodeSpecError
from filmstudio.core.node import Input, Node, Output
from filmstudio.core.types import PortType
from tests.colour.reference import smooth_lut_values, write_cube

GAIN, OFFSET = (1.15, 1.0, 0.85), (0.01, 0.0, -0.005)


def graded(*middle) -> ColourFunction:
    """Rec.709 footage -> working space -> ``middle`` -> the default view (a Read, grades, a Write)."""
    return to_working_function("Rec.709").then(ColourFunction(tuple(middle))).then(display_function())


def cube_error(function: ColourFunction, fused, step: int = 1) -> tuple[float, int]:
    """(max difference before rounding in 8-bit codes, codes written that differ) over every
    ``step``-th colour of the 8-bit cube, in slices of 256x256 colours."""
    codes = torch.arange(0, 256, step)
    worst, differing = 0.0, 0
    for red in codes:
        grid = torch.stack(torch.meshgrid(red.view(1), codes, codes, indexing="ij")).reshape(3, -1)
        exact = function.apply(grid.float() / 255).clamp(0, 1).t().numpy()
        ours = np.clip(fused.evaluate(grid.t().numpy().astype(np.uint8)), 0, 1)
        worst = max(worst, float(np.abs(ours - exact).max()) * 255)
        written = fused.apply_packed(grid.t().numpy().astype(np.uint8).reshape(1, -1, 3))[0]
        differing += int((written.astype(int) != np.rint(exact * 255).astype(int)).sum())
        assert np.abs(written.astype(int) - np.rint(exact * 255)).max() <= 1
    return worst, differing


def test_a_grade_between_read_and_write_compiles_to_lookup_matrix_lookup():
    function = graded(Affine.diagonal(GAIN, OFFSET))
    fused = compile_fused(function)
    assert fused.mode == "affine" and fused.max_error <= 0.5  # three matrices multiplied into one
    worst, _ = cube_error(function, fused, step=5)
    assert worst <= TOLERANCE * 255


@pytest.mark.slow
def test_fused_equals_the_chain_on_every_colour_of_the_8bit_cube(tmp_path):
    """The acceptance cube: all 16,777,216 colours, for the three compiled forms."""
    chains = {
        "affine": graded(Affine.diagonal(GAIN, OFFSET)),
        "lut": graded(*display_look(tmp_path).stages),
        "table": ColourFunction((Curve(lambda rgb: rgb.clamp(0, 1).pow(1.3)),)),
    }
    for mode, function in chains.items():
        fused = compile_fused(function)
        assert fused.mode == mode
        worst, differing = cube_error(function, fused)
        assert worst <= TOLERANCE * 255, mode
        # codes differ by one only next to rounding boundaries (2.2% for the lattice, 0.7% for the
        # matrix); a biased rounding would flip half of them
        assert differing < 256**3 * 3 * 0.05, mode


def display_look(folder) -> ColourFunction:
    """A 33³ look LUT that expects and gives Rec.709 (a LUT node's usual setting for a look)."""
    cube = write_cube(folder / "look.cube", smooth_lut_values(33, seed=3))
    rec709 = colour.resolve_space("Rec.709")
    return ColourFunction.of_pipeline(lut_pipeline(str(cube), "best", False, rec709, rec709))


def test_a_3d_look_is_baked_into_a_lattice_and_applied_tetrahedrally(tmp_path):
    function = graded(*display_look(tmp_path).stages)
    fused = compile_fused(function)
    assert fused.mode == "lut" and fused.lattice_size in (33, 65)
    worst, _ = cube_error(function, fused, step=7)
    assert worst <= TOLERANCE * 255


def test_per_channel_chains_are_one_exact_lookup_per_code():
    function = ColourFunction(
        (Curve(lambda rgb: rgb.pow(2.2)), Affine.diagonal((0.9, 1.1, 1.0), (0.02, 0, 0)))
    )
    function = function.then(ColourFunction((Curve(lambda rgb: rgb.clamp_min(0).pow(1 / 2.2)),)))
    fused = compile_fused(function)
    assert fused.mode == "table" and fused.max_error == 0.0
    ramp = np.arange(256, dtype=np.uint8).reshape(1, 256, 1).repeat(3, axis=2)
    exact = function.apply(torch.from_numpy(ramp[0].T.astype(np.float32) / 255)).clamp(0, 1)
    assert np.array_equal(fused.apply_packed(ramp)[0], np.rint(exact.t().numpy() * 255).astype(np.uint8))


def test_16_bit_codes_compile_too():
    function = graded(Affine.diagonal(GAIN, OFFSET))
    fused = compile_fused(function, input_bits=16)
    codes = np.random.default_rng(2).integers(0, 65536, (64, 64, 3), dtype=np.uint16)
    exact = function.apply(torch.from_numpy(codes.reshape(-1, 3).T.astype(np.float32) / 65535)).clamp(0, 1)
    written = fused.apply_packed(codes).reshape(-1, 3).astype(int)
    assert np.abs(written - np.rint(exact.t().numpy() * 255)).max() <= 1


def test_a_chain_no_lattice_can_follow_is_refused_with_the_reason():
    """A gamma in linear light before a display encode bends too sharply near black: evaluated
    exactly instead of approximated beyond 0.5/255."""
    gamma = Curve(lambda rgb: rgb.clamp_min(0.0).pow(1 / 1.3))
    with pytest.raises(NotFusable, match=r"no 3D LUT is close enough .*/255 from the exact chain at input"):
        compile_fused(graded(Affine.diagonal(GAIN), gamma))


def test_the_kernels_write_what_evaluate_rounds():
    mixed = ColourFunction.mixed(ColourFunction((General(lambda rgb: rgb.flip(0)),)), 0.25)
    for function in (graded(Affine.diagonal(GAIN, OFFSET)), graded(*mixed.stages)):
        fused = compile_fused(function)
        codes = np.random.default_rng(5).integers(0, 256, (48, 80, 3), dtype=np.uint8)
        expected = np.floor(np.clip(fused.evaluate(codes), 0, 1) * 255 + 0.5)
        assert np.abs(fused.apply_packed(codes).astype(int) - expected).max() <= 1  # float rounding
        planes = [np.ascontiguousarray(codes[..., c]) for c in range(3)]
        out = [np.empty(codes.shape[:2], np.uint8) for _ in range(3)]
        fused.apply(planes, out)
        assert np.array_equal(np.stack(out, axis=-1), fused.apply_packed(codes))


# --- what nodes declare ---------------------------------------------------------------------------


def opaque(seed: int = 0, size: int = 4096) -> torch.Tensor:
    rgb = torch.rand(3, 1, size, generator=torch.Generator().manual_seed(seed)) * 1.2 - 0.05
    return torch.cat([rgb, torch.ones(1, 1, size)])


@pytest.mark.parametrize(
    ("type_id", "params"),
    [
        ("Grade", {"gain": (1.3, 0.9, 0.7, 1.0), "offset": (0.02, -0.01, 0.0, 0.0)}),
        ("Grade", {"gain": (1.1, 1.0, 0.8, 1.0), "gamma": 1.4, "mix": 0.6}),
        ("ColorCorrector", {"saturation": 1.4, "gamma": 1.2, "contrast": 1.3, "exposure": 0.5}),
        ("ColorCorrector", {"saturation": 0.6, "clamp": True, "gain": 1.4, "mix": 0.5}),
    ],
)
def test_a_nodes_colour_function_is_what_it_evaluates_on_opaque_images(registry, type_id, params):
    node_type = registry.get(type_id)
    values = Values({p.name: p.default for p in node_type.params} | params)
    ctx = EvalContext(type_id, 1, values, connected=frozenset({"source"}))
    function = node_type.shared().colour_function(ctx)
    image = opaque()
    ctx.inputs = {("source", 1): image}
    expected = node_type.shared().evaluate(ctx)[:3]
    assert torch.allclose(function.apply(image[:3]), expected, atol=2e-6)
    masked = EvalContext(type_id, 1, values, connected=frozenset({"source", "mask"}))
    assert node_type.shared().colour_function(masked) is None  # a mask makes it spatial


def test_a_writers_colour_function_is_its_output_transform(registry, tmp_path):
    write = registry.get("Write")
    image = opaque(3)
    for params in ({}, {"preset": "png"}, {"colorspace": "display", "view": "Un-tone-mapped"}):
        values = Values({p.name: p.default for p in write.params} | params)
        ctx = EvalContext("Write1", 1, values)
        expected = write.shared().output_image(image, values, tmp_path / "x")[:3]
        assert torch.allclose(write.shared().colour_function(ctx).apply(image[:3]), expected, atol=2e-6)


def test_per_pixel_declarations_are_checked_when_the_class_is_defined():
    with pytest.raises(NodeSpecError) as error:

        class Broken(Node):
            id = "test.BrokenPerPixel"
            per_pixel = True
            outputs = (Output("value", PortType.NUMBER),)

            def evaluate(self, ctx):
                return 0.0

    problems = str(error.value)
    assert "colour_function(self, ctx) is not implemented" in problems
    assert "first output must be an Image" in problems and "maps an Image input" in problems

    class Fine(Node):
        id = "test.FinePerPixel"
        per_pixel = True
        inputs = (Input("source", PortType.IMAGE),)
        outputs = (Output("image", PortType.IMAGE),)

        def evaluate(self, ctx):
            return ctx.input("source")

        def colour_function(self, ctx):
            return ColourFunction()

    assert Fine.per_pixel and not Node.per_pixel


@pytest.mark.parametrize(("pix_fmt", "depth"), [("yuv420p", 8), ("yuv422p10le", 10)])
def test_footage_decodes_into_the_working_space_by_lookup_as_the_float_path_does(tmp_path, pix_fmt, depth):
    """A Read's 8/10-bit frames go to the working space by a lookup per code and one matrix
    (colour.decode), giving what converting the float image gives, for every kind of curve."""
    from filmstudio.colour.decode import decode_for
    from filmstudio.colour.spaces import working_space
    from filmstudio.media.pool import shared_pool
    from filmstudio.media.working import read_working
    from tests.media.clips import write_clip

    codec = "libx264" if depth == 8 else "prores_ks"
    path = write_clip(tmp_path / "clip.mov", codec=codec, frames=2, width=96, height=64, pix_fmt=pix_fmt)
    clip = shared_pool.open(path)
    for space in ("Rec.709", "sRGB", "ACEScct", "linear"):
        pipeline = colour.conversion(space, working_space())
        assert decode_for(pipeline, 16 if depth > 8 else 8) is not None  # curves and a matrix
        fast = read_working(clip, 1, "error", space)
        reference = colour.to_working(clip.read_tensor(1), space)
        assert fast.shape == reference.shape == (4, 64, 96)
        assert torch.allclose(fast, reference, rtol=1e-5, atol=1e-6), space
