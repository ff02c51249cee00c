"""The Script panel: an LLM Script's takes against a local OpenAI-compatible server (the text
streams in while the model writes, Stop keeps nothing, the take picker switches in one undo
step), a Script File read-only, and Fountain highlighting that a reader can tell apart."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QTextCharFormat
from PySide6.QtWidgets import QApplication

from filmstudio.core import takes
from filmstudio.llm import generate
from filmstudio.ui.jobs import JobsPanel
from filmstudio.ui.script_panel import ScriptPanel
from filmstudio.ui.script_panel_highlight import FORMATS, FountainHighlighter
from filmstudio.ui.takes import hub_of
from filmstudio.ui.takes.section import TakesSection
from tests.llm.conftest import fake_server  # noqa: F401 - the local OpenAI server fixture
from tests.llm.fake_server import server_node

SCREENPLAY = """Title: The Bakery Job
Credit: Written by
Author: A. Writer

# ACT ONE

= Mara plans the heist.

INT. BAKERY - NIGHT #1A#

Flour hangs in the air. [[Check the lighting here.]]

MARA (V.O.)
(whispering)
Nobody bakes at midnight.

TOM ^
Somebody does.

/* An older version:
TOM
We should go. */

~Knead the dough, knead the dough~

> THE END <

CUT TO:

EXT. ROOFTOP - DAWN

!THE SUN RISES.
"""


@pytest.fixture
def panel(session, qtbot):
    """A shown Script panel with a jobs panel running the session's take jobs."""
    jobs = JobsPanel(session)
    qtbot.addWidget(jobs)
    hub_of(session).jobCreated.connect(jobs.start)
    widget = ScriptPanel(session)
    qtbot.addWidget(widget)
    widget.resize(720, 760)
    widget.show()
    yield widget
    jobs.shutdown()


def finished(job, qtbot, state="done"):
    """Wait for ``job`` and for what the editor does when it ends (the take stored, the sheet
    shown): each connection of the job's ``finished`` is its own queued event, all posted at once."""
    qtbot.waitUntil(lambda: job.state not in ("queued", "running", "cancelling"), timeout=30_000)
    QApplication.processEvents()
    assert job.state == state, job.message


