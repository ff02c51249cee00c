"""The inspector's Takes section and the viewer's contact sheet, on real nodes: the Seeded test
node (a seed per take), an LLM Script against a local OpenAI-compatible server, and a GAN Generator
with a tiny random DCGAN. Generate runs as a job, Stop stores nothing, and switching, renaming,
deleting, editing and picking a seed are one undo step each; the graph shows the active take."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from filmstudio.core import takes
from filmstudio.ui.graph import GraphView
from filmstudio.ui.jobs import JobsPanel
from filmstudio.ui.takes import hub_of
from filmstudio.ui.takes.diff_view import ADDED, REMOVED
from filmstudio.ui.takes.section import ACTIVE_MARK, NAME
from tests.gan.tiny import save_dcgan
from tests.llm.conftest import fake_server  # noqa: F401 - the local OpenAI server fixture
from tests.llm.fake_server import server_node
from tests.models.tiny import forget_models, isolate_models

FIRST = "INT. KITCHEN - NIGHT\n\nADA\nWe have to go.\n"
SECOND = "INT. KITCHEN - NIGHT\n\nADA\nWe have to run.\n\nTOM\nNot without you.\n"


@pytest.fixture
def jobs(session, qtbot):
    """A jobs panel that runs the session's take jobs, as the main window's does."""
    panel = JobsPanel(session)
    qtbot.addWidget(panel)
    hub_of(session).jobCreated.connect(panel.start)
    yield panel
    panel.shutdown()


@pytest.fixture
def shown(session, inspector, jobs):
    """Select ``node`` and return the inspector's Takes section for it."""

    def show(node):
        session.select([node.uuid])
        assert inspector.takes is not None
        return inspector.takes

    return show


def finished(job, qtbot, state="done"):
    """Wait for ``job`` and for what the editor does when it ends (the take stored, the sheet
    shown): each connection of the job's ``finished`` is its own queued event, all posted at once."""
    qtbot.waitUntil(lambda: job.state not in ("queued", "running", "cancelling"), timeout=30_000)
    QApplication.processEvents()
    assert job.state == state, job.message


def rows(section):
    tree = section.tree
    return [
        (tree.topLevelItem(i).text(0), tree.topLevelItem(i).text(NAME), tree.topLevelItem(i).data(NAME, 256))
        for i in range(tree.topLevelItemCount())
    ]


def label_on_graph(session, node) -> str:
    view = GraphView(session)
    try:
        return view.graph_scene.nodes[node.uuid]._texts()[1]
    finally:
        view.shutdown()
        view.deleteLater()


def test_only_nodes_that_make_takes_get_the_section(session, inspector):
    session.select([session.graph.create("Constant").uuid])
    assert inspector.takes is None
    seeded = session.graph.create("test.Seeded")
    session.select([seeded.uuid])
    assert inspector.takes is not None and inspector.takes.generate_button.text() == "Generate"
    assert inspector.takes.status.text() == "no takes yet: Generate makes one"


def test_generate_runs_as_a_job_and_the_graph_shows_the_take(session, shown, jobs, qtbot):
    seeded = session.graph.create("test.Seeded")
    section = shown(seeded)
    steps = session.undo_stack.count()
    qtbot.mouseClick(section.generate_button, Qt.MouseButton.LeftButton)
    job = hub_of(session).generating(seeded.uuid)
    assert job is not None and job in jobs.jobs and not section.generate_button.isEnabled()
    finished(job, qtbot)
    assert rows(section) == [(ACTIVE_MARK, "take1", "take1")]
    assert session.undo_stack.count() == steps + 1
    assert label_on_graph(session, seeded) == "take1"
    session.undo_stack.undo()
    assert rows(section) == [] and label_on_graph(session, seeded) == ""


def test_switch_rename_and_delete_are_one_undo_step_each(session, shown, qtbot):
    seeded = session.graph.create("test.Seeded")
    for seed in (11, 22, 33):
        takes.add_take(seeded, {"seed": seed})
    section = shown(seeded)
    assert [r[0] for r in rows(section)] == ["", "", ACTIVE_MARK]
    steps = session.undo_stack.count()

    first = section.tree.topLevelItem(0)
    qtbot.mouseClick(section.tree.viewport(), Qt.MouseButton.LeftButton, pos=_centre(section, first))
    assert seeded.state["active_take"] == "take1" and [r[0] for r in rows(section)] == [ACTIVE_MARK, "", ""]
    assert session.undo_stack.count() == steps + 1

    section.tree.setCurrentItem(first)
    first.setSelected(True)
    section.start_rename()
    editor = section.tree.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "hero")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the editor commits once back in the event loop
    qtbot.waitUntil(lambda: takes.get_take(seeded, "take1").name == "hero")
    assert session.undo_stack.count() == steps + 2
    assert label_on_graph(session, seeded) == "take hero"

    section.tree.clearSelection()
    section.tree.topLevelItem(1).setSelected(True)
    qtbot.mouseClick(section.delete_button, Qt.MouseButton.LeftButton)
    assert [r[2] for r in rows(section)] == ["take1", "take3"] and session.undo_stack.count() == steps + 3

    session.undo_stack.undo()
    assert [r[2] for r in rows(section)] == ["take1", "take2", "take3"]
    session.undo_stack.undo()
    assert [r[1] for r in rows(section)] == ["take1", "take2", "take3"]
    session.undo_stack.undo()
    assert [r[0] for r in rows(section)] == ["", "", ACTIVE_MARK] and seeded.state["active_take"] == "take3"


