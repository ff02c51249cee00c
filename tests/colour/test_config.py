"""The OCIO config: $OCIO or the built-in one, names, displays, and clear errors for what is wrong."""

from __future__ import annotations

import subprocess
import sys

import PyOpenColorIO as ocio
import pytest
import torch

from filmstudio import colour
from filmstudio.colour.spaces import chosen_space
from filmstudio.core.errors import ColourConfigError, EvaluationError, UnknownColourSpaceError
from filmstudio.core.project import Project
from filmstudio.engine.engine import Engine
from filmstudio.media.info import ColourTags, guess_colour_space


def write_config(path, scene_linear: bool = True):
    """A small config: 'lin_test' (the reference) and 'gamma_test' (a 2.0 power over it)."""
    config = ocio.Config.CreateRaw()
    linear = ocio.ColorSpace(ocio.REFERENCE_SPACE_SCENE, "lin_test", encoding="scene-linear")
    encoded = ocio.ColorSpace(ocio.REFERENCE_SPACE_SCENE, "gamma_test")
    encoded.setTransform(ocio.ExponentTransform([2.0, 2.0, 2.0, 1.0]), ocio.COLORSPACE_DIR_TO_REFERENCE)
    config.addColorSpace(linear)
    config.addColorSpace(encoded)
    if scene_linear:
        config.setRole("scene_linear", "lin_test")
    path.write_text(config.serialize())
    return path


@pytest.fixture
def default_config(monkeypatch):
    monkeypatch.delenv("OCIO", raising=False)


def test_the_built_in_config_is_used_without_ocio_and_its_scene_linear_is_the_working_space(default_config):
    assert colour.config_source() == colour.DEFAULT_CONFIG == "ocio://default"
    assert colour.working_space_name() == "ACEScg"
    assert colour.working_space().name == "ACEScg"


def test_ocio_environment_variable_selects_the_config(monkeypatch, tmp_path):
    monkeypatch.setenv("OCIO", str(write_config(tmp_path / "studio.ocio")))
    assert colour.working_space_name() == "lin_test"
    assert "gamma_test" in colour.colour_space_names()
    image = torch.cat([torch.full((3, 2, 2), 0.5), torch.ones(1, 2, 2)])
    assert torch.allclose(colour.to_working(image, "gamma_test")[:3], torch.full((3, 2, 2), 0.25))
    with pytest.raises(UnknownColourSpaceError, match=r"unknown colour space 'sRGB'.*'gamma_test'"):
        colour.resolve_space("sRGB")  # this config has neither an sRGB space nor linear Rec.709
    monkeypatch.delenv("OCIO")
    assert colour.working_space_name() == "ACEScg"  # back to the built-in config


def test_a_missing_config_says_so_and_how_to_fix_it(monkeypatch, tmp_path):
    monkeypatch.setenv("OCIO", str(tmp_path / "nowhere.ocio"))
    with pytest.raises(ColourConfigError, match=r"nowhere\.ocio.*\$OCIO.*does not exist.*unset \$OCIO"):
        colour.working_space()


def test_a_broken_config_says_so(monkeypatch, tmp_path):
    broken = tmp_path / "broken.ocio"
    broken.write_text("ocio_profile_version: 2\nroles: [oops\n")
    monkeypatch.setenv("OCIO", str(broken))
    with pytest.raises(ColourConfigError, match=r"broken\.ocio.*cannot be read"):
        colour.to_working(torch.zeros(4, 1, 1), "sRGB")


def test_a_config_without_scene_linear_says_what_to_add(monkeypatch, tmp_path):
    monkeypatch.setenv("OCIO", str(write_config(tmp_path / "roles.ocio", scene_linear=False)))
    with pytest.raises(ColourConfigError, match=r"no 'scene_linear' role.*add 'scene_linear: "):
        colour.working_space()


def test_a_bad_config_fails_the_node_not_the_application(monkeypatch, tmp_path, registry):
    from filmstudio.media import write_image

    write_image(tmp_path / "plate.png", torch.full((4, 4, 4), 0.5))
    project = Project(width=4, height=4, registry=registry)
    read = project.add_node("Read", file=str(tmp_path / "plate.png"))
    monkeypatch.setenv("OCIO", str(tmp_path / "nowhere.ocio"))
    with Engine(project, cpu_workers=1) as engine, pytest.raises(EvaluationError, match="does not exist"):
        engine.evaluate(read, 1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sRGB", "sRGB Encoded Rec.709 (sRGB)"),
        ("Rec.709", "Gamma 2.4 Encoded Rec.709"),
        ("linear", "Linear Rec.709 (sRGB)"),
        ("Display P3", "sRGB Encoded P3-D65"),
        ("ACEScg", "ACEScg"),
        ("ACES2065-1", "ACES2065-1"),
        ("ACEScct", "ACEScct"),
        ("raw", "Raw"),
        ("working", "ACEScg"),
        ("scene_linear", "ACEScg"),
        ("lin_srgb", "Linear Rec.709 (sRGB)"),  # any alias of the config
        ("color_timing", "ACEScct"),  # or role
    ],
)
def test_names_resolve_to_the_config_spaces(default_config, name, expected):
    assert colour.resolve_space(name).name == expected


