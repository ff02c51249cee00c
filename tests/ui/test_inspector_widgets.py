"""Each parameter widget sets its values: choice, bool, text, path, colour (fields, sliders,
swatch, wheel), vector; and the inspector's look on the demo project (a screenshot)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication

from filmstudio.core.node import Input, Node, Output
from filmstudio.core.params import ColorParam, PathMode
from filmstudio.core.project import Project
from filmstudio.core.types import PortType
from filmstudio.ui.inspector import Inspector
from filmstudio.ui.inspector.basic import PathEditor, TextEditor
from filmstudio.ui.inspector.color import ColorEditor
from filmstudio.ui.inspector.numeric import VectorEditor
from filmstudio.ui.inspector.wheel import join_rgb, split_rgb
from filmstudio.ui.session import EditorSession
from tests.ui.test_inspector import drag, type_into

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo.fsproj"


def show(session, node) -> None:
    session.select([node.uuid])


def test_choice_and_bool_widgets(session, inspector, qtbot):
    blur, title = session.graph.create("Blur"), session.graph.create("Title")
    show(session, blur)
    combo = inspector.row("filter").editor.combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["gaussian", "box"]
    combo.setCurrentIndex(1)
    assert blur["filter"] == "box"
    session.undo_stack.undo()
    assert combo.currentText() == "gaussian"

    show(session, title)
    check = inspector.row("box").editor.check
    assert inspector.row("box").key_button is None
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(6, check.height() // 2))
    assert title["box"] is True


def test_text_widgets_commit_once_per_edit(session, inspector, qtbot):
    title, write = session.graph.create("Title"), session.graph.create("Write")
    show(session, title)
    editor = inspector.row("text").editor
    assert isinstance(editor, TextEditor) and editor.box is not None  # prose: several lines
    steps = session.undo_stack.count()
    editor.box.setFocus()
    editor.box.selectAll()
    qtbot.keyClicks(editor.box, "Opening")
    qtbot.keyClick(editor.box, Qt.Key.Key_Return)  # a new line, not a commit
    qtbot.keyClicks(editor.box, "Night")
    assert title["text"] == "Title"
    qtbot.keyClick(editor.box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert title["text"] == "Opening\nNight"
    assert session.undo_stack.count() == steps + 1
    editor.box.clearFocus()  # focus out with nothing changed: no second step
    assert session.undo_stack.count() == steps + 1
    session.undo_stack.undo()
    assert editor.box.toPlainText() == "Title"

    show(session, write)
    line = inspector.row("file").editor.line
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, "out/final.mov")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert write["file"] == "out/final.mov"


def test_path_widget_browses_open_or_save_and_stores_project_relative_paths(
    session, inspector, qtbot, tmp_path, monkeypatch
):
    session.project.path = tmp_path / "shot.fsproj"
    read, write, title = (session.graph.create(t) for t in ("Read", "Write", "Title"))
    show(session, read)
    editor = inspector.row("file").editor
    assert isinstance(editor, PathEditor) and editor.mode is PathMode.OPEN
    monkeypatch.setattr(PathEditor, "ask_path", lambda self: str(tmp_path / "media" / "plate.mov"))
    qtbot.mouseClick(editor.browse, Qt.MouseButton.LeftButton)
    assert read["file"] == "media/plate.mov"
    assert editor.line.text() == "media/plate.mov"

    show(session, write)
    assert inspector.row("file").editor.mode is PathMode.SAVE
    monkeypatch.setattr(PathEditor, "ask_path", lambda self: "/elsewhere/final.mov")
    inspector.row("file").editor.browse.click()
    assert write["file"] == "/elsewhere/final.mov"
    monkeypatch.setattr(PathEditor, "ask_path", lambda self: "")  # cancelled
    inspector.row("file").editor.browse.click()
    assert write["file"] == "/elsewhere/final.mov"

    assert title.type.param("font").path_mode is PathMode.OPEN


def test_colour_fields_sliders_and_swatch(session, inspector, qtbot, monkeypatch):
    grade = session.graph.create("Grade")
    show(session, grade)
    editor = inspector.row("gain").editor
    assert isinstance(editor, ColorEditor)
    assert len(editor.spins) == 4 and len(editor.sliders) == 4
    type_into(qtbot, editor.spins[1], "1.5")
    assert grade["gain"] == (1.0, 1.5, 1.0, 1.0)

    editor.set_expanded(True)
    assert editor.details.isVisible()
    steps = session.undo_stack.count()
    drag(qtbot, editor.sliders[0], [0.1, 0.2, 0.5])  # red over the soft range 0..4
    assert grade["gain"][0] == pytest.approx(2.0, abs=0.1)
    assert grade["gain"][1:] == (1.5, 1.0, 1.0)
    assert session.undo_stack.count() == steps + 1
    assert editor.spins[0].value() == pytest.approx(grade["gain"][0])

    monkeypatch.setattr(ColorEditor, "ask_colour", lambda self, initial: QColor.fromRgbF(0.2, 0.4, 0.6, 1.0))
    qtbot.mouseClick(editor.swatch, Qt.MouseButton.LeftButton)
    assert grade["gain"] == pytest.approx((0.2, 0.4, 0.6, 1.0), abs=1e-3)
    assert editor.swatch.colour.greenF() == pytest.approx(0.4, abs=1e-2)
    session.undo_stack.undo()
    assert editor.spins[0].value() == pytest.approx(grade["gain"][0])

    # the expanded state survives reselection, per node type
    blur = session.graph.create("Blur")
    show(session, blur)
    show(session, grade)
    assert inspector.row("gain").editor.expanded and not inspector.row("offset").editor.expanded


def test_colour_wheel_splits_master_and_hue_and_drags_in_one_step(session, inspector, qtbot):
    for rgb in ((1.0, 1.0, 1.0), (1.12, 1.02, 0.88), (-0.1, 0.3, 2.0)):
        assert join_rgb(*split_rgb(rgb)) == pytest.approx(rgb)
    master, x, y = split_rgb((1.5, 0.75, 0.75))  # pushed toward red: the positive x axis
    assert master == pytest.approx(1.0) and x > 0 and y == pytest.approx(0.0, abs=1e-9)

    grade, blur = session.graph.create("Grade"), session.graph.create("Blur")
    show(session, grade)
    wheel = inspector.row("gain").editor.wheel
    assert wheel is not None and inspector.row("offset").editor.wheel is not None
    inspector.row("gain").editor.set_expanded(True)
    steps = session.undo_stack.count()
    disc = wheel.disc
    centre = QPoint(disc.width() // 2, disc.height() // 2)
    qtbot.mousePress(disc, Qt.MouseButton.LeftButton, pos=centre)
    for dx in (5, 10, 20, 30):
        qtbot.mouseMove(disc, centre + QPoint(dx, 0))  # toward red
    qtbot.mouseRelease(disc, Qt.MouseButton.LeftButton, pos=centre + QPoint(30, 0))
    r, g, b, a = grade["gain"]
    assert r > 1.2 and g < 1.0 and b == pytest.approx(g) and a == 1.0
    assert (r + g + b) / 3 == pytest.approx(1.0)  # the master level stays
    assert session.undo_stack.count() == steps + 1
    qtbot.mouseDClick(disc, Qt.MouseButton.LeftButton, pos=centre)  # neutralise
    assert grade["gain"] == pytest.approx((1.0, 1.0, 1.0, 1.0))
    show(session, blur)
    assert "size" in inspector.rows  # no wheel rows outside grading names


class LiftGammaGain(Node):
    """Stands in for issue 5's ColorCorrector: the four grading colours."""

    id = "test.LiftGammaGain"
    category = "Test"
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        ColorParam("lift", (0.0, 0.0, 0.0, 0.0), soft_min=-1.0, soft_max=1.0, wheel=0.25),
        ColorParam("gamma", (1.0, 1.0, 1.0, 1.0), minimum=0.01, soft_max=4.0, wheel=0.5),
        ColorParam("gain", (1.0, 1.0, 1.0, 1.0), soft_min=0.0, soft_max=4.0, wheel=0.5),
        ColorParam("offset", (0.0, 0.0, 0.0, 0.0), soft_min=-1.0, soft_max=1.0, wheel=0.25),
        ColorParam("tint", (1.0, 1.0, 1.0, 1.0)),  # no wheel declared: none shown
    )

    def evaluate(self, ctx: Any) -> Any:
        return ctx.input("source")


