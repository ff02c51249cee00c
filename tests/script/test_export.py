"""Script exports: every format read back by its own reader, and nothing half-written."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ElementTree
from fractions import Fraction
from pathlib import Path

import pytest

from filmstudio.core.node import Node, Output
from filmstudio.core.types import PortType
from filmstudio.script import Script, ScriptError, Shot, parse, write
from filmstudio.script.export import export_script

EVERY_ELEMENT = Path(__file__).with_name("every_element.fountain")
SCREENPLAY = parse(EVERY_ELEMENT.read_text(encoding="utf-8"))
_, LIGHTHOUSE, FLASHBACK, HARBOUR = SCREENPLAY.scenes()
LINES = SCREENPLAY.dialogue()
SHOTS = (
    Shot(LIGHTHOUSE.id, "1", "WS", "crane down", "The lighthouse in the storm", ("ADA",), (), Fraction(5, 2)),
    Shot(LIGHTHOUSE.id, "2", "CU", "static", "Ada", ("ADA",), (LINES[0].id, LINES[1].id)),
    Shot(HARBOUR.id, "3", "EWS", "", "Boats", (), (), Fraction(1001, 1000)),
)
SCRIPT = Script(SCREENPLAY, SHOTS)
NTSC = Fraction(24000, 1001)


def test_fountain_is_the_normalised_screenplay(tmp_path):
    path = export_script(SCRIPT, tmp_path / "pilot.fountain")
    assert path.read_text(encoding="utf-8") == write(SCREENPLAY)
    assert parse(path.read_text(encoding="utf-8")) == SCREENPLAY


def test_pdf_is_a_screenplay_document(tmp_path):
    data = export_script(SCRIPT, tmp_path / "pilot.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"THE LAST LIGHTHOUSE" in data  # the title page's title, in the document info


def test_fdx_is_final_draft_xml_with_our_elements(tmp_path):
    root = ElementTree.parse(export_script(SCRIPT, tmp_path / "pilot.fdx")).getroot()
    paragraphs = [(p.get("Type"), "".join(p.itertext()).strip()) for p in root.iter("Paragraph")]
    assert ("Scene Heading", "INT. LIGHTHOUSE - NIGHT") in paragraphs
    assert ("Character", "ADA (V.O.)") in paragraphs
    assert ("Dialogue", "I kept this light for forty years.") in paragraphs
    assert ("Transition", "CUT TO:") in paragraphs


def test_html(tmp_path):
    html = export_script(SCRIPT, tmp_path / "pilot.html").read_text(encoding="utf-8")
    assert "INT. LIGHTHOUSE - NIGHT" in html and "Forty years." in html


def test_csv_is_the_timed_shot_list(tmp_path):
    path = export_script(SCRIPT, tmp_path / "shots.csv", fps=24, start_frame=1001)
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [row["shot"] for row in rows] == ["1", "2", "3"]
    assert rows[0]["scene"] == "INT. LIGHTHOUSE - NIGHT" and rows[0]["scene_id"] == LIGHTHOUSE.id
    assert (rows[0]["first_frame"], rows[0]["last_frame"], rows[0]["duration_s"]) == ("1001", "1060", "2.5")
    assert rows[1]["first_frame"] == "1061" and rows[1]["dialogue"] == f"{LINES[0].id} {LINES[1].id}"
    assert rows[2]["duration_s"] == "1.001" and rows[0]["characters"] == "ADA"


def test_otio_is_a_timeline_of_placeholder_clips(tmp_path):
    otio = pytest.importorskip("opentimelineio")
    path = export_script(SCRIPT, tmp_path / "shots.otio", fps=NTSC, start_frame=1001)
    timeline = otio.adapters.read_from_file(str(path))
    (track,) = timeline.tracks
    clips = list(track)
    timing = SCRIPT.timing(NTSC, 1001)
    assert [c.metadata["filmstudio"]["shot"]["number"] for c in clips] == ["1", "2", "3"]
    assert [c.source_range.duration.value for c in clips] == [t.end - t.first for t in timing.shots]
    assert clips[2].source_range.duration.value == 24  # 1.001 s at 23.976 fps: 24 frames
    assert timeline.global_start_time.value == 1001
    assert isinstance(clips[0].media_reference, otio.schema.GeneratorReference)
    markers = [m.name for m in clips[1].markers]
    assert markers == ["ADA: I kept this light for forty years.", "ADA: Forty years.\nAnd not one ship lost."]
    assert Shot.from_json(clips[0].metadata["filmstudio"]["shot"]) == SHOTS[0]


def test_shot_list_formats_need_a_shot_list(tmp_path):
    with pytest.raises(ScriptError, match="no shot list"):
        export_script(Script(SCREENPLAY), tmp_path / "shots.csv")
    assert list(tmp_path.iterdir()) == []


def test_bad_names_and_folders_are_clear_errors(tmp_path):
    with pytest.raises(ScriptError, match="cannot tell the export format"):
        export_script(SCRIPT, tmp_path / "pilot.docx")
    with pytest.raises(ScriptError, match="unknown script export format"):
        export_script(SCRIPT, tmp_path / "pilot.txt", "docx")
    with pytest.raises(ScriptError, match="output folder does not exist"):
        export_script(SCRIPT, tmp_path / "missing" / "pilot.pdf")


def test_a_failed_export_leaves_the_old_file_and_no_partial_one(tmp_path, monkeypatch):
    import screenplain.export.pdf

    def broken(screenplay, output, **kwargs):
        output.write(b"%PDF-1.4 half a document")
        raise KeyboardInterrupt  # Ctrl+C in the middle of the layout

    target = tmp_path / "pilot.pdf"
    target.write_bytes(b"the previous export")
    monkeypatch.setattr(screenplain.export.pdf, "to_pdf", broken)
    with pytest.raises(KeyboardInterrupt):
        export_script(SCRIPT, target)
    assert target.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["pilot.pdf"]


class ScriptTake(Node):
    """Stands in for the LLM Script node: a take holds a script; renders read the active take."""

    id = "test.ScriptTake"
    outputs = (Output("script", PortType.SCRIPT),)
    generated = 0

    def generate_take(self, ctx):
        type(self).generated += 1
        return {"script": SCRIPT.to_json()}

    def evaluate(self, ctx):
        return Script.from_json(ctx.take["script"])


def test_export_evaluates_the_active_take_and_never_generates(node_harness, tmp_path):
    from filmstudio.render.script import export_node_script

    harness = node_harness(ScriptTake)
    harness.engine.generate_take(harness.node, 1)
    done = export_node_script(harness.project, harness.node, tmp_path / "shots.csv")
    assert (done.format, done.scenes, done.shots) == ("csv", 3, 3)
    assert ScriptTake.generated == 1  # the export read the take; nothing was generated again
    with (tmp_path / "shots.csv").open(newline="", encoding="utf-8") as file:
        assert [row["shot"] for row in csv.DictReader(file)] == ["1", "2", "3"]
