"""Screenshots of the editor for the README: the main window on the demo project, offscreen.

    .venv/bin/python packaging/screenshots.py [OUTPUT_FOLDER]   (default: resources/screenshots)

Opens the demo project, selects its grade, moves to frame 30, fills the cache for the first half
of the shot (so the timeline's cache bar shows), waits for the viewer to show the frame and saves
``editor.png``. Runs with ``QT_QPA_PLATFORM=offscreen``; user folders go to a temporary folder.
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

    from filmstudio.ui.app import DEMO_PROJECT, open_window

    window = open_window(DEMO_PROJECT, offer_recovery=False)
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


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "screenshots"))