def test_a_refused_change_is_reported_and_shows_what_stays(session, shown, qtbot):
    seeded = session.graph.create("test.Seeded")
    takes.add_take(seeded, {"seed": 1})
    section = shown(seeded)
    messages = []
    session.message.connect(lambda level, text: messages.append((level, text)))
    item = section.tree.topLevelItem(0)
    item.setText(NAME, "   ")  # what the in-place editor commits
    assert messages == [("error", f"{seeded.name}: a take's name cannot be empty")]
    assert section.tree.topLevelItem(0).text(NAME) == "take1"


def test_stop_cancels_and_stores_no_take(session, shown, jobs, fake_server, qtbot):  # noqa: F811
    fake_server.text = FIRST * 20
    fake_server.delay = 0.1  # a piece every 0.1 s: Stop lands long before the end
    writer = server_node(session.project, fake_server)
    section = shown(writer)
    steps = session.undo_stack.count()
    qtbot.mouseClick(section.generate_button, Qt.MouseButton.LeftButton)
    hub = hub_of(session)
    job = hub.generating(writer.uuid)
    qtbot.waitUntil(lambda: "INT." in hub.streamed(writer.uuid), timeout=20_000)
    assert section.status.text().startswith("generating…") and section.stop_button.isEnabled()
    qtbot.mouseClick(section.stop_button, Qt.MouseButton.LeftButton)
    finished(job, qtbot, "cancelled")
    assert rows(section) == [] and session.undo_stack.count() == steps
    # the Jobs row hears of the end through its own queued slot (seen once to lag the job's state)
    qtbot.waitUntil(lambda: "cancelled" in jobs.rows[job].item.text(0), timeout=5_000)
    assert section.generate_button.isEnabled() and not section.stop_button.isEnabled()


def test_diff_and_edit_text_takes(session, shown, fake_server, qtbot):  # noqa: F811
    from filmstudio.llm import generate

    writer = server_node(session.project, fake_server)
    fake_server.text = FIRST
    generate(session.engine, writer)
    fake_server.text = SECOND
    generate(session.engine, writer)
    section = shown(writer)
    assert section.tree.topLevelItem(0).text(4) == "INT. KITCHEN - NIGHT · 3 lines"

    qtbot.mouseClick(section.diff_button, Qt.MouseButton.LeftButton)
    dialog = section.dialog
    assert dialog.old_box.currentData() == "take1" and dialog.new_box.currentData() == "take2"
    page = dialog.view.toHtml()
    assert "-We have to go." in page and "+We have to run." in page and "+TOM" in page
    assert REMOVED[0] in page and ADDED[0] in page
    dialog.side_by_side.setChecked(True)
    assert "We have to go." in dialog.view.toPlainText() and "Not without you." in dialog.view.toPlainText()
    dialog.close()

    steps = session.undo_stack.count()
    section.tree.topLevelItem(0).setSelected(True)
    qtbot.mouseClick(section.edit_button, Qt.MouseButton.LeftButton)
    editor = section.dialog
    assert editor.text_edit.toPlainText() == FIRST and not editor.save_button.isEnabled()
    editor.text_edit.setPlainText(FIRST.replace("ADA", "MARA"))
    editor.name_edit.setText("mara")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    edited = takes.active_take(writer)
    assert edited.id == "take3" and edited.name == "mara" and edited.made_by["edited_from"] == "take1"
    assert session.engine.evaluate(writer).screenplay.characters() == ("MARA",)
    assert session.undo_stack.count() == steps + 1 and rows(section)[-1] == (ACTIVE_MARK, "mara", "take3")
    session.undo_stack.undo()
    assert takes.active_take(writer).id == "take2" and len(rows(section)) == 2


# --- the GAN Generator's contact sheet in the viewer -----------------------------------------------


@pytest.fixture
def dcgan(tmp_path, monkeypatch):
    folder = isolate_models(tmp_path, monkeypatch)
    yield save_dcgan(folder / "tiny-dcgan.safetensors", nz=8, ngf=4)
    forget_models()