def test_colours_declared_with_wheels_get_wheels_whose_master_keeps_the_balance(session, inspector, qtbot):
    node = session.graph.create(LiftGammaGain)
    node.set("lift", (0.1, 0.0, -0.1, 0.0))
    show(session, node)
    assert all(inspector.row(name).editor.wheel is not None for name in ("lift", "gamma", "gain", "offset"))
    assert inspector.row("tint").editor.wheel is None
    assert inspector.row("lift").editor.wheel.disc.scale == 0.25
    lift = inspector.row("lift").editor
    lift.set_expanded(True)
    steps = session.undo_stack.count()
    drag(qtbot, lift.wheel.master, [0.5, 0.6, 0.75])  # master over -1..1: about +0.5
    r, g, b, a = node["lift"]
    assert g == pytest.approx(0.5, abs=0.15)  # a narrow slider: the handle takes a share
    assert (r - g, b - g, a) == pytest.approx((0.1, -0.1, 0.0))  # the tint is kept
    assert session.undo_stack.count() == steps + 1
    assert [spin.value() for spin in lift.spins[:3]] == pytest.approx([r, g, b], abs=1e-6)


def test_vector_widget_sets_one_component(session, inspector, qtbot):
    title = session.graph.create("Title")
    show(session, title)
    editor = inspector.row("position").editor
    assert isinstance(editor, VectorEditor) and len(editor.spins) == 2
    type_into(qtbot, editor.spins[1], "0.25")
    assert title["position"] == (0.5, 0.25)
    type_into(qtbot, editor.spins[0], "0.1")
    assert title["position"] == (0.1, 0.25)


