"""Keys from anywhere, as in Nuke: the viewer's and the transport's keys work whichever panel has
the focus, a text field being typed in keeps its keys, and Tab over the graph always opens the
node search (never typing into the inspector); a new node lands where the artist can see it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from filmstudio.core.project import Project
from filmstudio.ui.main_window import MainWindow
from filmstudio.ui.session import EditorSession


@pytest.fixture
def window(qtbot, registry, tmp_path):
    """The editor on Constant -> Grade (64x36, 1-100), shown and active, Grade selected."""
    project = Project(width=64, height=36, registry=registry)
    constant = project.add_node("Constant")
    project.connect(constant, project.add_node("Grade", name="Look"))
    project.save(tmp_path / "shot.fsproj")
    session = EditorSession(registry=registry, engine_options={"cpu_workers": 2})
    main = MainWindow(session, autosave_s=3600, autosave_debounce_s=3600)
    qtbot.addWidget(main, before_close_func=lambda w: w.session.undo_stack.setClean())
    assert main.open_project(tmp_path / "shot.fsproj", ask=False)
    main.show()
    with qtbot.waitActive(main):
        main.activateWindow()
    session.select([session.node("Look").uuid])
    return main


def name_field(window: MainWindow):
    return window.inspector.header.name_edit


def test_1_with_the_graph_focused_pins_viewer_a_and_2_sets_b_with_the_wipe(qtbot, window):
    look = window.session.node("Look").uuid
    window.graph_view.setFocus()
    qtbot.keyClick(window.graph_view, Qt.Key.Key_1)
    assert window.viewer.state.input_a == look
    qtbot.keyClick(window.graph_view, Qt.Key.Key_2)
    assert window.viewer.state.input_b == look and window.viewer.state.wipe
    qtbot.keyClick(window.graph_view, Qt.Key.Key_W)
    assert not window.viewer.state.wipe


def test_transport_keys_work_from_the_log_and_the_jobs_list(qtbot, window):
    session = window.session
    log = window.jobs.log  # read-only text: it types nothing, so the keys are the transport's
    log.setFocus()
    session.set_frame(10)
    qtbot.keyClick(log, Qt.Key.Key_Right)
    qtbot.keyClick(log, Qt.Key.Key_I)
    assert session.current_frame == 11 and session.in_point == 11
    window.jobs.tree.setFocus()
    qtbot.keyClick(window.jobs.tree, Qt.Key.Key_End)
    qtbot.keyClick(window.jobs.tree, Qt.Key.Key_O)
    assert session.current_frame == 100 and session.out_point == 100
    qtbot.keyClick(window.jobs.tree, Qt.Key.Key_Home)
    assert session.current_frame == 11  # the in point
    qtbot.keyClick(window.jobs.tree, Qt.Key.Key_Space)
    assert window.viewer.playback.playing
    qtbot.keyClick(window.jobs.tree, Qt.Key.Key_Space)
    assert not window.viewer.playback.playing


def test_a_text_field_being_edited_keeps_its_keys(qtbot, window):
    field = name_field(window)
    field.setFocus()
    field.end(False)
    window.session.set_frame(10)
    qtbot.keyClicks(field, "1 ")
    qtbot.keyClick(field, Qt.Key.Key_Left)
    assert field.text() == "Look1 " and field.cursorPosition() == len("Look1")
    assert window.viewer.state.input_a is None and window.session.current_frame == 10
    assert not window.viewer.playback.playing


def test_tab_over_the_graph_opens_the_search_even_when_a_line_edit_has_the_focus(qtbot, window):
    field = name_field(window)
    field.setFocus()
    qtbot.mouseMove(window.graph_view.viewport(), QPoint(60, 60))
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    search = window.graph_view.search
    assert search.isVisible()
    assert QApplication.focusWidget() is search.line_edit
    qtbot.keyClicks(QApplication.focusWidget(), "colcor")  # what the artist types next
    assert search.line_edit.text() == "colcor"
    assert field.text() == "Look" and window.session.node("Look").name == "Look"


def test_tab_with_the_pointer_elsewhere_is_the_ordinary_tab(qtbot, window):
    field = name_field(window)
    field.setFocus()
    qtbot.mouseMove(window.viewer.canvas, QPoint(30, 30))
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert not window.graph_view.search.isVisible()


def test_a_node_added_below_one_at_the_edge_of_the_view_is_scrolled_into_sight(qtbot, window):
    view = window.graph_view
    look = window.session.node("Look")
    item = view.graph_scene.nodes[look.uuid]
    # Look sits at the bottom edge of the view: the node added below it would be out of sight
    view.centerOn(
        item.sceneBoundingRect().center().x(), item.sceneBoundingRect().top() - 0.45 * view.height()
    )
    added = view.add_node("Grade")
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert added is not None and added.position[1] > look.position[1]
    assert visible.contains(view.graph_scene.nodes[added.uuid].sceneBoundingRect())
