"""A third-party node package, written the way the README tells plugin authors to: one import of
``filmstudio.api``, declarative classes, an entry point. FilmStudio must list it, show its
parameters with the widgets its declarations ask for (never guessed from names), run it through
``filmstudio.testing``, and render through its writer, exactly as for the built-in nodes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from filmstudio import testing
from filmstudio.core.params import PathMode
from filmstudio.core.project import Project
from filmstudio.core.registry import NodeRegistry
from filmstudio.media.stills import read_image_tensor
from filmstudio.render.export import render
from filmstudio.ui.inspector import Inspector
from filmstudio.ui.inspector.basic import PathEditor, TextEditor
from filmstudio.ui.session import EditorSession
from filmstudio_nodes import NODES

PLUGIN = '''
"""Mystudio's nodes for FilmStudio."""

from filmstudio.api import (
    EncodeSettings,
    EvalContext,
    FloatParam,
    Input,
    Node,
    Output,
    PathParam,
    PortType,
    TextParam,
    from_working,
    torch_module,
)


class Notes(Node):
    """Scales its input's colour by ``gain`` (alpha untouched) and carries the artist's notes."""

    id = "mystudio.Notes"
    category = "Mystudio"
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        TextParam("brief", "one\\ntwo", multiline=True),
        TextParam("text", "a plain field, whatever its name"),
        TextParam("display", ""),
        PathParam("sidecar", "notes.txt", mode="save"),
        FloatParam("gain", 1.0, soft_max=4.0),
    )

    def evaluate(self, ctx: EvalContext):
        source = ctx.input("source")
        return torch_module().cat([source[:3] * ctx.params.gain, source[3:]])


class Bake(Node):
    """Bakes frames to a PNG sequence: a writer whose id says nothing about writing."""

    id = "mystudio.Bake"
    category = "Mystudio"
    output_file = "target"
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (PathParam("target", "baked.####.png", mode="save"),)

    def evaluate(self, ctx: EvalContext):
        return ctx.input("source")

    def encode_settings(self, values, fps, first_frame):
        return EncodeSettings(preset="png", fps=fps, first_frame=first_frame)

    def output_image(self, image, values, target):
        return from_working(image, "sRGB")


NODES = (Notes, Bake)
'''


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path holding the plugin package and its distribution metadata (what
    ``pip install`` leaves in site-packages), removed from the process afterwards."""
    site = tmp_path / "site"
    (site / "mystudio_nodes").mkdir(parents=True)
    (site / "mystudio_nodes" / "__init__.py").write_text(PLUGIN)
    info = site / "mystudio_nodes-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mystudio-nodes\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[filmstudio.nodes]\nmystudio = mystudio_nodes\n")
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("mystudio_nodes", None)


@pytest.fixture
def plugin_registry(plugin_site: Path) -> NodeRegistry:
    registry = NodeRegistry(NODES)
    registry.load_entry_points()
    assert not registry.load_errors
    return registry


def test_filmstudio_nodes_lists_an_installed_plugin(plugin_site):
    environment = {**os.environ, "PYTHONPATH": str(plugin_site)}
    listed = subprocess.run(
        [sys.executable, "-m", "filmstudio.cli", "nodes"], capture_output=True, text=True, env=environment
    )
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[1]: line for line in listed.stdout.splitlines()}
    assert "mystudio.Notes" in lines and "mystudio.Bake" in lines and "Read" in lines
    assert "in[source:Image]" in lines["mystudio.Notes"]


def test_the_inspector_shows_the_widgets_the_plugin_declares(plugin_registry, qtbot, monkeypatch):
    project = Project(fps=24, frame_range=(1, 4), width=32, height=18, registry=plugin_registry)
    notes = project.add_node("mystudio.Notes")
    bake = project.add_node("mystudio.Bake")
    session = EditorSession(project, engine_options={"cpu_workers": 1})
    panel = Inspector(session)
    qtbot.addWidget(panel)
    try:
        session.select([notes.uuid])
        brief, text, display = (panel.row(name).editor for name in ("brief", "text", "display"))
        assert isinstance(brief, TextEditor) and brief.box is not None and brief.line is None
        assert brief.box.toPlainText() == "one\ntwo"
        assert isinstance(text, TextEditor) and text.line is not None and text.box is None
        assert isinstance(display, TextEditor)  # not an OCIO display combo: nothing declared it
        sidecar = panel.row("sidecar").editor
        assert isinstance(sidecar, PathEditor) and sidecar.mode is PathMode.SAVE

        asked = []

        def save_dialog(parent, title, start, file_filter):
            asked.append(title)
            return "/renders/shot010.####.png", file_filter

        monkeypatch.setattr("filmstudio.ui.inspector.basic.QFileDialog.getSaveFileName", save_dialog)
        session.select([bake.uuid])
        target = panel.row("target").editor
        target.browse.click()
        assert asked == ["Target"]  # the save dialog, though the id does not start with "write"
        assert bake["target"] == "/renders/shot010.####.png"
    finally:
        session.close()


def test_filmstudio_testing_runs_the_plugin_through_the_engine(plugin_registry):
    notes_type = plugin_registry.get("mystudio.Notes")
    image = torch.rand(4, 6, 10)
    doubled = testing.evaluate(notes_type, {"gain": 2.0}, {"source": image})
    assert torch.allclose(doubled[:3], image[:3] * 2) and torch.equal(doubled[3], image[3])
    ramp = {frame: image * frame for frame in (1, 2, 3)}
    frames = testing.evaluate_frames(notes_type, [1, 2, 3], {"gain": {1: 1.0, 3: 3.0}}, {"source": ramp})
    for frame, result in zip((1, 2, 3), frames, strict=True):
        assert torch.allclose(result[:3], image[:3] * frame * frame)  # gain keyed 1 -> 3: the frame
        assert torch.allclose(result[3], image[3] * frame)


def test_a_plugin_writer_renders_like_the_built_in_write(plugin_registry, tmp_path):
    project = Project(fps=24, frame_range=(1, 3), width=16, height=8, registry=plugin_registry)
    source = project.add_node("Constant", color=(0.18, 0.18, 0.18, 1.0))
    notes = project.connect(source, project.add_node("mystudio.Notes", gain=2.0))
    renders = tmp_path / "renders"
    renders.mkdir()
    project.connect(notes, project.add_node("mystudio.Bake", target=str(renders / "baked.####.png")))
    result = render(project)
    assert result.frames == 3
    written = read_image_tensor(renders / "baked.0002.png")
    srgb_of_036 = 1.055 * 0.36 ** (1 / 2.4) - 0.055  # 0.36 linear, through the sRGB curve
    assert written[:3].mean().item() == pytest.approx(srgb_of_036, abs=1.5 / 255)
    assert sorted(p.name for p in renders.iterdir()) == [f"baked.000{i}.png" for i in (1, 2, 3)]


def test_a_plugin_module_imports_only_the_public_api():
    source = textwrap.dedent(PLUGIN)
    assert "from filmstudio.api import" in source
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["from filmstudio.api import ("]
