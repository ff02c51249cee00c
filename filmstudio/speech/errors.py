"""Errors of speech synthesis, each with a message a user can act on."""

from __future__ import annotations

from filmstudio.core.errors import FilmStudioError

ESPEAK_INSTALL = (
    "install the espeak-ng program (Debian/Ubuntu: `sudo apt-get install espeak-ng`; Fedora: "
    "`sudo dnf install espeak-ng`; macOS: `brew install espeak-ng`; Windows: the .msi from the "
    "espeak-ng releases), or set $FILMSTUDIO_ESPEAK to its path, then generate again"
)


class SpeechError(FilmStudioError):
    """Speech that cannot be made or rendered as asked; the message says what to change."""


class EspeakMissingError(SpeechError):
    """Piper voices need the espeak-ng program (run as a separate process) for their phonemes."""

    def __init__(self) -> None:
        super().__init__(
            f"Piper voices read their phonemes from espeak-ng, which is not installed: {ESPEAK_INSTALL}"
        )
