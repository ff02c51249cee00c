"""One default display/view for the viewer and Write: what you grade is what you deliver.

With the built-in config an ungraded Rec.709 clip must show its own code values and export
unchanged; a user's config without that display/view gets its own defaults."""

from __future__ import annotations

import numpy as np
import PyOpenColorIO as ocio
import pytest
import torch

from filmstudio import colour
from filmstudio.core.context import Values
from filmstudio_nodes.io import Write

REC1886, UNTONED = "Rec.1886 Rec.709 - Display", "Un-tone-mapped"
ACES_SDR = "ACES 2.0 - SDR 100 nits (Rec.709)"


@pytest.fixture
def default_config(monkeypatch):
    monkeypatch.delenv("OCIO", raising=False)


def every_8bit_colour(step: int = 5) -> torch.Tensor:
    """Opaque RGBA ``[4, 1, N]`` holding every code 0..255 on the grey axis and a grid of colours."""
    codes = np.arange(0, 256, step)
    grid = np.stack(np.meshgrid(codes, codes, codes, indexing="ij")).reshape(3, -1)
    grey = np.repeat(np.arange(256)[None], 3, axis=0)
    rgb = torch.from_numpy(np.concatenate([grid, grey], axis=1)).float() / 255
    return torch.cat([rgb, torch.ones_like(rgb[:1])])[:, None]


def quantised(values: torch.Tensor) -> torch.Tensor:
    return (values[:3].clamp(0, 1) * 255 + 0.5).floor()


def write_config(path, *, with_rec1886: bool):
    """A user's config: display 'Studio' (first active: the config's default) and, optionally, the
    ACES configs' Rec.1886 display, whose default view is a look and whose second is Un-tone-mapped."""
    config = ocio.Config.CreateRaw()
    config.addColorSpace(ocio.ColorSpace(ocio.REFERENCE_SPACE_SCENE, "lin", encoding="scene-linear"))
    for name, gamma in (("srgb_like", 2.2), ("g24", 2.4), ("film", 3.0)):
        space = ocio.ColorSpace(ocio.REFERENCE_SPACE_SCENE, name)
        space.setTransform(
            ocio.ExponentTransform([gamma, gamma, gamma, 1.0]), ocio.COLORSPACE_DIR_TO_REFERENCE
        )
        config.addColorSpace(space)
    config.setRole("scene_linear", "lin")
    config.addDisplayView("Studio", "Standard", "srgb_like")
    config.addDisplayView("Studio", "Raw", "lin")
    if with_rec1886:
        config.addDisplayView(REC1886, "Film", "film")
        config.addDisplayView(REC1886, UNTONED, "g24")
    config.setActiveDisplays(f"Studio, {REC1886}" if with_rec1886 else "Studio")
    path.write_text(config.serialize())
    return path


def test_the_built_in_default_is_rec1886_without_tone_mapping(default_config):
    assert colour.default_view() == colour.PREFERRED_VIEW == (REC1886, UNTONED)
    assert colour.default_display() == REC1886
    # an empty view means FilmStudio's default on its display, the config's default elsewhere
    assert colour.display_default_view(None) == colour.display_default_view(REC1886) == UNTONED
    assert colour.display_default_view("sRGB - Display") == ACES_SDR


def test_the_default_view_is_the_exact_inverse_of_reading_rec709(default_config):
    encoded = every_8bit_colour()
    working = colour.to_working(encoded, "Rec.709")  # how Read decodes a Rec.709 movie
    shown = colour.display_transform(working, *colour.default_view())
    # float32 noise: a 1e-7 residual of the matrices becomes ~1e-3 through the 1/2.4 power near black
    assert torch.allclose(shown[:3].clamp(0, 1), encoded[:3], atol=2e-3)
    assert torch.equal(quantised(shown), quantised(encoded))  # every 8-bit code comes back
    # the old default (ACES 2.0 tone mapping) is what made the viewer darker than the export
    toned = colour.display_transform(working, "sRGB - Display", ACES_SDR)
    assert (quantised(toned) - quantised(encoded)).abs().mean() > 10


def test_write_auto_encodes_movies_through_the_default_view(default_config):
    working = colour.to_working(every_8bit_colour(), "Rec.709")
    values = Values(preset="h264", colorspace="auto", ocio_colorspace="", display="", view="")
    written = Write().output_image(working, values, None)
    assert torch.equal(written, colour.display_transform(working, *colour.default_view()))
    # ... which with the built-in config is Rec.709, as it always was (to float32 noise near black)
    rec709 = colour.from_working(working, "Rec.709")
    assert torch.allclose(written[:3].clamp(0, 1), rec709[:3].clamp(0, 1), atol=2e-3)
    assert torch.equal(quantised(written), quantised(rec709))
    png = Write().output_image(working, Values(values, preset="png"), None)
    assert torch.equal(png, colour.from_working(working, "sRGB"))  # stills stay sRGB


def test_a_users_config_without_the_display_uses_its_own_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("OCIO", str(write_config(tmp_path / "studio.ocio", with_rec1886=False)))
    assert colour.default_view() == ("Studio", "Standard")
    image = torch.cat([torch.full((3, 1, 1), 0.25), torch.ones(1, 1, 1)])
    shown = colour.display_transform(image)
    assert torch.allclose(shown[:3], torch.full((3, 1, 1), 0.25 ** (1 / 2.2)))


def test_a_users_config_with_the_display_and_view_gets_them(monkeypatch, tmp_path):
    monkeypatch.setenv("OCIO", str(write_config(tmp_path / "aces.ocio", with_rec1886=True)))
    assert colour.default_view() == (REC1886, UNTONED)  # not the config's default display or view
    assert colour.display_default_view(REC1886) == UNTONED
    assert colour.display_default_view("Studio") == "Standard"
