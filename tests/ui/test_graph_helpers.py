"""Helpers for the graph editor tests (a shown view, mouse drags in scene coordinates), and the
tests of the Tab search's ranking, which need no widget."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from filmstudio.core.graph import NodeInstance
from filmstudio.ui.graph import GraphView
from filmstudio.ui.graph.ports import PortItem
from filmstudio.ui.graph.search import match_score, rank
from filmstudio_nodes import NODES


def make_view(session, qtbot) -> GraphView:
    """A shown 800x600 graph view on the test session, at 100% zoom centred on the origin (each
    test module wraps it in its ``view`` fixture)."""
    graph_view = GraphView(session)
    qtbot.addWidget(graph_view)
    graph_view.resize(800, 600)
    graph_view.show()
    qtbot.waitExposed(graph_view)
    graph_view.resetTransform()
    graph_view.centerOn(0, 0)
    graph_view.setFocus()
    return graph_view


def viewport_point(view: GraphView, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def drag(
    view: GraphView,
    start: QPointF,
    end: QPointF,
    button: Qt.MouseButton = Qt.MouseButton.LeftButton,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
    steps: int = 6,
) -> None:
    """Press at ``start``, move in steps and release at ``end`` (scene coordinates)."""
    viewport = view.viewport()
    a, b = viewport_point(view, start), viewport_point(view, end)
    QTest.mousePress(viewport, button, modifiers, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(viewport, a + (b - a) * i / steps)
    QTest.mouseRelease(viewport, button, modifiers, b)


def port(view: GraphView, node: NodeInstance, name: str, is_input: bool) -> PortItem:
    found = view.graph_scene.port(node.uuid, name, is_input)
    assert found is not None, (node, name)
    return found


def connect_by_drag(view: GraphView, source: NodeInstance, target: NodeInstance, target_port: str) -> None:
    output = port(view, source, source.type.outputs[0].name, False)
    drag(view, output.anchor(), port(view, target, target_port, True).anchor())


# --- ranking ------------------------------------------------------------------------------------


def test_fuzzy_ranking_prefers_whole_then_prefix_then_inner_words():
    assert match_score("grade", "Grade") > match_score("gra", "Grade") > match_score("off", "TimeOffset")
    offset = "TimeOffset"
    assert match_score("off", offset) > match_score("ffs", offset) > match_score("tmo", offset)
    assert match_score("xyz", "Grade") == 0
    assert rank("grd", NODES)[0].id == "Grade"
    assert rank("tmoff", NODES)[0].id == "TimeOffset"
    assert rank("blur", NODES)[0].id == "Blur"
    assert {t.id for t in rank("time", NODES)} >= {"TimeOffset", "FrameHold"}  # by category
    assert rank("back", NODES)[0].id == "Backdrop"
    assert len(rank("", NODES)) == len(NODES)
