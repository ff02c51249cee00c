"""Subtitle File, Script Subtitles and Burn-in through the real engine."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest
import torch

from filmstudio.core.errors import EvaluationError
from filmstudio.core.types import PortType
from filmstudio.script import Script, parse
from filmstudio.subtitles import Cue, Subtitles, lint, write_subtitles
from filmstudio.testing import NodeHarness
from filmstudio_nodes.subtitles import BurnIn, ScriptSubtitles, SubtitleFile

NTSC = Fraction(24000, 1001)
PLAY = parse(
    "INT. KITCHEN - NIGHT\n\n"
    "MARIE\nYou *never* listen to me [[cut?]] when I tell you the oven is still on.\n\n"
    "PAUL\nWhat?\n\n"
    "Paul turns the oven off.\n\n"
    "MARIE\nExactly.\n"
)


def test_subtitle_file_puts_the_files_cues_on_project_frames(tmp_path):
    cues = (Cue(1001, 1025, ("Un",)), Cue(1030, 1100, ("Deux", "lignes")))
    write_subtitles(Subtitles(cues, NTSC), tmp_path / "a.srt", origin=1001)
    with NodeHarness(SubtitleFile, {"file": str(tmp_path / "a.srt"), "start_frame": 1001}, fps=NTSC) as h:
        got = h.evaluate(1001)
        assert [(c.start, c.end, c.lines) for c in got] == [(c.start, c.end, c.lines) for c in cues]
        assert got.fps == NTSC and h.evaluate(1500) is got  # one value for every frame
        # saved again in a text editor: read again at the next evaluation
        write_subtitles(Subtitles((Cue(1010, 1040, ("Trois",)),), NTSC), tmp_path / "a.srt", origin=1001)
        os.utime(tmp_path / "a.srt", ns=(1, 2_000_000_000_000_000_000))
        assert [c.lines for c in h.evaluate(1001)] == [("Trois",)]


def test_subtitle_file_errors_say_what_to_do(tmp_path):
    with NodeHarness(SubtitleFile) as h, pytest.raises(EvaluationError, match="has no file"):
        h.evaluate()
    missing = {"file": str(tmp_path / "gone.srt")}
    with NodeHarness(SubtitleFile, missing) as h, pytest.raises(EvaluationError, match="was not found"):
        h.evaluate()


def test_script_subtitles_give_a_cue_per_dialogue_line_on_the_timing_models_frames():
    script = Script(PLAY)
    params = {"script_start": 101, "reading_speed": 150}
    with NodeHarness(ScriptSubtitles, params, {"script": script}, fps=NTSC) as h:
        subtitles = h.evaluate()
    timing = script.timing(NTSC, 101, 150)
    lines = PLAY.dialogue()
    assert len(subtitles) == len(lines) == 3
    for cue, timed, following in zip(subtitles, timing.lines, (*timing.lines[1:], None), strict=True):
        assert (cue.id, cue.speaker, cue.start) == (timed.line.id, timed.line.speaker, timed.first)
        # the timing model's end, or two frames earlier when the next line follows straight on
        touching = following is not None and following.first - timed.end < 2
        assert cue.end == (following.first - 2 if touching else timed.end)
    # notes and emphasis marks are the writers', not the audience's; two balanced lines
    assert subtitles.cues[0].lines == ("You never listen to me when I", "tell you the oven is still on.")
    assert [c.lines for c in subtitles.cues[1:]] == [("What?",), ("Exactly.",)]
    assert not [i for i in lint(subtitles) if i.rule == "gap"]


def test_the_sources_carry_the_lint_rules_as_parameters():
    for node in (SubtitleFile, ScriptSubtitles):
        defaults = {p.name: p.default for p in node.params}
        assert defaults["max_chars_per_second"] == 17.0 and defaults["max_line_length"] == 42
        assert defaults["max_lines"] == 2 and defaults["min_gap"] == 2
        assert defaults["min_duration"] == pytest.approx(5 / 6) and defaults["max_duration"] == 7.0
        assert node.outputs[0].type is PortType.SUBTITLES


def _burn(tmp_path: Path, lines: tuple[str, ...], frame: int = 10, **params) -> torch.Tensor:
    source = torch.zeros(4, 180, 320)
    source[2], source[3] = 0.25, 1.0
    subtitles = Subtitles((Cue(5, 29, lines),), 24)
    with NodeHarness(BurnIn, params, {"source": source, "subtitles": subtitles}, size=(320, 180)) as h:
        return h.evaluate(frame)


def save_png(image: torch.Tensor, path: Path) -> None:
    from PIL import Image

    pixels = (image[:3].clamp(0, 1).permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
    Image.fromarray(pixels).save(path)


def test_burn_in_draws_accents_and_cjk_with_the_shipped_font(tmp_path):
    image = _burn(
        tmp_path,
        ("Ça va, señor Müller ? Où êtes-vous ?", "你好\uff0c世界 — こんにちは 안녕하세요"),
        size=0.07,
    )
    save_png(image, Path(os.environ.get("SUBTITLE_PNG", tmp_path / "burn.png")))
    text = image[0] > 0.9  # white text over dark blue
    rows = text.any(dim=1).nonzero().flatten()
    assert rows.numel() and rows.min() > 180 * 0.6 and rows.max() <= 180 * 0.95  # above the safe edge
    outline = (image[2] < 0.1) & (image[3] > 0.99)  # black outline where the blue background was
    assert outline.sum() > text.sum() * 0.2
    # CJK glyphs are drawn, not the boxes of a font that lacks them: a character outside the
    # shipped subset (CJK extension B) draws the box, and differs from real glyphs
    tofu = _burn(tmp_path, ("\U0002000b\U0002000b",), size=0.07)
    kanji = _burn(tmp_path, ("你好",), size=0.07)
    other = _burn(tmp_path, ("世界",), size=0.07)
    assert not torch.equal(kanji, tofu) and not torch.equal(kanji, other)


def test_burn_in_passes_the_picture_through_between_cues(tmp_path):
    source = torch.rand(4, 36, 64)
    subtitles = Subtitles((Cue(5, 29, ("Hello",)),), 24)
    with NodeHarness(BurnIn, {}, {"source": source, "subtitles": subtitles}) as h:
        assert torch.equal(h.evaluate(4), source)
        assert not torch.equal(h.evaluate(5), source)
        assert torch.equal(h.evaluate(29), source)  # a cue ending at 29 is off on frame 29
    with NodeHarness(BurnIn, {}, {"source": source}) as h:
        assert torch.equal(h.evaluate(5), source)


def test_burn_in_at_the_top_and_in_a_box(tmp_path):
    image = _burn(tmp_path, ("Top",), position="top", box=True, outline=0.0)
    lit = (image[3] > 0.99) & ((image[0] - 0.0).abs() > 0.01)
    rows = lit.any(dim=1).nonzero().flatten()
    assert rows.min() >= 180 * 0.05 - 4 and rows.max() < 180 * 0.3
