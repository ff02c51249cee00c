"""Phonemes for Piper voices from the espeak-ng program, as Piper's own phonemizer makes them.

espeak-ng is GPL-licensed, so it runs as a separate program (``espeak-ng -q --ipa -v VOICE``),
never linked: its licence does not reach FilmStudio's code. The program prints one line of IPA
per input line and drops punctuation, which Piper voices were trained with (a comma is a short
pause, a question mark a rising end). So the text is cut into clauses here, at the punctuation
espeak-ng would stop at, each clause is phonemized on its own input line, and the mark is put
back as piper-phonemize does: ``.``, ``?`` and ``!`` end a sentence (each sentence is a separate
utterance for the voice), ``,``, ``;`` and ``:`` are followed by a space. All the clauses of a
call go to one espeak-ng process; if its output does not line up with them (a clause it split
further), each clause is run on its own.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from filmstudio.speech.errors import EspeakMissingError, SpeechError

ESPEAK_TIMEOUT_S = 120
_BREAK = re.compile(r"([.!?;:,\u2026]+)[\"'\u201d\u2019)\]]*(?=\s|$)")
_LANGUAGE_SWITCH = re.compile(r"\([a-z]{2,3}(?:-[a-z0-9]+)?\)")  # "(fr)" where espeak-ng changes language
_SENTENCE_ENDS = ".?!"


@dataclass(frozen=True)
class Clause:
    """Text up to a punctuation mark (``mark``: one of ``.?!;:,``, or "" at the end of a text)."""

    text: str
    mark: str


def espeak_program() -> str:
    """The espeak-ng executable: ``$FILMSTUDIO_ESPEAK``, else ``espeak-ng`` on the PATH."""
    forced = os.environ.get("FILMSTUDIO_ESPEAK", "").strip()
    found = shutil.which(forced or "espeak-ng")
    if found is None:
        raise EspeakMissingError()
    return found


def espeak_available() -> bool:
    try:
        espeak_program()
    except EspeakMissingError:
        return False
    return True


def espeak_version() -> str:
    """espeak-ng's version line (recorded in takes: another version may phonemize differently)."""
    return _version_of(espeak_program())


@functools.lru_cache(maxsize=4)
def _version_of(program: str) -> str:
    done = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30)
    return done.stdout.strip().split("  Data at")[0]


def clauses(text: str) -> list[Clause]:
    """``text`` cut at clause punctuation followed by a space or the end (``1,000`` and ``e.g``
    stay whole); the ellipsis counts as a full stop."""
    text = " ".join(text.split())
    found: list[Clause] = []
    start = 0
    for match in _BREAK.finditer(text):
        run = match.group(1).replace("\u2026", ".")
        mark = next(m for m in "?!.;:," if m in run)
        found.append(Clause(text[start : match.start()].strip(), mark))
        start = match.end()
    rest = text[start:].strip()
    if rest:
        found.append(Clause(rest, ""))
    return found


def phonemize(texts: Sequence[str], voice: str) -> list[list[str]]:
    """For each text, its sentences as phoneme strings (IPA with Piper's punctuation), through
    one espeak-ng process with the espeak voice ``voice`` (a Piper voice's ``espeak.voice``).
    A text with nothing to say gives no sentences."""
    cut = [clauses(text) for text in texts]
    flat = [clause.text for parts in cut for clause in parts]
    spoken = _run(flat, voice) if flat else []
    if len(spoken) != len(flat):
        spoken = [" ".join(_run([clause], voice)) for clause in flat]
    result: list[list[str]] = []
    position = 0
    for parts in cut:
        sentences: list[str] = []
        current = ""
        for clause in parts:
            current += _LANGUAGE_SWITCH.sub("", spoken[position]).strip()
            position += 1
            if clause.mark in _SENTENCE_ENDS:
                current += clause.mark
                sentences.append(current)
                current = ""
            elif clause.mark:
                current += clause.mark + " "
        if current.strip():
            sentences.append(current.rstrip())
        result.append([s for s in sentences if any(ch.isalpha() for ch in s)])
    return result


def _run(lines: Sequence[str], voice: str) -> list[str]:
    """espeak-ng's IPA for each input line (it answers line by line on standard input)."""
    command = [espeak_program(), "-q", "--ipa", "-b", "1", "-v", voice]
    payload = "".join(line.replace("\n", " ") + "\n" for line in lines)
    try:
        done = subprocess.run(
            command, input=payload, capture_output=True, text=True, encoding="utf-8", timeout=ESPEAK_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise SpeechError(
            f"espeak-ng took over {ESPEAK_TIMEOUT_S} s to phonemize {len(lines)} clauses"
        ) from None
    except OSError as error:
        raise SpeechError(f"espeak-ng could not be started ({error}): reinstall it") from None
    problem = done.stderr.strip()
    if done.returncode != 0 or (problem and not done.stdout.strip()):
        gist = problem.splitlines()[0] if problem else f"exit status {done.returncode}"
        raise SpeechError(
            f"espeak-ng failed for voice {voice!r} ({gist}): check the voice's espeak setting "
            "(`espeak-ng --voices` lists the voices it has)"
        )
    return done.stdout.splitlines()
