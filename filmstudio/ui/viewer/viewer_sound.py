"""The viewer's sound: the viewed node's waveform under the timeline's ruler, sound with playback,
grains while scrubbing. Wires :class:`SoundLoader`, :class:`WaveformStrip` and
:class:`SoundPlayer` to the session, the timeline and playback. GUI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

from filmstudio.audio.clip import Audio
from filmstudio.core.graph import GraphEvent, GraphEventKind
from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer.playback import Playback
from filmstudio.ui.viewer.sound import SoundLoader
from filmstudio.ui.viewer.sound_output import SoundPlayer
from filmstudio.ui.viewer.timeline import TimelineBar
from filmstudio.ui.viewer.waveform import WaveformStrip

REFRESH_MS = 150  # edits in a burst (a slider drag) look for the new sound once


class ViewerSound(QObject):
    """Owns the loader, the strip (added to ``timeline`` above its controls) and the player.
    ``sink`` and ``force_sync`` are for tests (see :class:`SoundPlayer`, :class:`SoundLoader`).
    Call :meth:`shutdown` before the session's engine closes."""

    def __init__(
        self,
        session: EditorSession,
        timeline: TimelineBar,
        playback: Playback,
        parent: QObject | None = None,
        sink: Any = None,
        force_sync: bool = False,
    ) -> None:
        super().__init__(parent)
        self.session, self.timeline, self.playback = session, timeline, playback
        self.loader = SoundLoader(session, self, force_sync)
        self.player = SoundPlayer(session, sink, self, force_sync)
        self.strip = WaveformStrip(timeline.ruler, timeline)
        layout = timeline.layout()
        layout.insertWidget(layout.indexOf(timeline.findChild(QWidget, "TimelineControls")), self.strip)
        self._refresh = QTimer(self)
        self._refresh.setObjectName("viewer sound refresh")
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.loader.refresh)
        self.loader.soundChanged.connect(self._sound_changed)
        self.loader.waveformChanged.connect(self.strip.show_waveform)
        playback.playingChanged.connect(self._playing_changed)
        playback.holdingChanged.connect(self._holding_changed)
        self._slots = (
            (session.frameChanged, self._frame_changed),
            (session.viewedNodeChanged, self.schedule_refresh),
            (session.selectionChanged, self.schedule_refresh),
            (session.rangeChanged, self.schedule_refresh),
            (session.projectReplaced, self.schedule_refresh),
            (session.graphChanged, self._graph_changed),
        )
        for signal, slot in self._slots:
            signal.connect(slot)
        self.loader.refresh()

    def schedule_refresh(self) -> None:
        self._refresh.start()

    def shutdown(self) -> None:
        """Stop sound and pending work; idempotent."""
        self._refresh.stop()
        self.loader.cancel()
        self.player.stop()

    def _sound_changed(self, audio: Audio | None) -> None:
        self.strip.show_sound(audio is not None)
        self.player.set_audio(audio)
        if audio is not None and self.playback.playing:
            self._playing_changed(True)  # the sound changed while playing: go on with the new one

    def _playing_changed(self, playing: bool) -> None:
        session = self.session
        if playing:
            self.player.play(session.current_frame, session.in_point, session.out_point, self.playback.loop)
        else:
            self.player.stop()

    def _holding_changed(self, holding: bool) -> None:
        # Playback waits for a frame that is not ready: the sound waits with the picture and goes
        # on from the frame shown when it arrives, so they stay in step.
        self._playing_changed(self.playback.playing and not holding)

    def _frame_changed(self, frame: int) -> None:
        self.strip.update()
        if self.timeline.ruler.scrubbing and not self.playback.playing:
            self.player.grain(frame)

    def _graph_changed(self, event: GraphEvent) -> None:
        if event.kind is GraphEventKind.NODE_CHANGED and event.detail == "position":
            return
        self.schedule_refresh()
