"""The inspector shows a read-only lint summary on subtitle nodes, following edits."""

from __future__ import annotations

from filmstudio.ui.inspector.lint import WAITING, SubtitleLintRow
from tests.subtitles.test_lint import CRAFTED


def lint_row(inspector) -> SubtitleLintRow | None:
    return inspector.scroll.widget().findChild(SubtitleLintRow)


def test_a_subtitle_node_shows_its_lint_and_follows_its_rules(session, inspector, qtbot, tmp_path):
    (tmp_path / "crafted.srt").write_text(CRAFTED)
    node = session.graph.create("SubtitleFile", file=str(tmp_path / "crafted.srt"))
    session.select([node.uuid])
    row = lint_row(inspector)
    assert row is not None and row.label.text() == "Lint"
    qtbot.waitUntil(lambda: row.text() != WAITING)
    assert row.text() == (
        "8 cues; 6 lint problems: 1 speed, 1 line length, 1 lines, 1 too short, 1 too long, 1 gap"
    )
    assert "cue 2 (frames 121-144): 33.0 characters a second (at most 17)" in row.toolTip()
    # relaxing a rule in the node's parameters updates the row (one undoable edit, read-only row)
    node.set("max_line_length", 80)
    qtbot.waitUntil(lambda: "line length" not in row.text())
    assert row.text().startswith("8 cues; 5 lint problems")
    session.undo_stack.undo()
    qtbot.waitUntil(lambda: "1 line length" in row.text())


def test_only_subtitle_nodes_get_the_row_and_errors_are_shown(session, inspector, qtbot, tmp_path):
    grade = session.graph.create("Grade")
    session.select([grade.uuid])
    assert lint_row(inspector) is None
    broken = session.graph.create("SubtitleFile", file=str(tmp_path / "gone.srt"))
    session.select([broken.uuid])
    row = lint_row(inspector)
    qtbot.waitUntil(lambda: row.text() != WAITING)
    assert row.text().startswith("cannot lint:") and "was not found" in row.text()
