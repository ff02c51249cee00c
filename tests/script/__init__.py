"""Tests of filmstudio.script; EVERY_ELEMENT is a screenplay that uses every Fountain element."""

from pathlib import Path

EVERY_ELEMENT = Path(__file__).with_name("every_element.fountain")