def test_generate_streams_the_text_into_the_panel_then_shows_the_take(session, panel, fake_server, qtbot):  # noqa: F811
    fake_server.text = SCREENPLAY
    fake_server.delay = 0.01
    writer = server_node(session.project, fake_server)
    session.select([writer.uuid])
    assert panel.node is writer and panel.generate_button.isVisible()
    seen: list[str] = []  # what the panel showed each time a piece arrived (after it appended it)
    hub_of(session).textArrived.connect(lambda _uuid, _piece: seen.append(panel.text.toPlainText()))
    steps = session.undo_stack.count()
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    job = hub_of(session).generating(writer.uuid)
    assert panel.stop_button.isEnabled() and not panel.generate_button.isEnabled()
    finished(job, qtbot)
    pieces = fake_server.pieces()
    assert panel.streamed_pieces == len(pieces) and len(seen) == len(pieces)
    assert seen[0] == pieces[0] and seen[len(pieces) // 2] == "".join(pieces[: len(pieces) // 2 + 1])
    take = takes.active_take(writer)
    assert panel.text.toPlainText() == take.text == SCREENPLAY and session.undo_stack.count() == steps + 1
    assert panel.take_picker.currentText() == "take1" and panel.status.text().startswith(
        "take1 (take1) renders"
    )


def test_stop_keeps_nothing_and_shows_the_take_there_was(session, panel, fake_server, qtbot):  # noqa: F811
    writer = server_node(session.project, fake_server)
    generate(session.engine, writer)
    before = takes.active_take(writer).text
    session.select([writer.uuid])
    fake_server.text = SCREENPLAY * 10
    fake_server.delay = 0.1  # a piece every 0.1 s: Stop lands long before the end
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    job = hub_of(session).generating(writer.uuid)
    qtbot.waitUntil(lambda: panel.text.toPlainText().startswith("Title: The Bakery"), timeout=20_000)
    steps = session.undo_stack.count()
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    finished(job, qtbot, "cancelled")
    assert [t.id for t in takes.list_takes(writer)] == ["take1"] and session.undo_stack.count() == steps
    assert panel.text.toPlainText() == before and panel.status.text().startswith(
        "cancelled: no take was stored"
    )


def test_the_take_picker_switches_and_diff_compares(session, panel, fake_server, qtbot):  # noqa: F811
    writer = server_node(session.project, fake_server)
    generate(session.engine, writer)
    fake_server.text = SCREENPLAY
    generate(session.engine, writer, name="bakery")
    session.select([writer.uuid])
    assert [panel.take_picker.itemText(i) for i in range(2)] == ["take1", "bakery (take2)"]
    assert panel.text.toPlainText() == SCREENPLAY
    steps = session.undo_stack.count()
    panel.take_picker.activated.emit(0)  # what choosing take1 in the list does
    assert takes.active_take(writer).id == "take1" and session.undo_stack.count() == steps + 1
    assert panel.text.toPlainText() == takes.get_take(writer, "take1").text
    session.undo_stack.undo()
    assert panel.take_picker.currentText() == "bakery (take2)" and panel.text.toPlainText() == SCREENPLAY
    qtbot.mouseClick(panel.diff_button, Qt.MouseButton.LeftButton)
    assert "+INT. BAKERY - NIGHT #1A#" in panel.dialog.view.toPlainText()
    panel.dialog.close()


def test_a_script_file_is_shown_read_only(session, panel, tmp_path, qtbot):
    path = tmp_path / "pilot.fountain"
    path.write_text(SCREENPLAY, encoding="utf-8")
    reader = session.graph.create("ScriptFile", file=str(path))
    session.select([reader.uuid])
    qtbot.waitUntil(lambda: "INT. BAKERY - NIGHT" in panel.text.toPlainText(), timeout=20_000)
    assert panel.text.isReadOnly() and not panel.generate_button.isVisible()
    assert not panel.take_picker.isVisible() and panel.status.text().startswith("read-only")
    path.write_text(SCREENPLAY.replace("MARA", "ADA") + "\n", encoding="utf-8")  # a new size: changed
    session.set_frame(2)  # the panel asks again at a new frame: the file's new text shows
    qtbot.waitUntil(lambda: "ADA (V.O.)" in panel.text.toPlainText(), timeout=20_000)


def test_highlighting_tells_the_elements_apart(qapp):
    from PySide6.QtGui import QTextDocument

    document = QTextDocument(SCREENPLAY)
    highlighter = FountainHighlighter(document)
    highlighter.rehighlight()
    lines = SCREENPLAY.splitlines()
    kinds = {line: highlighter.kind_of(number) for number, line in enumerate(lines) if line.strip()}
    assert kinds["Title: The Bakery Job"] == "title_key"
    assert kinds["# ACT ONE"] == "section" and kinds["= Mara plans the heist."] == "synopsis"
    assert (
        kinds["INT. BAKERY - NIGHT #1A#"] == "scene_heading"
        and kinds["EXT. ROOFTOP - DAWN"] == "scene_heading"
    )
    assert kinds["MARA (V.O.)"] == "character" and kinds["TOM ^"] == "character"
    assert kinds["(whispering)"] == "parenthetical" and kinds["Nobody bakes at midnight."] == "dialogue"
    assert kinds["CUT TO:"] == "transition" and kinds["> THE END <"] == "centered"
    assert kinds["~Knead the dough, knead the dough~"] == "lyrics" and kinds["!THE SUN RISES."] == "action"
    assert {kinds[line] for line in ("/* An older version:", "TOM", "We should go. */")} == {"boneyard"}

    def formats(line: str) -> list:
        block = document.findBlockByNumber(lines.index(line))
        return [(r.start, r.length, QTextCharFormat(r.format)) for r in block.layout().formats()]

    heading_line = "INT. BAKERY - NIGHT #1A#"
    (start, _length, heading), (number_start, number_length, number) = formats(heading_line)
    ((_, _, dialogue),) = formats("Nobody bakes at midnight.")
    assert start == 0 and heading_line[number_start : number_start + number_length] == "#1A#"
    assert heading.fontWeight() == QFont.Weight.Bold and dialogue.fontWeight() != QFont.Weight.Bold
    assert heading.foreground().color() != dialogue.foreground().color()
    assert heading.background().color() == QColor("#33301f")
    assert number.foreground().color() == FORMATS["scene_number"].foreground().color()  # dimmed
    note = [f for s, n, f in formats("Flour hangs in the air. [[Check the lighting here.]]") if s > 0]
    assert note and note[-1].foreground().color() == FORMATS["note"].foreground().color()
    for line in ("/* An older version:", "TOM", "We should go. */"):
        assert formats(line)[-1][2].foreground().color() == FORMATS["boneyard"].foreground().color()
    assert (
        highlighter.kind_of(lines.index("Flour hangs in the air. [[Check the lighting here.]]")) == "action"
    )


def test_screenshots_of_the_panel_and_the_takes_section(session, panel, fake_server, dark_theme, qtbot):  # noqa: F811
    writer = server_node(session.project, fake_server)
    fake_server.text = SCREENPLAY
    generate(session.engine, writer, name="bakery")
    generate(session.engine, writer, name="darker")
    takes.rename_take(writer, "take2", "draft 2")
    session.select([writer.uuid])
    panel.grab().save("/tmp/script_panel.png")
    picker = panel.take_picker
    picker.showPopup()  # the take picker open over the panel, as the artist sees it
    popup = picker.view().window()
    qtbot.waitUntil(popup.isVisible)
    shot = panel.grab()
    painter = QPainter(shot)
    painter.drawPixmap(panel.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0))), popup.grab())
    painter.end()
    shot.save("/tmp/script_panel_picker.png")
    picker.hidePopup()
    section = TakesSection(session, writer)
    qtbot.addWidget(section)
    section.resize(420, 260)
    section.show()
    section.grab().save("/tmp/takes_section.png")
    assert panel.take_picker.count() == 2


def test_the_status_says_when_a_take_was_cut_at_max_tokens():
    from filmstudio.ui.script_panel import _made

    made = {"backend": "local", "model": "smollm2", "tokens": 256}
    whole = takes.Take("take1", "take1", {"made_by": {**made, "finish": "stop"}}, True)
    cut = takes.Take("take2", "take2", {"made_by": {**made, "finish": "length"}}, True)
    assert _made(whole) == "take1 (take1) renders, local smollm2, 256 tokens"
    assert _made(cut) == "take2 (take2) renders, local smollm2, 256 tokens (cut at max_tokens)"