@pytest.fixture
def viewer(session, qtbot, jobs):
    from filmstudio.ui.viewer import ViewerPanel

    panel = ViewerPanel(session)
    qtbot.addWidget(panel)
    panel.resize(900, 620)
    panel.show()
    yield panel
    panel.shutdown()
    panel.close()


def test_contact_sheet_click_makes_a_take_of_that_seed(session, viewer, inspector, dcgan, dark_theme, qtbot):
    gan = session.graph.create("GANGenerator", model=dcgan.name)
    session.select([gan.uuid])
    tools = viewer.node_tools
    assert tools.isVisible() and tools.contact_button.isVisible()
    assert inspector.takes.generate_button.text() == "New character"
    tools.contact_sheet(9)
    qtbot.waitUntil(
        lambda: tools.sheet_overlay is not None and tools.sheet_overlay.isVisible(), timeout=30_000
    )
    overlay = tools.sheet_overlay
    sheet = overlay.sheet
    assert len(sheet.seeds) == 9 and len(set(sheet.seeds)) == 9 and sheet.pictures[0].shape == (64, 64, 3)
    assert overlay.geometry() == viewer.canvas.rect()
    overlay.hovered = 4
    overlay.grab().save("/tmp/contact_sheet_viewer.png")
    viewer.grab().save("/tmp/contact_sheet_viewer_panel.png")

    asked = []
    overlay.ask_name = lambda seed: asked.append(seed) or "hero"
    steps = session.undo_stack.count()
    qtbot.mouseClick(overlay, Qt.MouseButton.LeftButton, pos=overlay.cell_rect(4).center().toPoint())
    take = takes.active_take(gan)
    assert asked == [sheet.seeds[4]] and take.name == "hero" and take.data["seed"] == sheet.seeds[4]
    assert take.summary == f"seed {sheet.seeds[4]}" and not overlay.isVisible()
    assert session.undo_stack.count() == steps + 1 and label_on_graph(session, gan) == "take hero"
    # the take renders what the cell showed: the seed's face at the model's size, placed in the frame
    frame = session.engine.evaluate(gan)
    assert frame.shape[0] == 4
    session.undo_stack.undo()
    assert takes.list_takes(gan) == []


def test_a_contact_sheet_closes_with_escape_making_nothing(session, viewer, jobs, dcgan, qtbot):
    gan = session.graph.create("GANGenerator", model=dcgan.name)
    session.select([gan.uuid])
    job = hub_of(session).contact_sheet(gan.uuid, 4)
    finished(job, qtbot)
    overlay = viewer.node_tools.sheet_overlay
    assert overlay.isVisible() and job in jobs.jobs
    overlay.ask_name = lambda seed: None  # the name dialog cancelled: nothing made, sheet stays
    overlay.pick(0)
    assert overlay.isVisible() and takes.list_takes(gan) == []
    qtbot.keyClick(overlay, Qt.Key.Key_Escape)
    assert not overlay.isVisible() and takes.list_takes(gan) == []


def _centre(section, item) -> QPoint:
    return section.tree.visualItemRect(item).center()


def test_each_node_type_says_what_its_takes_are(session, shown, dcgan):
    speech = session.graph.create("Speech")
    takes.add_take(speech, {"format": 1, "lines": {"k1": {}, "k2": {}, "k3": {}}}, name="joe")
    section = shown(speech)
    assert (
        rows(section) == [(ACTIVE_MARK, "joe", "take1")] and section.tree.topLevelItem(0).text(4) == "3 lines"
    )
    assert not section.diff_button.isEnabled() and not section.edit_button.isEnabled()  # not text
    assert not section.contact_button.isVisible()
    gan = session.graph.create("GANGenerator", model=dcgan.name)
    hero = gan.new_take(seed=7, name="hero")
    gan.new_take(seed=8, name="villain")
    gan.key_latent(1, take="hero")
    section = shown(gan)
    assert section.tree.topLevelItem(0).text(4) == "seed 7" and section.contact_button.isVisible()
    messages = []
    session.message.connect(lambda level, text: messages.append(text))
    section.tree.topLevelItem(0).setSelected(True)
    section.delete_selected()  # its latent key would lose its face: refused, nothing changes
    assert [t.id for t in takes.list_takes(gan)] == [hero, "take2"]
    assert messages[-1].endswith("take1 is used by the latent key at frame 1; remove that key first")
    section.tree.topLevelItem(1).setText(NAME, "hero")  # names tell a GAN's takes apart
    assert "already has take 'hero' (take1): pick another name" in messages[-1]
    assert takes.get_take(gan, "take2").name == "villain"
