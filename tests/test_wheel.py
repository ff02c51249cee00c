"""FilmStudio as an installed application: the wheel (built with `python -m build`) carries the demo
projects, their media, the font and the desktop files; installed into a fresh virtual environment
it renders a bundled demo from the package alone — run from an empty folder, no repository on
the path. Slow: builds and installs a wheel.

The fresh environment gets the wheel with ``pip install --no-deps`` and reaches the dependencies
(torch, PyAV, OpenColorIO: gigabytes) through a ``.pth`` file naming this environment's
site-packages, instead of downloading them again. That folder holds the development install too,
but only as an ``__editable__`` *finder*, which is activated by a ``.pth`` file of its own — and
``.pth`` files are read only in the environment's own site-packages, not in folders a ``.pth``
adds. So ``import filmstudio`` can only find the wheel's copy, which the test checks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import av
import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
COPY_IGNORES = shutil.ignore_patterns(
    ".venv",
    ".git",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the checkout (the build writes egg-info and build/ folders)."""
    source = tmp_path_factory.mktemp("source") / "filmstudio"
    shutil.copytree(ROOT, source, ignore=COPY_IGNORES)
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: build with this environment's setuptools (no download of build requirements)
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (built,) = out.glob("filmstudio-*.whl")
    return built


def test_the_wheel_carries_the_demos_their_media_and_the_desktop_files(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for shipped in (
        "filmstudio/resources/demo/demo.fsproj",
        "filmstudio/resources/demo/faces.fsproj",
        "filmstudio/resources/demo/animatic.fsproj",
        "filmstudio/resources/demo/media/launch.mp4",
        "filmstudio/resources/fonts/NotoSansCJKsc-Regular-subset.otf",
        "filmstudio/resources/fonts/OFL.txt",
        "filmstudio/resources/desktop/org.filmstudio.FilmStudio.desktop",
        "filmstudio/resources/desktop/org.filmstudio.FilmStudio.metainfo.xml",
        "filmstudio/resources/desktop/icons/org.filmstudio.FilmStudio.svg",
        "filmstudio/resources/desktop/icons/org.filmstudio.FilmStudio-256.png",
        "filmstudio_nodes/__init__.py",
        "filmstudio/templates/animatic.py",
    ):
        assert shipped in names, shipped
    assert not [
        name
        for name in names
        if name.startswith("filmstudio/resources/") and name.endswith("make_demo_media.py")
    ]
    assert wheel.stat().st_size < 8_000_000


def test_the_installed_wheel_renders_a_bundled_demo_with_no_repository_anywhere(wheel, tmp_path):
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        timeout=300,
    )
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env |= {"FILMSTUDIO_DATA_DIR": str(tmp_path / "data"), "XDG_DATA_HOME": str(tmp_path / "share")}

    def run(*args: str) -> str:
        done = subprocess.run(
            [str(environment / "bin" / "filmstudio"), *args],
            capture_output=True,
            text=True,
            cwd=empty,
            env=env,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    where = subprocess.check_output(
        [
            str(python),
            "-c",
            "import filmstudio, filmstudio_nodes; print(filmstudio.__file__, filmstudio_nodes.__file__)",
        ],
        cwd=empty,
        env=env,
        text=True,
    )
    assert all(path.startswith(str(site)) for path in where.split()), where  # the wheel's copy
    assert run("--version").strip() == f"filmstudio {_pyproject_version()}"
    out = run("demo", "--render", str(tmp_path / "demo.mp4"), "--quiet")
    copy = tmp_path / "data" / "demos" / "demo" / "demo.fsproj"
    assert f"from {copy}" in out and (copy.parent / "media" / "launch.mp4").is_file()
    with av.open(str(tmp_path / "demo.mp4")) as container:
        assert container.streams.video[0].frames == 120
    assert "org.filmstudio.FilmStudio.desktop" in run("install-desktop")
    entry = (tmp_path / "share" / "applications" / "org.filmstudio.FilmStudio.desktop").read_text()
    assert f"Exec={environment / 'bin' / 'filmstudio'} %f" in entry


def _pyproject_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
