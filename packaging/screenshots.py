"""Screenshots of the editor for the README: the main window on a demo project, offscreen.

    .venv/bin/python packaging/screenshots.py [OUTPUT_FOLDER] [--animatic]   (default: resources/screenshots)

Opens the demo project, selects its grade, moves to frame 30, fills the cache for the first half
of the shot (so the timeline's cache bar shows), waits for the viewer to show the frame and saves
``editor.png``. With ``--animatic``: the animatic demo (its models must be installed) on a line of
dialogue with its LLM Script selected, saved as ``editor-animatic.png``. Runs with
``QT_QPA_PLATFORM=offscreen``; user folders go to a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("FILMSTUDIO_DATA_DIR", tempfile.mkdtemp(prefix="filmstudio-shots-"))
os.environ.setdefault("FILMSTUDIO_CONFIG_DIR", os.environ["FILMSTUDIO_DATA_DIR"])

ROOT = Path(__file__).resolve().parents[1]
FRAME = 30


def wait_until(condition, timeout: float = 60.0) -> None:
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the editor did not settle in time")
        QApplication.processEvents()
        time.sleep(0.01)


def main(folder: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from filmstudio.bundle.demos import writable_demo
    from filmstudio.ui.app import open_window

    window = open_window(writable_demo("demo"), offer_recovery=False)
    window.resize(1720, 1040)
    window.show()
    session = window.session
    grade = next(n for n in session.project.nodes if n.type.id == "Grade")
    session.select([grade.uuid])
    viewed = session.viewed_node
    for frame in range(session.frame_range.first, 61):  # what a first scrub leaves in the cache
        session.engine.evaluate(viewed, frame)
    session.set_frame(FRAME)
    canvas = window.viewer.canvas
    wait_until(lambda: canvas.image() is not None)
    window.graph_view.frame_all()
    for _ in range(30):  # let the cache bar's throttled refresh and the badges catch up
        QApplication.processEvents()
        time.sleep(0.02)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "editor.png"
    window.grab().save(str(target))
    print(f"wrote {target}")
    window.session.undo_stack.setClean()
    window.close()
    return 0


def animatic(folder: Path) -> int:
    """The editor on the animatic demo: the Shots script selected, the viewer on a close shot."""
    from PySide6.QtWidgets import QApplication

    from filmstudio.bundle.demos import writable_demo
    from filmstudio.ui.app import open_window

    window = open_window(writable_demo("animatic", fresh=True), offer_recovery=False)
    window.resize(1720, 1040)
    window.show()
    session = window.session
    project = session.project
    cut = next(n for n in project.nodes if n.type.id == "BurnIn")
    frame = _a_spoken_frame(session)
    for number in range(session.frame_range.first, frame + 1):  # a scrub up to the frame
        session.engine.evaluate(cut, number)
    session.select([project["Shots"].uuid])
    session.set_frame(frame)
    canvas = window.viewer.canvas
    wait_until(lambda: canvas.image() is not None, timeout=300)
    window.graph_view.frame_all()
    for _ in range(50):
        QApplication.processEvents()
        time.sleep(0.02)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "editor-animatic.png"
    window.grab().save(str(target))
    _palette(target)
    print(f"wrote {target}")
    window.session.undo_stack.setClean()
    window.close()
    return 0


def _palette(path: Path) -> None:
    """256 colours: a third of the size, and the painted frame still reads."""
    from PIL import Image

    with Image.open(path) as image:
        quantised = image.convert("RGB").quantize(colors=256)
    quantised.save(path, optimize=True)


def _a_spoken_frame(session) -> int:
    """The middle of the last subtitle: a close shot with its line burnt in."""
    cues = session.engine.evaluate("Voices", session.frame_range.first, output="subtitles")
    last = list(cues)[-1]
    return (last.start + last.end) // 2


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(arguments[0]) if arguments else ROOT / "resources" / "screenshots"
    sys.exit(animatic(out) if "--animatic" in sys.argv else main(out))
