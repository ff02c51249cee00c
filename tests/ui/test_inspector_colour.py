"""Colour work in the inspector: the Color Corrector's grading blocks (hue disc, master, R/G/B),
keys that animate the grade, and OCIO names in combo boxes (colour spaces, displays, views)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from filmstudio import colour
from filmstudio.core.errors import ColourConfigError
from filmstudio.core.node import Input, Node, Output
from filmstudio.core.params import ChoiceParam, FloatParam, NameList, TextParam, VectorParam
from filmstudio.core.types import PortType
from filmstudio.ui.inspector import Inspector
from filmstudio.ui.inspector.basic import TextEditor
from filmstudio.ui.inspector.colourspace import UNKNOWN_COLOUR, ColourNameEditor
from filmstudio.ui.inspector.grading import ChannelGradeEditor, grade_pairs
from filmstudio.ui.inspector.numeric import FloatEditor, VectorEditor
from filmstudio.ui.inspector.wheel import REC709_LUMA, join_luma, luma, split_luma
from filmstudio.ui.session import EditorSession
from tests.ui.test_inspector import drag, type_into

GRADES = ("lift", "gamma", "gain", "offset")


@pytest.fixture
def corrector(session, inspector):
    """Constant(0.25 grey) -> ColorCorrector, the corrector shown in the inspector."""
    constant = session.graph.create("Constant", color=(0.25, 0.25, 0.25, 1.0))
    node = session.graph.create("ColorCorrector")
    session.graph.connect(constant, node)
    session.select([node.uuid])
    return node


def drag_disc(qtbot, disc, offsets: list[tuple[int, int]]) -> None:
    """Press at the disc's centre, move through ``offsets`` from it, release at the last one."""
    centre = QPoint(disc.width() // 2, disc.height() // 2)
    qtbot.mousePress(disc, Qt.MouseButton.LeftButton, pos=centre)
    for dx, dy in offsets:
        qtbot.mouseMove(disc, centre + QPoint(dx, dy))
    last = centre + QPoint(*offsets[-1])
    qtbot.mouseRelease(disc, Qt.MouseButton.LeftButton, pos=last)


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(button.width() // 2, button.height() // 2))


def test_luma_split_is_exact_and_keeps_rec709_luma():
    for rgb in ((1.0, 1.0, 1.0), (1.12, 0.97, 0.93), (-0.1, 0.3, 2.0)):
        assert join_luma(*split_luma(rgb)) == pytest.approx(rgb)
    level, x, y = split_luma((0.4, 0.4, 0.4))
    assert (level, x, y) == pytest.approx((0.4, 0.0, 0.0))  # grey sits at the centre
    assert luma(join_luma(0.7, 0.2, -0.3)) == pytest.approx(0.7)
    assert sum(REC709_LUMA) == pytest.approx(1.0)
    r, g, b = join_luma(1.0, 0.3, 0.0)  # toward red: red up, green and blue down alike
    assert r > 1.0 > g and g == pytest.approx(b)


def test_a_colour_corrector_shows_four_grading_blocks(session, inspector, corrector):
    assert grade_pairs(corrector.type.params) == {name: f"{name}_rgb" for name in GRADES}
    assert list(inspector.rows) == [p.name for p in corrector.type.params]  # declaration order
    for name in GRADES:
        master, channels = inspector.row(name), inspector.row(f"{name}_rgb")
        assert isinstance(master.editor, FloatEditor) and isinstance(channels.editor, ChannelGradeEditor)
        editor = channels.editor
        assert editor.wheel.isVisible() and len(editor.spins) == len(editor.sliders) == 3
        assert master.label.isVisible() and not channels.label.isVisible()  # the disc takes its place
        assert master.key_button is not None and channels.key_button is not None
        # the disc sits in the label column, under the master's label, left of the channels
        disc = editor.wheel.geometry()
        assert disc.top() >= master.editor.geometry().bottom()
        assert disc.right() < editor.geometry().left()
        assert abs(disc.center().y() - editor.geometry().center().y()) <= 6
    assert inspector.row("gain_rgb").editor.spins[0].value() == 1.0
    assert inspector.row("lift_rgb").editor.spins[2].value() == 0.0
    assert isinstance(inspector.row("exposure").editor, FloatEditor)


def test_dragging_a_wheel_tints_gain_rgb_at_constant_luma_in_one_undo_step(
    session, inspector, corrector, qtbot
):
    corrector.set("gain_rgb", (1.1, 0.95, 1.0))
    before = luma(corrector["gain_rgb"])
    editor = inspector.row("gain_rgb").editor
    steps = session.undo_stack.count()
    edits = []
    session.graphChanged.connect(lambda event: edits.append(event.detail))
    drag_disc(qtbot, editor.wheel, [(4, -3), (10, -8), (18, -14), (22, -20)])  # up and right
    after = corrector["gain_rgb"]
    assert after != pytest.approx((1.1, 0.95, 1.0), abs=0.01)
    assert luma(after) == pytest.approx(before, abs=1e-3)
    assert len(edits) >= 3 and session.undo_stack.count() == steps + 1
    assert corrector["gain"] == 1.0  # the master is its own parameter
    assert [spin.value() for spin in editor.spins] == pytest.approx(list(after), abs=1e-6)

    session.undo_stack.undo()
    assert corrector["gain_rgb"] == pytest.approx((1.1, 0.95, 1.0))
    assert editor.wheel.point == pytest.approx(split_luma((1.1, 0.95, 1.0))[1:])
    qtbot.mouseDClick(editor.wheel, Qt.MouseButton.LeftButton, pos=editor.wheel.rect().center())
    assert corrector["gain_rgb"] == (1.0, 1.0, 1.0)  # neutral: the declared default
    assert editor.wheel.point == pytest.approx((0.0, 0.0))


def test_channel_fields_and_sliders_and_the_master_set_their_parameters(session, inspector, corrector, qtbot):
    gain, gain_rgb = inspector.row("gain").editor, inspector.row("gain_rgb").editor
    type_into(qtbot, gain_rgb.spins[1], "0.8")
    assert corrector["gain_rgb"] == (1.0, 0.8, 1.0)
    type_into(qtbot, inspector.row("lift_rgb").editor.spins[2], "-0.05")
    assert corrector["lift_rgb"] == (0.0, 0.0, -0.05)
    type_into(qtbot, inspector.row("gamma_rgb").editor.spins[0], "0")  # below the hard minimum 0.01
    assert corrector["gamma_rgb"][0] == 0.01

    steps = session.undo_stack.count()
    drag(qtbot, gain_rgb.sliders[2], [0.1, 0.3, 0.5])  # blue over 0..4
    assert corrector["gain_rgb"][2] == pytest.approx(2.0, abs=0.15)
    assert corrector["gain_rgb"][:2] == (1.0, 0.8)
    assert session.undo_stack.count() == steps + 1
    drag(qtbot, gain.slider, [0.2, 0.5])
    assert corrector["gain"] == pytest.approx(2.0, abs=0.15)
    assert session.undo_stack.count() == steps + 2


def test_keys_on_master_and_channels_animate_the_grade(session, inspector, corrector, qtbot):
    gain, gain_rgb = inspector.row("gain"), inspector.row("gain_rgb")
    session.set_frame(10)
    click(qtbot, gain_rgb.key_button)  # key (1, 1, 1) at frame 10
    click(qtbot, gain.key_button)  # key 1 at frame 10
    session.set_frame(20)
    type_into(qtbot, gain_rgb.editor.spins[0], "2")  # animated: keyed at frame 20
    type_into(qtbot, gain.editor.spin, "1.5")
    assert corrector.animation("gain_rgb").frames == (10.0, 20.0)
    assert corrector.animation("gain_rgb").key_at(20.0).value == (2.0, 1.0, 1.0)
    assert corrector.animation("gain").frames == (10.0, 20.0)

    def rgb(frame: int) -> list[float]:
        image = session.engine.evaluate(corrector, frame)
        return [image[c].mean().item() for c in range(3)]

    assert rgb(10) == pytest.approx([0.25, 0.25, 0.25], abs=1e-5)
    assert rgb(20) == pytest.approx([0.75, 0.375, 0.375], abs=1e-5)  # 0.25 * 1.5 * (2, 1, 1)
    assert rgb(15) == pytest.approx([0.25 * 1.25 * 1.5, 0.25 * 1.25, 0.25 * 1.25], abs=1e-5)

    session.set_frame(15)  # a wheel drag on an animated parameter keys this frame, in one step
    assert gain_rgb.editor.spins[0].value() == pytest.approx(1.5)
    steps = session.undo_stack.count()
    drag_disc(qtbot, gain_rgb.editor.wheel, [(-5, 5), (-12, 12)])
    curve = corrector.animation("gain_rgb")
    assert curve.frames == (10.0, 15.0, 20.0) and session.undo_stack.count() == steps + 1
    assert luma(curve.key_at(15.0).value) == pytest.approx(luma((1.5, 1.0, 1.0)), abs=1e-3)


class Tint(Node):
    """A made-up grade with its own names: a master ``warmth`` and ``warmth_rgb``, neutral 0.5.
    Only declarations choose widgets: ``shift_rgb`` and ``display`` look like a grading pair and an
    OCIO display by name, but are not declared as such."""

    id = "test.Tint"
    category = "Test"
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        VectorParam("warmth_rgb", (0.5, 0.5, 0.5), soft_min=0.0, soft_max=1.0, grade_of="warmth"),
        FloatParam("amount", 1.0),
        FloatParam("warmth", 0.5),
        VectorParam("shift_rgb", (0.0, 0.0, 0.0)),  # no grade_of: an ordinary vector
        FloatParam("shift", 0.0),
        ChoiceParam(
            "space", ("ACEScg", "Linear Rec.709 (sRGB)", "not a space"), names=NameList.COLOUR_SPACES
        ),
        TextParam("display", "sRGB - Display"),  # no names=: a plain text field
    )

    def evaluate(self, ctx: Any) -> Any:
        return ctx.input("source")


def test_declared_grading_pairs_and_ocio_names_choose_the_widgets_names_do_not(session, inspector, qtbot):
    node = session.graph.create(Tint)
    session.select([node.uuid])
    assert grade_pairs(node.type.params) == {"warmth": "warmth_rgb"}
    editor = inspector.row("warmth_rgb").editor
    assert isinstance(editor, ChannelGradeEditor)
    assert isinstance(inspector.row("shift_rgb").editor, VectorEditor)
    master = inspector.row("warmth").editor  # declared after its channels: the block is one piece
    assert master.geometry().bottom() <= editor.wheel.geometry().top()
    assert inspector.row("amount").editor.geometry().top() > editor.geometry().bottom()
    drag_disc(qtbot, editor.wheel, [(0, 10), (0, 20)])
    assert luma(node["warmth_rgb"]) == pytest.approx(0.5, abs=1e-3)
    qtbot.mouseDClick(editor.wheel, Qt.MouseButton.LeftButton, pos=editor.wheel.rect().center())
    assert node["warmth_rgb"] == (0.5, 0.5, 0.5)  # neutral from the declared default

    combo = inspector.row("space").editor.combo  # a choice: the declared names the config has
    assert not combo.isEditable()
    assert [combo.itemText(i) for i in range(combo.count())] == ["ACEScg", "Linear Rec.709 (sRGB)"]
    combo.activated.emit(1)
    assert node["space"] == "Linear Rec.709 (sRGB)"
    assert isinstance(inspector.row("display").editor, TextEditor)


def test_the_colour_space_field_lists_the_config_and_takes_free_text(session, inspector, qtbot):
    read = session.graph.create("Read", colorspace="custom")
    session.select([read.uuid])
    editor = inspector.row("ocio_colorspace").editor
    assert isinstance(editor, ColourNameEditor) and editor.combo.isEditable()
    combo = editor.combo
    assert [combo.itemText(i) for i in range(combo.count())] == colour.colour_space_names()
    index = combo.findText("ACEScct")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert read["ocio_colorspace"] == "ACEScct"
    session.undo_stack.undo()
    assert read["ocio_colorspace"] == "" and combo.currentText() == ""

    line = combo.lineEdit()
    for typed, known in (("scene_linear", True), ("Not A Space", False)):  # roles work; typos show
        line.setFocus()
        line.selectAll()
        qtbot.keyClicks(line, typed)
        qtbot.keyClick(line, Qt.Key.Key_Return)
        assert read["ocio_colorspace"] == typed
        shown = combo.palette().color(QPalette.ColorRole.Text)
        assert (shown == UNKNOWN_COLOUR) is not known
        assert ("unknown" in combo.toolTip().lower()) is not known


def test_write_display_and_view_combos_follow_the_display(session, inspector, qtbot):
    write = session.graph.create("Write", colorspace="display")
    session.select([write.uuid])
    display, view = inspector.row("display").editor, inspector.row("view").editor
    items = [display.combo.itemText(i) for i in range(display.combo.count())]
    assert items == colour.displays()
    assert display.combo.lineEdit().placeholderText() == f"default: {colour.default_display()}"
    assert view.names() == colour.views(colour.default_display())

    other = next(name for name in colour.displays() if name != colour.default_display())
    display.combo.setCurrentIndex(items.index(other))
    display.combo.activated.emit(items.index(other))
    assert write["display"] == other
    assert view.names() == colour.views(other)
    assert view.combo.lineEdit().placeholderText() == f"default: {colour.display_default_view(other)}"
    chosen = colour.views(other)[-1]
    view.combo.activated.emit(view.combo.findText(chosen))
    assert write["view"] == chosen

    session.undo_stack.undo()
    session.undo_stack.undo()
    assert write["display"] == "" and view.names() == colour.views(colour.default_display())


def test_a_broken_config_is_reported_not_raised(session, inspector, monkeypatch):
    def broken() -> list[str]:
        raise ColourConfigError("'broken.ocio'", "cannot be read: fix the file")

    monkeypatch.setattr(colour, "colour_space_names", broken)
    messages = []
    session.message.connect(lambda level, text: messages.append((level, text)))
    read = session.graph.create("Read")
    session.select([read.uuid])
    editor = inspector.row("ocio_colorspace").editor
    assert editor.names() == [] and editor.combo.isEditable()
    assert len(messages) == 1 and "broken.ocio" in messages[0][1] and read.name in messages[0][1]
    read.set("ocio_colorspace", "ACEScg")  # refreshed: still one message, the value still shown
    assert len(messages) == 1 and editor.combo.currentText() == "ACEScg"


def test_importing_the_inspector_loads_no_colour_management():
    code = (
        "import sys, filmstudio.ui.inspector\n"
        "loaded = [m for m in sys.modules if 'OpenColorIO' in m or m.startswith('filmstudio.colour.')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


def test_screenshot_of_a_colour_corrector(project, qtbot, tmp_path, dark_theme):
    """A graded ColorCorrector in the editor's dark theme. Saved to
    $FILMSTUDIO_CC_SCREENSHOT when set (e.g. /tmp/cc_inspector.png), else to tmp_path."""
    session = EditorSession(project, engine_options={"cpu_workers": 1})
    try:
        node = session.graph.create("ColorCorrector")
        node.set("lift_rgb", (-0.02, 0.0, 0.04))
        node.set("gamma", 1.1)
        node.set("gain_rgb", (1.12, 0.97, 0.93))
        node.set("offset_rgb", (0.0, 0.01, -0.015))
        node.set("saturation", 1.15)
        node.set_keyframe("gain", 1, 1.0)
        node.set_keyframe("gain", 30, 1.3)
        session.set_frame(12)
        session.select([node.uuid])
        panel = Inspector(session)
        qtbot.addWidget(panel)
        panel.resize(420, 760)
        panel.show()
        QApplication.processEvents()
        image = panel.grab()
        panel.close()
        target = Path(os.environ.get("FILMSTUDIO_CC_SCREENSHOT") or tmp_path / "cc_inspector.png")
        assert image.save(str(target))
        picture = image.toImage()
        assert picture.pixelColor(image.width() - 20, image.height() - 20).lightness() < 80  # dark
    finally:
        session.close()