def test_tooltips_come_from_the_declaration(session, inspector):
    title = session.graph.create("Title")
    show(session, title)
    tip = inspector.row("opacity").label.toolTip()
    assert "fades the text" in tip and "max 1" in tip and "<b>opacity</b>" in tip


def test_screenshot_of_the_demo_grade_and_title(registry, qtbot, tmp_path, dark_theme):
    """Grade and Title of the demo project side by side, in the editor's dark theme. Saved to
    $FILMSTUDIO_INSPECTOR_SCREENSHOT when set (e.g. /tmp/inspector.png), else to tmp_path."""
    session = EditorSession(Project.load(DEMO, registry), engine_options={"cpu_workers": 1})
    try:
        nodes = {n.type.id: n for n in session.graph.nodes.values()}
        grade, title = nodes["Grade"], nodes["Title"]
        grade.set_keyframe("gamma", 1, 1.0)
        grade.set_keyframe("gamma", 30, 1.2)
        session.set_frame(12)
        shots = []
        for node in (grade, title):
            session.select([node.uuid])
            panel = Inspector(session)
            qtbot.addWidget(panel)
            if node is grade:
                panel.row("gain").editor.set_expanded(True)
            panel.resize(400, 600)
            panel.show()
            QApplication.processEvents()
            shots.append(panel.grab())
            panel.close()
        gap = 6
        image = QPixmap(sum(s.width() for s in shots) + gap, max(s.height() for s in shots))
        image.fill(QColor("#111111"))
        painter = QPainter(image)
        painter.drawPixmap(0, 0, shots[0])
        painter.drawPixmap(shots[0].width() + gap, 0, shots[1])
        painter.end()
        target = Path(os.environ.get("FILMSTUDIO_INSPECTOR_SCREENSHOT") or tmp_path / "inspector.png")
        assert image.save(str(target))
        picture = image.toImage()
        assert picture.pixelColor(image.width() - 20, image.height() - 20).lightness() < 80  # dark
    finally:
        session.close()