def test_an_encoding_the_config_lacks_is_built_from_its_linear_space(default_config):
    space = colour.resolve_space("Rec.2020")
    assert (space.name, space.curve, str(space)) == ("Linear Rec.2020", "gamma2.4", "Rec.2020")


@pytest.mark.parametrize(
    "tags",
    [
        ColourTags(primaries="bt709", transfer="bt709", matrix="bt709"),
        ColourTags(transfer="iec61966-2-1"),
        ColourTags(primaries="bt2020", transfer="bt2020-10", matrix="bt2020nc"),
        ColourTags(primaries="smpte432"),
        ColourTags(transfer="smpte2084", primaries="bt2020"),
        ColourTags(transfer="linear"),
        ColourTags(primaries="smpte170m"),
        ColourTags(),
    ],
)
def test_every_probe_guess_the_config_can_hold_resolves(default_config, tags):
    for is_rgb, is_float, height in ((True, False, 1080), (False, True, 1080), (False, False, 480)):
        guess = guess_colour_space(tags, is_rgb=is_rgb, is_float=is_float, height=height)
        assert colour.resolve_space("auto", guess).name in colour.colour_space_names()


def test_a_guess_the_config_cannot_hold_is_a_clear_error(default_config):
    with pytest.raises(
        UnknownColourSpaceError, match=r"looks like Rec\.2100 HLG.*choose the Read's colorspace"
    ):
        colour.resolve_space("auto", "Rec.2100 HLG", what="the Read's colorspace")


def test_auto_without_a_guess_takes_the_default(default_config):
    assert colour.resolve_space("auto", None, default="Rec.709").name == "Gamma 2.4 Encoded Rec.709"
    assert colour.resolve_space("auto", "unknown", default="linear").name == "Linear Rec.709 (sRGB)"


def test_an_unknown_colour_space_lists_what_to_choose(default_config):
    with pytest.raises(
        UnknownColourSpaceError, match=r"'Kodak 5219'.*auto, working, sRGB, Rec\.709.*config.*'ACES2065-1'"
    ):
        colour.resolve_space("Kodak 5219")
    with pytest.raises(UnknownColourSpaceError, match="no OCIO colour space is named"):
        chosen_space("custom", "  ")


def test_displays_and_views(default_config):
    assert colour.displays()[0] == "sRGB - Display"
    views = colour.views("sRGB - Display")
    assert {"Un-tone-mapped", "Raw"} <= set(views)
    assert colour.display_default_view("sRGB - Display") == "ACES 2.0 - SDR 100 nits (Rec.709)"
    with pytest.raises(UnknownColourSpaceError, match=r"unknown display 'CRT'.*'sRGB - Display'"):
        colour.views("CRT")
    with pytest.raises(UnknownColourSpaceError, match=r"unknown view 'Filmic'.*'Un-tone-mapped'"):
        colour.display_transform(torch.zeros(4, 1, 1), "sRGB - Display", "Filmic")


def test_importing_the_package_imports_neither_torch_nor_ocio():
    code = (
        "import sys, filmstudio.colour as c\n"
        "from filmstudio.colour.spaces import COLOUR_SPACES\n"
        "assert c.DEFAULT_CONFIG and COLOUR_SPACES\n"
        "assert not {'torch', 'PyOpenColorIO', 'numpy'} & set(sys.modules), sys.modules.keys()"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_reload_reads_an_edited_config_again(monkeypatch, tmp_path):
    path = write_config(tmp_path / "edited.ocio")
    monkeypatch.setenv("OCIO", str(path))
    image = torch.cat([torch.full((3, 1, 1), 0.5), torch.ones(1, 1, 1)])
    assert colour.to_working(image, "gamma_test")[0].item() == pytest.approx(0.25)
    path.write_text(path.read_text().replace("{value: 2}", "{value: 3}"))
    colour.reload_config()
    assert colour.to_working(image, "gamma_test")[0].item() == pytest.approx(0.125)
