"""The editor's take jobs for one session: Generate (streaming, Stop) and contact sheets.

Every panel that shows takes (the inspector's Takes section, the Script panel, the viewer's node
tools) asks :func:`hub_of` for the session's one :class:`TakesHub`, so a generation started in one
is followed and stopped in the others. Jobs go to the jobs panel: the hub emits ``jobCreated`` and
the main window starts the job there (with no listener the hub starts it itself).

Threads: a generation is planned on the GUI thread (the node's inputs as they are now, see
:func:`filmstudio.llm.generation.plan_generation`), run on the job's thread (a local model or a
GAN on the model worker) and stored as a new take on the GUI thread when it finishes — one undo
step, or nothing when it was stopped or failed. The text a node streams while it generates
(``filmstudio.llm.request.emit``) arrives on the generating thread and is handed to the GUI
thread by a queued signal; :meth:`TakesHub.streamed` keeps what arrived so far, so a panel shown
mid-generation catches up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from filmstudio.core import takes
from filmstudio.core.context import CancelToken
from filmstudio.core.errors import FilmStudioError
from filmstudio.ui.jobs import Job
from filmstudio.ui.session import EditorSession

CONTACT_SHEET_SIZES = (9, 16)


@dataclass(frozen=True)
class ContactSheet:
    """Candidate seeds of a node and their pictures (``pictures``: uint8 ``[h, w, 3]`` arrays, row
    by row as the seeds), drawn at ``frame``; the viewer shows it until a seed is picked."""

    node: str  # uuid
    node_name: str
    frame: int
    seeds: tuple[int, ...]
    pictures: tuple[Any, ...]


class TakesHub(QObject):
    """Take jobs of one session. GUI thread, but for the private ``_piece`` signal.

    Signals: ``jobCreated(Job)`` (for the jobs panel), ``generationStarted(uuid)``,
    ``textArrived(uuid, piece)``, ``generationEnded(uuid, state)`` with state "done", "failed"
    or "cancelled", ``contactSheetReady(ContactSheet)``.
    """

    jobCreated = Signal(object)
    generationStarted = Signal(str)
    textArrived = Signal(str, str)
    generationEnded = Signal(str, str)
    contactSheetReady = Signal(object)
    _piece = Signal(str, str)  # emitted on generating threads; queued to the GUI thread

    def __init__(self, session: EditorSession) -> None:
        super().__init__(session)
        self.setObjectName("takes hub")
        self.session = session
        self._jobs: dict[str, Job] = {}
        self._streams: dict[str, list[str]] = {}
        self._own: list[Job] = []  # jobs no panel took: joined by shutdown()
        self._piece.connect(self._arrived)

    # --- generating ------------------------------------------------------------------------------

    def generating(self, uuid: str) -> Job | None:
        """The running generation of node ``uuid``, if any."""
        return self._jobs.get(uuid)

    def streamed(self, uuid: str) -> str:
        """The text node ``uuid``'s running generation has written so far ("" when none)."""
        return "".join(self._streams.get(uuid, ()))

    def generate(self, uuid: str) -> Job | None:
        """Start a new take of node ``uuid`` at the current frame as a job; None (reported) when
        one is running already or it cannot be planned."""
        from filmstudio.llm.generation import plan_generation, run_generation

        session = self.session
        node = session.node(uuid)
        if uuid in self._jobs:
            session.report(f"{node.name} is generating already: stop it first", "warning")
            return None
        if not takes.makes_takes(node.type):
            session.report(f"{node.name} ({node.type.display_name()}) does not make takes", "warning")
            return None
        graph = session.graph
        outcome: list[dict[str, Any]] = []

        def run(_progress: Callable[[int, int], None], _cancel: CancelToken) -> str:
            outcome.append(run_generation(planned, lambda piece: self._piece.emit(uuid, piece)))
            return f"{node.type.generate_label}: {planned.name} has a new take"

        job = Job(f"{node.type.generate_label} {node.name}", run)
        try:  # the generation checks the job's own token: Stop here or in the jobs panel
            planned = plan_generation(session.engine, node, session.current_frame, job.token)
        except FilmStudioError as error:
            session.report(f"Cannot generate {node.name}: {error}", "error")
            return None

        def finished(state: str, _message: str) -> None:
            self._jobs.pop(uuid, None)
            self._streams.pop(uuid, None)
            if state == "done" and outcome and session.graph is graph and uuid in graph.nodes:
                try:
                    takes.add_take(graph.nodes[uuid], outcome[0])
                except FilmStudioError as error:
                    session.report(f"Cannot store the take of {node.name}: {error}", "error")
                    state = "failed"
            self.generationEnded.emit(uuid, state)

        job.finished.connect(finished)
        self._jobs[uuid] = job
        self._streams[uuid] = []
        self._launch(job)
        self.generationStarted.emit(uuid)
        return job

    def stop(self, uuid: str) -> None:
        """Stop node ``uuid``'s generation: nothing is stored (the job ends "cancelled")."""
        job = self._jobs.get(uuid)
        if job is not None:
            job.cancel()

    def _arrived(self, uuid: str, piece: str) -> None:
        if uuid in self._streams:
            self._streams[uuid].append(piece)
            self.textArrived.emit(uuid, piece)

    # --- contact sheets --------------------------------------------------------------------------

    def contact_sheet(self, uuid: str, count: int = 16) -> Job | None:
        """Draw ``count`` candidate seeds of node ``uuid`` and render them (a job on the model
        worker); ``contactSheetReady`` brings the sheet. None (reported) when the node has no
        seeds to pick from."""
        session = self.session
        node = session.node(uuid)
        if not takes.offers_seeds(node.type):
            session.report(f"{node.name} ({node.type.display_name()}) has no seeds to pick from", "warning")
            return None
        frame = session.current_frame
        ctx = session.project.context(node, frame)
        ctx.device = session.engine.compute_device
        implementation = node.type.shared()
        worker = session.engine.model_worker
        graph = session.graph
        outcome: list[ContactSheet] = []

        def run(_progress: Callable[[int, int], None], cancel: CancelToken) -> str:
            ctx.cancel = cancel
            seeds, pictures = worker().submit(implementation.seed_candidates, ctx, count).result()
            outcome.append(ContactSheet(uuid, node.name, frame, tuple(seeds), tuple(_rgb8(pictures))))
            return f"contact sheet of {node.name}: {count} seeds (click one in the viewer)"

        job = Job(f"Contact sheet {node.name}", run)

        def finished(state: str, _message: str) -> None:
            if state == "done" and outcome and session.graph is graph and uuid in graph.nodes:
                self.contactSheetReady.emit(outcome[0])

        job.finished.connect(finished)
        self._launch(job)
        return job

    def pick_seed(self, sheet: ContactSheet, seed: int, name: str | None = None) -> str | None:
        """Make ``seed`` (picked from ``sheet``) a new active take named ``name``: one undo step;
        its id, or None (reported) when the node has gone or refuses it."""
        session = self.session
        node = session.graph.nodes.get(sheet.node)
        if node is None:
            session.report(f"{sheet.node_name} is not in the graph any more", "warning")
            return None
        try:
            data = node.type.shared().take_of_seed(session.project.context(node, sheet.frame), seed)
            return takes.add_take(node, data, name=name or None)
        except FilmStudioError as error:
            session.report(f"Cannot make a take of seed {seed}: {error}", "error")
            return None

    # --- jobs ------------------------------------------------------------------------------------

    def _launch(self, job: Job) -> None:
        self.jobCreated.emit(job)
        if job.state == "queued":  # no jobs panel took it
            job.setParent(self)
            self._own.append(job)
            job.start()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel and join the jobs the hub started itself (those of the jobs panel are its own)."""
        for job in self._own:
            job.cancel()
        for job in self._own:
            job.wait(timeout)


def hub_of(session: EditorSession) -> TakesHub:
    """The session's take jobs (made on first use, owned by the session)."""
    hub = session.findChild(TakesHub, "takes hub")
    return hub if hub is not None else TakesHub(session)


def _rgb8(pictures: Any) -> list[Any]:
    """sRGB ``[N, C, H, W]`` floats in 0..1 as ``[H, W, 3]`` uint8 arrays (grey repeated)."""
    import numpy as np

    array = pictures.detach().float().clamp(0, 1).cpu().numpy()
    if array.shape[1] == 1:
        array = np.repeat(array, 3, axis=1)
    pixels = np.ascontiguousarray((array[:, :3] * 255 + 0.5).astype(np.uint8).transpose(0, 2, 3, 1))
    return list(pixels)
