"""The timing model: shots, scenes and dialogue lines placed on project frames, exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest

from filmstudio.script import Script, ScriptError, Shot, parse
from filmstudio.script.timing import DEFAULT_SHOT_SECONDS, MIN_LINE_SECONDS

# At 160 words a minute, 8 words take 3 seconds: 72 frames at 24 fps.
EIGHT_WORDS = "I kept this light burning for forty years."
SCREENPLAY = parse(
    "INT. LIGHTHOUSE - NIGHT\n\n"
    f"ADA\n{EIGHT_WORDS}\n\n"
    "TOM\nNo.\n\n"
    "EXT. HARBOUR - DAY\n\n"
    "Eight words of action take three seconds here.\n"
)
LIGHTHOUSE, HARBOUR = SCREENPLAY.scenes()
ADA, TOM = SCREENPLAY.dialogue()


def test_without_shots_scenes_last_as_long_as_reading_them():
    timing = Script(SCREENPLAY).timing(24, start_frame=1001)
    assert [(line.first, line.end) for line in timing.lines] == [(1001, 1073), (1073, 1097)]  # "No." 1 s
    assert [(s.heading, s.first, s.end) for s in timing.scenes] == [
        (LIGHTHOUSE.heading, 1001, 1097),
        (HARBOUR.heading, 1097, 1169),
    ]
    assert timing.shots == () and timing.end == 1169


def test_shots_take_their_duration_or_their_dialogue_or_the_default():
    shots = (
        Shot(LIGHTHOUSE.id, "1", duration=Fraction(5, 2)),  # 60 frames, no dialogue
        Shot(LIGHTHOUSE.id, "2", dialogue=(ADA.id, TOM.id)),  # 3 s + 1 s
        Shot(HARBOUR.id, "3"),  # nothing to go by: the default
    )
    timing = Script(SCREENPLAY, shots).timing(24)
    assert [(s.shot.number, s.first, s.end) for s in timing.shots] == [
        ("1", 1, 61),
        ("2", 61, 157),
        ("3", 157, 157 + 24 * DEFAULT_SHOT_SECONDS),
    ]
    assert [(line.line.speaker, line.first, line.end) for line in timing.lines] == [
        ("ADA", 61, 133),
        ("TOM", 133, 157),
    ]
    assert [(s.heading.text, s.first, s.end) for s in timing.scenes] == [
        ("INT. LIGHTHOUSE - NIGHT", 1, 157),
        ("EXT. HARBOUR - DAY", 157, 229),
    ]


def test_a_short_shot_cuts_its_dialogue_off():
    shots = (Shot(LIGHTHOUSE.id, "1", dialogue=(ADA.id, TOM.id), duration=Fraction(2)),)
    timing = Script(SCREENPLAY, shots).timing(24)
    assert [(line.first, line.end) for line in timing.lines] == [(1, 49), (49, 49)]
    assert timing.at(48).line == ADA and timing.at(49).line is None


def test_ntsc_rates_never_drift():
    """1000 shots of 1.001 s at 23.976 fps are exactly 24 frames each: no rounding creeps in."""
    fps = Fraction(24000, 1001)
    shots = tuple(Shot(LIGHTHOUSE.id, str(n), duration=Fraction(1001, 1000)) for n in range(1000))
    timing = Script(SCREENPLAY, shots).timing(fps, start_frame=0)
    assert {s.end - s.first for s in timing.shots} == {24}
    assert timing.end == 24000
    # and ranges tile the timeline at any rate
    uneven = Script(SCREENPLAY, shots[:7]).timing(Fraction(30000, 1001))
    assert all(a.end == b.first for a, b in zip(uneven.shots, uneven.shots[1:], strict=False))


def test_at_says_what_is_current():
    shots = (Shot(LIGHTHOUSE.id, "1", size="CU", dialogue=(ADA.id,)), Shot(HARBOUR.id, "2"))
    script = Script(SCREENPLAY, shots)
    now = script.at(10, 24)
    assert (now.shot.number, now.scene.text, now.line.speaker) == ("1", "INT. LIGHTHOUSE - NIGHT", "ADA")
    later = script.at(80, 24)
    assert (later.shot.number, later.scene.text, later.line) == ("2", "EXT. HARBOUR - DAY", None)
    before, after = script.at(0, 24), script.at(10_000, 24)
    assert before.shot is before.scene is before.line is None
    assert after.shot is after.scene is after.line is None


def test_reading_speed_and_minimum():
    slow = Script(SCREENPLAY).timing(24, reading_speed_wpm=80)
    assert slow.lines[0].end - slow.lines[0].first == 144  # 8 words at 80 wpm: 6 s
    assert slow.lines[1].end - slow.lines[1].first == 24 * MIN_LINE_SECONDS


def test_bad_rates_are_clear_errors():
    with pytest.raises(ScriptError, match="frame rate must be positive"):
        Script(SCREENPLAY).timing(0)
    with pytest.raises(ScriptError, match="reading speed"):
        Script(SCREENPLAY).timing(24, reading_speed_wpm=0)
