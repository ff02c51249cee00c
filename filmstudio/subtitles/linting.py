"""Subtitle lint: reading speed, line length, lines per cue, duration and gaps.

The defaults are Netflix's published rules for English (Timed Text Style Guide): at most 17
characters a second, 42 characters a line, 2 lines a cue, on screen for 5/6 of a second to 7
seconds, and at least 2 frames between cues. Other languages have other limits (Netflix gives
Japanese 4 characters a second and 13 a line), so the rules are parameters of each node that
makes subtitles (:data:`LINT_PARAMETERS`), saved with the project, and a translation can carry
its own. Characters are counted as a reader meets them: every character of every line, spaces
and punctuation included, line breaks not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from filmstudio.subtitles.cues import Cue, Subtitles

# parameter name -> (default, what it limits); nodes declare them with these names and defaults
LINT_PARAMETERS: dict[str, tuple[float, str]] = {
    "max_chars_per_second": (17.0, "reading speed: characters a second at most"),
    "max_line_length": (42, "characters a line at most"),
    "max_lines": (2, "lines a cue at most"),
    "min_duration": (5 / 6, "seconds a cue stays up at least (5/6 s: 20 frames at 24 fps)"),
    "max_duration": (7.0, "seconds a cue stays up at most"),
    "min_gap": (2, "frames between one cue's end and the next one's start, at least"),
}
RULES = ("speed", "line length", "lines", "too short", "too long", "gap")


def _exact(value: float) -> Fraction:
    """A limit typed as a decimal, as the exact fraction it stands for (0.8333... is 5/6), so a
    cue of exactly 20 frames at 24 fps meets a 5/6 s minimum."""
    return Fraction(value).limit_denominator(1000)


@dataclass(frozen=True)
class LintRules:
    max_chars_per_second: Fraction = Fraction(17)
    max_line_length: int = 42
    max_lines: int = 2
    min_duration: Fraction = Fraction(5, 6)
    max_duration: Fraction = Fraction(7)
    min_gap: int = 2

    @classmethod
    def from_values(cls, values: Mapping[str, Any] | Any) -> LintRules:
        """The rules a node's parameter values set (:data:`LINT_PARAMETERS`); a node without some
        of them (a plugin's) gets the defaults for those."""

        def get(name: str) -> Any:
            if isinstance(values, Mapping):
                return values.get(name, LINT_PARAMETERS[name][0])
            return getattr(values, name, LINT_PARAMETERS[name][0])

        return cls(
            _exact(get("max_chars_per_second")),
            int(get("max_line_length")),
            int(get("max_lines")),
            _exact(get("min_duration")),
            _exact(get("max_duration")),
            int(get("min_gap")),
        )


@dataclass(frozen=True)
class LintIssue:
    """One rule one cue breaks: ``rule`` is one of :data:`RULES`; ``message`` says by how much."""

    cue: Cue
    rule: str
    message: str

    def __str__(self) -> str:
        return f"cue {self.cue.id or '?'} (frames {self.cue.start}-{self.cue.end - 1}): {self.message}"


def characters(cue: Cue) -> int:
    return sum(len(line) for line in cue.lines)


def lint(subtitles: Subtitles, rules: LintRules | None = None) -> list[LintIssue]:
    """Every rule every cue breaks, in cue order."""
    rules = rules or LintRules()
    fps = subtitles.fps
    issues: list[LintIssue] = []
    cues = subtitles.cues
    for index, cue in enumerate(cues):
        seconds = cue.seconds(fps)
        speed = characters(cue) / seconds
        if speed > rules.max_chars_per_second:
            issues.append(LintIssue(cue, "speed", f"{float(speed):.1f} characters a second "
                                    f"(at most {float(rules.max_chars_per_second):g})"))  # fmt: skip
        for number, line in enumerate(cue.lines, start=1):
            if len(line) > rules.max_line_length:
                issues.append(LintIssue(cue, "line length", f"line {number} has {len(line)} characters "
                                        f"(at most {rules.max_line_length})"))  # fmt: skip
        if len(cue.lines) > rules.max_lines:
            issues.append(LintIssue(cue, "lines", f"{len(cue.lines)} lines (at most {rules.max_lines})"))
        if seconds < rules.min_duration:
            issues.append(LintIssue(cue, "too short", f"up for {float(seconds):.3f} s "
                                    f"(at least {float(rules.min_duration):.3f} s)"))  # fmt: skip
        if seconds > rules.max_duration:
            issues.append(LintIssue(cue, "too long", f"up for {float(seconds):.3f} s "
                                    f"(at most {float(rules.max_duration):g} s)"))  # fmt: skip
        if index + 1 < len(cues):
            gap = cues[index + 1].start - cue.end
            if gap < rules.min_gap:
                what = (
                    f"overlaps the next cue by {-gap} frame{'s' if gap != -1 else ''}"
                    if gap < 0
                    else f"{gap} frame{'s' if gap != 1 else ''} before the next cue"
                )
                issues.append(LintIssue(cue, "gap", f"{what} (at least {rules.min_gap})"))
    return issues


def summary(subtitles: Subtitles, issues: list[LintIssue]) -> str:
    """One line: how many cues, and how many break each rule, e.g.
    ``12 cues; 3 problems: 2 too fast, 1 gap``."""
    cues = f"{len(subtitles)} cue{'s' if len(subtitles) != 1 else ''}"
    if not issues:
        return f"{cues}; no lint problems"
    counts = Counter(issue.rule for issue in issues)
    parts = ", ".join(f"{counts[rule]} {rule}" for rule in RULES if counts[rule])
    return f"{cues}; {len(issues)} lint problem{'s' if len(issues) != 1 else ''}: {parts}"


def report_lines(subtitles: Subtitles, issues: list[LintIssue], limit: int = 20) -> list[str]:
    """The :func:`summary`, then one line an issue (at most ``limit``, then how many more)."""
    lines = [summary(subtitles, issues), *(str(issue) for issue in issues[:limit])]
    if len(issues) > limit:
        lines.append(f"... and {len(issues) - limit} more")
    return lines
