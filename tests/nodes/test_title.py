"""Title: placement, alignment, size, opacity, premultiplied over, box, lines, proxies, fonts."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from filmstudio.core.errors import EvaluationError
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine

W, H = 64, 36  # the `project` fixture's format


def ink_box(image: torch.Tensor, threshold: float = 0.5) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) pixel edges of where alpha exceeds ``threshold``."""
    rows = torch.nonzero((image[3] > threshold).any(dim=1)).flatten()
    cols = torch.nonzero((image[3] > threshold).any(dim=0)).flatten()
    assert rows.numel() and cols.numel(), "no text was drawn"
    return cols[0].item(), rows[0].item(), cols[-1].item() + 1, rows[-1].item() + 1


def centre(box: tuple[int, int, int, int]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def downsample2(image: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(image.unsqueeze(0), 2)[0]


def mean_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a - b).abs().mean().item()


def title(project, source=None, **params):
    node = project.add_node("Title", **params)
    if source is not None:
        project.connect(source, node)
    return node


@pytest.fixture
def grey(project):
    return project.add_node("Constant", color=(0.2, 0.4, 0.6, 1.0))


# --- placement -----------------------------------------------------------------------------------


@pytest.mark.parametrize("position", [(0.5, 0.5), (0.3, 0.4), (0.7, 0.65)])
def test_centred_text_is_centred_on_the_position(project, engine, position):
    image = engine.evaluate(title(project, text="HOH", size=12, position=position), frame=1)
    assert image.shape == (4, H, W)
    x, y = centre(ink_box(image))
    assert x == pytest.approx(position[0] * W, abs=1.5)
    assert y == pytest.approx(position[1] * H, abs=1.5)


def test_left_and_right_align_put_that_edge_on_the_position(project, engine):
    left = ink_box(engine.evaluate(title(project, text="HOH", size=12, position=(0.2, 0.5), align="left"), 1))
    right = ink_box(
        engine.evaluate(title(project, text="HOH", size=12, position=(0.8, 0.5), align="right"), 1)
    )
    assert left[0] == pytest.approx(0.2 * W, abs=2)  # within the letters' side bearings
    assert right[2] == pytest.approx(0.8 * W, abs=2)
    assert left[2] - left[0] == pytest.approx(right[2] - right[0], abs=1)


def test_lines_are_aligned_within_the_block(project, engine):
    """Right-aligned lines of different lengths end at the same place."""
    image = engine.evaluate(title(project, text="H\nHOH", size=10, position=(0.8, 0.5), align="right"), 1)
    top, bottom = image[:, : H // 2], image[:, H // 2 :]
    assert ink_box(top)[2] == pytest.approx(ink_box(bottom)[2], abs=1)
    assert ink_box(top)[0] > ink_box(bottom)[0] + 8


def test_bigger_size_makes_proportionally_bigger_text(project, engine):
    small = ink_box(engine.evaluate(title(project, text="HH", size=12, position=(0.5, 0.5)), 1))
    big = ink_box(engine.evaluate(title(project, text="HH", size=24, position=(0.5, 0.5)), 1))
    assert (big[3] - big[1]) / (small[3] - small[1]) == pytest.approx(2.0, rel=0.15)
    assert (big[2] - big[0]) / (small[2] - small[0]) == pytest.approx(2.0, rel=0.15)
    assert centre(big) == pytest.approx(centre(small), abs=1.5)


def test_more_lines_make_a_taller_block(project, engine):
    one = ink_box(engine.evaluate(title(project, text="HH", size=10, position=(0.5, 0.5)), 1))
    two = ink_box(engine.evaluate(title(project, text="HH\nHH", size=10, position=(0.5, 0.5)), 1))
    wide = ink_box(
        engine.evaluate(title(project, text="HH\nHH", size=10, position=(0.5, 0.5), line_spacing=2), 1)
    )
    # a second line adds one baseline-to-baseline step: size * line_spacing
    assert two[3] - two[1] == pytest.approx(one[3] - one[1] + 10 * 1.2, abs=1.5)
    assert wide[3] - wide[1] == pytest.approx(one[3] - one[1] + 10 * 2.0, abs=1.5)
    assert centre(two)[1] == pytest.approx(H / 2, abs=1.5)  # the block stays centred on the position


def test_animated_position_moves_the_text(project, engine):
    node = title(project, text="H", size=10)
    node.set_keyframe("position", 1, (0.25, 0.5))
    node.set_keyframe("position", 11, (0.75, 0.5))
    xs = [centre(ink_box(engine.evaluate(node, frame)))[0] for frame in (1, 6, 11)]
    assert xs == pytest.approx([0.25 * W, 0.5 * W, 0.75 * W], abs=1.5)


def test_text_partly_or_wholly_outside_the_frame_is_clipped(project, engine, grey):
    source = engine.evaluate(grey, 1)
    partly = engine.evaluate(title(project, grey, text="HOHOH", size=12, position=(0.98, 0.5)), 1)
    assert ink_box(partly)[2] == W and not torch.equal(partly, source)
    outside = engine.evaluate(title(project, grey, text="HOH", size=12, position=(1.6, 0.5)), 1)
    assert torch.equal(outside, source)


def test_anamorphic_text_is_squeezed_to_look_right_on_the_display(registry):
    """On 2:1 pixels the text is half as many pixels wide, and as many pixels tall."""
    boxes = []
    for aspect in (1.0, 2.0):
        project = Project(frame_range=(1, 10), width=64, height=36, pixel_aspect=aspect, registry=registry)
        with Engine(project, cpu_workers=1) as engine:
            image = engine.evaluate(title(project, text="HOHO", size=12, position=(0.5, 0.5)), 1)
        boxes.append(ink_box(image))
    square, squeezed = boxes
    assert (squeezed[2] - squeezed[0]) == pytest.approx((square[2] - square[0]) / 2, abs=1.5)
    assert (squeezed[1], squeezed[3]) == (square[1], square[3])
    assert centre(squeezed)[0] == pytest.approx(W / 2, abs=1.5)


# --- colour and compositing ----------------------------------------------------------------------


def test_text_over_nothing_is_the_premultiplied_colour_on_transparent_black(project, engine):
    color = (0.9, 0.5, 0.1, 0.8)
    image = engine.evaluate(title(project, text="HOH", size=16, position=(0.5, 0.5), color=color), 1)
    coverage = image[3] / color[3]
    assert coverage.max().item() == pytest.approx(1.0)
    assert 0 < ((coverage > 0.05) & (coverage < 0.95)).sum() < (coverage > 0.05).sum()  # antialiased
    for c in range(3):
        assert torch.allclose(image[c], color[c] * color[3] * coverage, atol=1e-6)
    assert torch.equal(image[:, :, :4], torch.zeros(4, H, 4))


@pytest.mark.parametrize("source_color", [(0.2, 0.4, 0.6, 1.0), (0.1, 0.05, 0.2, 0.5)])
def test_text_is_premultiplied_over_the_source(project, engine, source_color):
    source_node = project.add_node("Constant", color=source_color)
    params = {"text": "HOH", "size": 16, "position": (0.5, 0.5), "color": (1.0, 0.5, 0.0, 1.0)}
    layer = engine.evaluate(title(project, **params), 1)
    source = engine.evaluate(source_node, 1)
    out = engine.evaluate(title(project, source_node, **params), 1)
    assert torch.allclose(out, layer + source * (1 - layer[3:4]), atol=1e-6)
    opaque = layer[3] == 1.0
    assert opaque.any()
    assert torch.allclose(out[:, opaque], torch.tensor([[1.0], [0.5], [0.0], [1.0]]).expand(4, -1))
    assert torch.equal(out[:, :, :4], source[:, :, :4])  # untouched far from the text


def test_opacity_fades_the_title(project, engine, grey):
    params = {"text": "HOH", "size": 16, "position": (0.5, 0.5), "box": True}
    full = engine.evaluate(title(project, **params), 1)
    half = engine.evaluate(title(project, **params, opacity=0.5), 1)
    assert torch.allclose(half, full * 0.5, atol=1e-6)
    source = engine.evaluate(grey, 1)
    assert torch.equal(engine.evaluate(title(project, grey, **params, opacity=0.0), 1), source)


def test_animated_opacity_fades_in(project, engine):
    node = title(project, text="HOH", size=16, position=(0.5, 0.5))
    node.set_keyframe("opacity", 1, 0.0)
    node.set_keyframe("opacity", 11, 1.0)
    peaks = [engine.evaluate(node, frame)[3].max().item() for frame in (1, 6, 11)]
    assert peaks == pytest.approx([0.0, 0.5, 1.0], abs=1e-6)


def test_box_is_drawn_behind_the_text_with_its_colour(project, engine):
    box_color = (0.1, 0.2, 0.3, 0.6)
    params = {"text": "HOH", "size": 10, "position": (0.5, 0.5)}
    text_only = engine.evaluate(title(project, **params), 1)
    boxed = engine.evaluate(title(project, **params, box=True, box_color=box_color, box_padding=4), 1)
    premultiplied = torch.tensor([0.1 * 0.6, 0.2 * 0.6, 0.3 * 0.6, 0.6])
    inside = ink_box(boxed, threshold=0.3)
    text = ink_box(text_only)
    # the box surrounds the text by the padding (plus the letters' side bearings)
    assert inside[0] <= text[0] - 4 and inside[2] >= text[2] + 4
    assert inside[1] <= text[1] - 4 and inside[3] >= text[3] + 4
    assert inside[0] == pytest.approx(text[0] - 4, abs=2.5) and inside[2] == pytest.approx(
        text[2] + 4, abs=2.5
    )
    # box colour where there is no text, the text's own colour where the text is opaque
    assert torch.allclose(boxed[:, inside[1] + 1, inside[0] + 1], premultiplied, atol=1e-6)
    opaque = text_only[3] == 1.0
    assert torch.allclose(boxed[:, opaque], text_only[:, opaque])
    assert torch.allclose(
        boxed, text_only + boxed_layer_only(engine, project, params, box_color) * (1 - text_only[3:4])
    )
    assert torch.equal(boxed[:, :, :2], torch.zeros(4, H, 2))  # nothing outside the box


def boxed_layer_only(engine, project, params, box_color):
    """The box alone: a title whose text is fully transparent."""
    node = title(project, **params, color=(1, 1, 1, 0), box=True, box_color=box_color, box_padding=4)
    return engine.evaluate(node, 1)


@pytest.mark.parametrize("text", ["", "   ", "\n \n"])
def test_empty_text_changes_nothing(project, engine, grey, text):
    assert torch.equal(
        engine.evaluate(title(project, grey, text=text, box=True), 1), engine.evaluate(grey, 1)
    )
    assert torch.equal(engine.evaluate(title(project, text=text, box=True), 1), torch.zeros(4, H, W))


# --- proxies ---------------------------------------------------------------------------------------


def test_half_proxy_looks_like_the_full_render_shrunk(project, engine, grey):
    node = title(project, grey, text="Hello", size=16, position=(0.5, 0.5), box=True, box_padding=3)
    full = engine.evaluate(node, frame=1)
    half = engine.evaluate(node, frame=1, scale=0.5)
    assert half.shape == (4, H // 2, W // 2)
    error = mean_abs(half, downsample2(full))
    # what ignoring the proxy would give: full-resolution sizes drawn in proxy pixels
    unscaled = title(project, grey, text="Hello", size=32, position=(0.5, 0.5), box=True, box_padding=6)
    assert error < 0.005
    assert error < 0.05 * mean_abs(engine.evaluate(unscaled, frame=1, scale=0.5), downsample2(full))


@pytest.mark.parametrize("scale", [0.1, 0.3, 2.0])
def test_other_proxy_scales_keep_the_text_in_place(project, engine, scale):
    node = title(project, text="HOH", size=16, position=(0.5, 0.5))
    full = ink_box(engine.evaluate(node, frame=1))
    image = engine.evaluate(node, frame=1, scale=scale)
    assert image.shape == (4, max(1, round(H * scale)), max(1, round(W * scale)))
    coverage = image[3].sum().item() / scale**2
    assert coverage == pytest.approx(engine.evaluate(node, frame=1)[3].sum().item(), rel=0.1)
    if scale > 1:
        box = ink_box(image)
        assert [edge / scale for edge in box] == pytest.approx(full, abs=1.0)


# --- fonts -----------------------------------------------------------------------------------------


def test_a_missing_font_file_is_a_clear_error(project, engine):
    node = title(project, text="Hi", font="/nowhere/Missing-Font.ttf")
    with pytest.raises(EvaluationError, match=r"Missing-Font\.ttf.*not found.*built-in font"):
        engine.evaluate(node, 1)


def test_a_file_that_is_not_a_font_is_a_clear_error(project, engine, tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"this is not a font")
    with pytest.raises(EvaluationError, match=r"broken\.ttf.*could not be read as a font"):
        engine.evaluate(title(project, text="Hi", font=str(broken)), 1)


def test_a_font_file_is_used(project, engine, tmp_path):
    """The built-in font saved as a file draws what the default draws (Pillow may lay a font file
    out with Raqm rather than its basic layout, so allow a sub-pixel difference)."""
    from PIL import ImageFont

    path = tmp_path / "Aileron.otf"
    path.write_bytes(ImageFont.load_default(size=10).path.getvalue())
    params = {"text": "HOH", "size": 12, "position": (0.5, 0.5)}
    from_file = engine.evaluate(title(project, **params, font=str(path)), 1)
    built_in = engine.evaluate(title(project, **params), 1)
    assert ink_box(from_file) == pytest.approx(ink_box(built_in), abs=1)
    assert from_file[3].sum().item() == pytest.approx(built_in[3].sum().item(), rel=0.05)


def test_importing_the_node_imports_neither_torch_nor_pillow():
    code = "import sys, filmstudio_nodes.title; assert not {'torch', 'PIL'} & set(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
