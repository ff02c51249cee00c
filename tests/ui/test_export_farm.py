"""Render > Export on a farm: the dialog's workers, cluster and chunk fields, and a render on
local worker processes from the jobs panel."""

from __future__ import annotations

import pytest

from filmstudio.media import probe
from filmstudio.render.farm_plan import FarmSettings
from filmstudio.ui.export_dialog import ExportDialog
from filmstudio.ui.jobs import JobsPanel


def _renderable(session, tmp_path, frames=24):
    graph = session.graph
    ramp = graph.create("Ramp")
    write = graph.create("Write", file="out.mp4", speed="ultrafast")
    graph.connect(ramp, write)
    session.save(tmp_path / "shot.fsproj")
    session.set_in_out(1, frames)
    return write


def test_the_dialog_asks_for_a_farm_only_when_one_is_set(session, qtbot, tmp_path):
    _renderable(session, tmp_path)
    dialog = ExportDialog(session)
    qtbot.addWidget(dialog)
    assert dialog.farm() is None  # by default the render runs here, as before
    assert dialog.workers.text() == "off: render here" and dialog.chunk.text() == "automatic"
    dialog.chunk.setValue(12)
    dialog.render_button.click()
    assert dialog.job() is None and "set farm workers or a cluster" in dialog.problem.text()
    dialog.workers.setValue(3)
    assert dialog.farm() == FarmSettings(workers=3, chunk=12)
    dialog.cluster.setText(" tcp://render-head:8786 ")
    assert dialog.farm() == FarmSettings(cluster="tcp://render-head:8786", chunk=12)


@pytest.fixture(scope="module")
def dask_threads() -> None:
    """Dask's process-wide thread, started before the test's thread-leak check looks."""
    from tests.render.conftest import warm_dask_threads

    warm_dask_threads()


@pytest.mark.slow
def test_export_on_local_workers_from_the_jobs_panel(session, qtbot, tmp_path, dask_threads):
    _renderable(session, tmp_path)
    panel = JobsPanel(session)
    qtbot.addWidget(panel)
    dialog = ExportDialog(session)
    qtbot.addWidget(dialog)
    dialog.workers.setValue(2)
    dialog.chunk.setValue(8)
    dialog.render_button.click()
    job = dialog.job()
    assert job is not None
    progress = []
    job.progressed.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(job.finished, timeout=240_000) as finished:
        panel.start(job)
    assert finished.args[0] == "done", finished.args[1]
    assert "in 3 chunks" in finished.args[1]
    assert progress[-1] == (24, 24)
    assert probe(tmp_path / "out.mp4").frame_count == 24
    panel.shutdown()
