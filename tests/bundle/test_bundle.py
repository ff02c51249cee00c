"""The installed application's own files: shipped data found through the package (not the
repository), writable copies of the bundled demos, and the desktop entry with its icons."""

from __future__ import annotations

import configparser
import importlib.resources
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

from filmstudio import __version__
from filmstudio.bundle import demos, desktop
from filmstudio.cli import main
from filmstudio.core.errors import FilmStudioError
from filmstudio.core.resources import ResourceError, resource_path
from filmstudio.subtitles import subtitle_font


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("FILMSTUDIO_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_shipped_files_are_found_through_the_package():
    package = Path(str(importlib.resources.files("filmstudio.resources")))
    assert resource_path("demo", "demo.fsproj") == package / "demo" / "demo.fsproj"
    assert subtitle_font() == package / "fonts" / "NotoSansCJKsc-Regular-subset.otf"
    assert subtitle_font().stat().st_size > 1_000_000
    for demo in demos.DEMOS.values():
        assert demos.bundled_demo(demo.name).is_file()
        for relative in demo.files:
            assert (package / "demo" / relative).is_file()
    with pytest.raises(ResourceError, match="the shipped file demo/nothing.fsproj is missing"):
        resource_path("demo", "nothing.fsproj")


def test_every_package_of_the_checkout_is_in_the_wheel():
    """pyproject lists the packages (the nodes and the data are mapped from other folders, so
    they cannot be discovered): a package left off the list would be missing from the wheel."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(root).parts).replace("nodes", "filmstudio_nodes", 1)
        for folder in ("filmstudio", "nodes")
        for init in (root / folder).rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"


def test_a_demo_is_copied_once_with_its_media_and_kept_until_asked_fresh(data_dir):
    path = demos.writable_demo("demo")
    assert path == data_dir / "demos" / "demo" / "demo.fsproj"
    assert path.read_bytes() == demos.bundled_demo("demo").read_bytes()
    assert (path.parent / "media" / "launch.mp4").stat().st_size > 100_000
    path.write_text(path.read_text().replace('"Caption"', '"MyCaption"'))  # the artist's edit
    assert "MyCaption" in demos.writable_demo("demo").read_text()  # kept
    assert "MyCaption" not in demos.writable_demo("demo", fresh=True).read_text()
    assert [p.name for p in (data_dir / "demos").iterdir()] == ["demo"]  # no staging left behind
    with pytest.raises(
        FilmStudioError, match="there is no demo 'trailer': the demos are demo, faces, animatic"
    ):
        demos.writable_demo("trailer")


def test_install_desktop_writes_the_entry_metainfo_mime_type_and_icons(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    home = tmp_path / "share"
    assert main(["install-desktop"]) == 0
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(home / "applications" / "org.filmstudio.FilmStudio.desktop")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Icon"] == "org.filmstudio.FilmStudio"
    program = section["Exec"].removesuffix(" %f")
    assert os.access(program.split()[0], os.X_OK) and "@" not in section["Exec"]  # this install's program
    metainfo = ET.parse(home / "metainfo" / "org.filmstudio.FilmStudio.metainfo.xml").getroot()
    assert metainfo.findtext("id") == "org.filmstudio.FilmStudio"
    assert metainfo.find("releases/release").get("version") == __version__  # the one version
    assert metainfo.find("launchable").text == "org.filmstudio.FilmStudio.desktop"
    mime = ET.parse(home / "mime" / "packages" / "org.filmstudio.FilmStudio.xml").getroot()
    assert mime[0].get("type") == "application/x-filmstudio-project"
    icons = home / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / "org.filmstudio.FilmStudio.svg").read_text().startswith("<svg")
    for size in desktop.ICON_SIZES:
        with Image.open(icons / f"{size}x{size}" / "apps" / "org.filmstudio.FilmStudio.png") as icon:
            assert icon.size == (size, size)
    written = [Path(line[6:]) for line in capsys.readouterr().out.splitlines() if line.startswith("wrote ")]
    assert len(written) == 4 + len(desktop.ICON_SIZES) and all(path.is_file() for path in written)
    assert main(["install-desktop", "--uninstall"]) == 0
    assert not any(path.exists() for path in written)  # the desktop's own caches may stay
