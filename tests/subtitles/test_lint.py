"""The lint flags each of Netflix's English rules on a crafted file, and follows a node's own rules."""

from __future__ import annotations

from fractions import Fraction

from filmstudio.subtitles import LintRules, lint, lint_report, read_subtitles

# At 24 fps. Each cue breaks exactly one rule, except the first and last, which break none.
CRAFTED = """1
00:00:01,000 --> 00:00:04,000
A fine cue: short lines,
easy to read.

2
00:00:05,000 --> 00:00:06,000
Far too much to read in a second.

3
00:00:06,500 --> 00:00:12,500
This single line of text is longer than forty-two characters.

4
00:00:13,000 --> 00:00:16,000
One,
two,
three lines.

5
00:00:17,000 --> 00:00:17,500
Hi.

6
00:00:18,000 --> 00:00:26,000
Eight seconds.

7
00:00:27,000 --> 00:00:29,000
Almost touching the next cue.

8
00:00:29,041 --> 00:00:31,000
Right after.
"""

EXPECTED = {
    "2": ["speed"],
    "3": ["line length"],
    "4": ["lines"],
    "5": ["too short"],
    "6": ["too long"],
    "7": ["gap"],
}


def crafted(tmp_path):
    (tmp_path / "crafted.srt").write_text(CRAFTED)
    return read_subtitles(tmp_path / "crafted.srt", 24)


def test_each_rule_is_flagged_on_the_cue_that_breaks_it(tmp_path):
    subtitles = crafted(tmp_path)
    found: dict[str, list[str]] = {}
    for issue in lint(subtitles):
        found.setdefault(issue.cue.id, []).append(issue.rule)
    assert found == EXPECTED
    messages = [str(issue) for issue in lint(subtitles)]
    assert "cue 2 (frames 121-144): 33.0 characters a second (at most 17)" in messages
    assert "cue 7 (frames 649-696): 1 frame before the next cue (at least 2)" in messages


def test_the_minimum_is_exactly_five_sixths_of_a_second():
    from filmstudio.subtitles import Cue, Subtitles

    twenty = Subtitles((Cue(1, 21, ("ok",)),), 24)  # 20 frames at 24 fps: 5/6 s exactly
    nineteen = Subtitles((Cue(1, 20, ("ok",)),), 24)
    assert lint(twenty) == []
    assert [i.rule for i in lint(nineteen)] == ["too short"]
    # at 25 fps, 5/6 s is 20.8 frames: 21 pass, 20 do not
    assert lint(Subtitles((Cue(1, 22, ("ok",)),), 25)) == []
    assert [i.rule for i in lint(Subtitles((Cue(1, 21, ("ok",)),), 25))] == ["too short"]


def test_a_nodes_parameters_set_the_rules(tmp_path):
    subtitles = crafted(tmp_path)
    relaxed = LintRules.from_values(
        {
            "max_chars_per_second": 60.0,
            "max_line_length": 80,
            "max_lines": 3,
            "min_duration": 0.5,
            "max_duration": 9.0,
            "min_gap": 1,
        }
    )
    assert relaxed.min_duration == Fraction(1, 2)
    assert lint(subtitles, relaxed) == []
    assert LintRules.from_values({}) == LintRules()  # a plugin node without them: the defaults
    assert LintRules.from_values({"min_duration": 5 / 6}).min_duration == Fraction(5, 6)


def test_the_report_sums_up_by_rule(tmp_path):
    subtitles = crafted(tmp_path)
    lines = lint_report(subtitles, lint(subtitles), limit=2)
    assert lines[0] == (
        "8 cues; 6 lint problems: 1 speed, 1 line length, 1 lines, 1 too short, 1 too long, 1 gap"
    )
    assert len(lines) == 4 and lines[-1] == "... and 4 more"
