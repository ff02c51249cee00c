"""Backdrops in the graph editor: around the selection, saved and reloaded, resized from the grip,
and carrying the nodes on them when their title is dragged."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from filmstudio.core.project import Project
from filmstudio.ui.graph.backdrop import TITLE_HEIGHT, BackdropItem
from tests.ui.test_graph_helpers import drag, make_view


@pytest.fixture
def view(session, qtbot):
    return make_view(session, qtbot)


def test_backdrop_around_the_selection_is_saved_and_reloaded(session, view, tmp_path, registry):
    ramp = view.add_node("Ramp", at=(0, 0))
    grade = view.add_node("Grade")
    session.select([ramp.uuid, grade.uuid])
    backdrop = view.add_backdrop()
    item = view.graph_scene.nodes[backdrop.uuid]
    assert isinstance(item, BackdropItem) and item.zValue() < 0
    frame = item.sceneBoundingRect()
    for node in (ramp, grade):
        assert frame.contains(view.graph_scene.nodes[node.uuid].sceneBoundingRect())
    backdrop.set(label="Plate prep")

    path = session.save(tmp_path / "layout.fsproj")
    session.replace_project(Project.load(path, registry))
    reloaded = session.graph.node(backdrop.name)
    assert reloaded["label"] == "Plate prep" and reloaded.position == backdrop.position
    assert (reloaded["width"], reloaded["height"]) == (backdrop["width"], backdrop["height"])
    assert isinstance(view.graph_scene.nodes[reloaded.uuid], BackdropItem)


def test_dragging_the_title_carries_the_nodes_on_it_in_one_step(session, view):
    backdrop = view.add_backdrop()
    x, y = backdrop.position
    inside = view.add_node("Constant", at=(x + 100, y + 100), connect=False)
    outside = view.add_node("Constant", at=(x + 900, y + 100), connect=False)
    session.select([])
    steps = session.undo_stack.count()
    title = QPointF(x + 60, y + TITLE_HEIGHT / 2)
    drag(view, title, title + QPointF(50, 30))
    assert backdrop.position == (x + 50, y + 30)
    assert inside.position == (x + 150, y + 130) and outside.position == (x + 900, y + 100)
    assert session.undo_stack.count() == steps + 1
    session.undo_stack.undo()
    assert backdrop.position == (x, y) and inside.position == (x + 100, y + 100)


def test_a_click_on_the_body_starts_a_rubber_band_not_a_move(session, view):
    backdrop = view.add_backdrop()
    x, y = backdrop.position
    node = view.add_node("Constant", at=(x + 100, y + 120), connect=False)
    session.select([])
    drag(view, QPointF(x + 20, y + 60), QPointF(x + 200, y + 200))
    assert backdrop.position == (x, y)
    assert node.uuid in session.selected and backdrop.uuid not in session.selected


def test_the_grip_resizes_with_one_undoable_edit(session, view):
    backdrop = view.add_backdrop()
    x, y = backdrop.position
    width, height = backdrop["width"], backdrop["height"]
    grip = QPointF(x + width - 4, y + height - 4)
    drag(view, grip, grip + QPointF(60, 40))
    assert (backdrop["width"], backdrop["height"]) == (width + 60, height + 40)
    assert backdrop.position == (x, y)
    item = view.graph_scene.nodes[backdrop.uuid]
    assert item.rect().width() == width + 60
    session.undo_stack.undo()
    assert (backdrop["width"], backdrop["height"]) == (width, height)
    assert item.rect().width() == width


def test_backdrops_copy_and_paste_like_nodes(session, view):
    backdrop = view.add_backdrop()
    backdrop.set(label="Keep")
    session.select([backdrop.uuid])
    view.copy_selection()
    (pasted,) = view.paste()
    assert pasted.type.id == "Backdrop" and pasted["label"] == "Keep"
    assert isinstance(view.graph_scene.nodes[pasted.uuid], BackdropItem)
