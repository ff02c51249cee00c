"""The timeline under the viewer: a frame ruler with the playhead, in/out points, key ticks and the
cache bar, and a row of transport controls, frame counter and timecode. GUI thread.

The cache bar asks :class:`CachedFrames` at most every ``CACHE_REFRESH_MS`` (and when a frame is
delivered); planning keys is sliced so a long range never stalls a repaint.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QToolButton, QVBoxLayout, QWidget

from filmstudio.core.timebase import format_fps, timecode
from filmstudio.ui.session import EditorSession
from filmstudio.ui.viewer.cached_frames import CachedFrames

CACHE_REFRESH_MS = 250
_MARGIN = 12
_TICK_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)
PLAYHEAD = QColor("#e8912d")
CACHED = QColor("#4f9a55")
KEY = QColor("#d9c24a")
TEXT = QColor("#9a9a9a")


def last_frame_span(session: EditorSession) -> tuple[int, int]:
    """The project's first and last frame."""
    frames = session.frame_range
    return frames.first, frames.first + (len(frames) - 1) * frames.step


class TimelineRuler(QWidget):
    """Frame ruler: click or drag to scrub (``session.set_frame`` on every move). Emits
    ``scrubStarted``/``scrubFinished`` around a drag (the viewer's automatic proxy follows them)."""

    scrubStarted = Signal()
    scrubFinished = Signal()

    def __init__(self, session: EditorSession, cached: CachedFrames, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TimelineRuler")
        self.session = session
        self.cached = cached
        self.keys: list[int] = []
        self.scrubbing = False
        self._painting: tuple[int, int, float] | None = None  # the span, fixed while painting
        self.setMinimumHeight(46)
        self.setMouseTracking(False)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    def sizeHint(self) -> QSize:
        return QSize(640, 50)

    # --- frames <-> pixels -----------------------------------------------------------------------

    def _span(self) -> tuple[int, int, float]:
        first, last = last_frame_span(self.session)
        slot = max(1e-6, (self.width() - 2 * _MARGIN) / (last - first + 1))
        return first, last, slot

    def x_of(self, frame: float) -> float:
        """The x centre of ``frame``'s slot."""
        first, _last, slot = self._painting or self._span()
        return _MARGIN + (frame - first + 0.5) * slot

    def frame_at(self, x: float) -> int:
        first, last, slot = self._span()
        return max(first, min(last, first + math.floor((x - _MARGIN) / slot)))

    # --- scrubbing -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self.scrubbing = True
        self.scrubStarted.emit()
        self.session.set_frame(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self.scrubbing:
            self.session.set_frame(self.frame_at(event.position().x()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.scrubbing and event.button() == Qt.MouseButton.LeftButton:
            self.scrubbing = False
            self.session.set_frame(self.frame_at(event.position().x()))
            self.scrubFinished.emit()

    # --- painting --------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        height = self.height()
        painter.fillRect(self.rect(), QColor("#1d1d1d"))
        first, last, slot = self._painting = self._span()
        try:
            track = QRectF(_MARGIN, 0, self.width() - 2 * _MARGIN, height)
            painter.fillRect(track, QColor("#262626"))
            self._paint_in_out(painter, height, slot)
            self._paint_ticks(painter, first, last, slot)
            self._paint_keys(painter, height)
            self._paint_cache(painter, height, slot)
            self._paint_playhead(painter, height, slot)
        finally:
            painter.end()
            self._painting = None

    def _paint_in_out(self, painter: QPainter, height: int, slot: float) -> None:
        session = self.session
        left, right = self.x_of(session.in_point) - slot / 2, self.x_of(session.out_point) + slot / 2
        shade = QColor(0, 0, 0, 110)
        painter.fillRect(QRectF(_MARGIN, 0, max(0.0, left - _MARGIN), height), shade)
        painter.fillRect(QRectF(right, 0, max(0.0, self.width() - _MARGIN - right), height), shade)
        painter.setPen(QPen(QColor("#bdbdbd"), 1.5))
        for x, direction in ((left, 1), (right, -1)):
            painter.drawLine(QPointF(x, 2), QPointF(x, height - 7))
            painter.drawLine(QPointF(x, 2), QPointF(x + 5 * direction, 2))
            painter.drawLine(QPointF(x, height - 7), QPointF(x + 5 * direction, height - 7))

    def _paint_ticks(self, painter: QPainter, first: int, last: int, slot: float) -> None:
        label_step = next((s for s in _TICK_STEPS if s * slot >= 56), _TICK_STEPS[-1])
        minor_step = next((s for s in _TICK_STEPS if s * slot >= 7 and label_step % s == 0), label_step)
        font = QFont(self.font())
        font.setPointSizeF(8)
        painter.setFont(font)
        start = first - first % minor_step
        for frame in range(start, last + 1, minor_step):
            if frame < first:
                continue
            x = self.x_of(frame)
            major = frame % label_step == 0
            painter.setPen(QColor("#5a5a5a") if not major else QColor("#7c7c7c"))
            painter.drawLine(QPointF(x, 0), QPointF(x, 9 if major else 5))
            if major:
                painter.setPen(TEXT)
                painter.drawText(QRectF(x - 30, 10, 60, 14), Qt.AlignmentFlag.AlignHCenter, str(frame))

    def _paint_keys(self, painter: QPainter, height: int) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#1d1d1d"), 1))
        painter.setBrush(KEY)
        y, r = height - 15.0, 4.0
        for frame in self.keys:
            x = self.x_of(frame)
            painter.drawPolygon(
                QPolygonF([QPointF(x, y - r), QPointF(x + r, y), QPointF(x, y + r), QPointF(x - r, y)])
            )
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_cache(self, painter: QPainter, height: int, slot: float) -> None:
        bar = QRectF(_MARGIN, height - 5, self.width() - 2 * _MARGIN, 4)
        painter.fillRect(bar, QColor("#151515"))
        run_start: int | None = None
        frames, flags = self.cached.frames, self.cached.flags
        for index, frame in enumerate((*frames, None)):
            cached = frame is not None and index < len(flags) and flags[index]
            if cached and run_start is None:
                run_start = frame
            elif not cached and run_start is not None:
                end = frames[index - 1]
                left, right = self.x_of(run_start) - slot / 2, self.x_of(end) + slot / 2
                painter.fillRect(QRectF(left, bar.top(), right - left, bar.height()), CACHED)
                run_start = None

    def _paint_playhead(self, painter: QPainter, height: int, slot: float) -> None:
        frame = self.session.current_frame
        x = self.x_of(frame)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if slot > 3:
            painter.fillRect(QRectF(x - slot / 2, 0, slot, height), QColor(232, 145, 45, 45))
        painter.setPen(QPen(PLAYHEAD, 1.5))
        painter.drawLine(QPointF(x, 0), QPointF(x, height))
        text = str(frame)
        width = painter.fontMetrics().horizontalAdvance(text) + 10
        box = QRectF(x - width / 2, 10, width, 15)
        box.moveLeft(max(0.0, min(self.width() - width, box.left())))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(PLAYHEAD)
        painter.drawRoundedRect(box, 3, 3)
        painter.setPen(QColor("#141414"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class TimelineBar(QWidget):
    """Ruler + transport row. ``actions`` are the viewer panel's (play, step, keys, in/out, loop);
    ``cache_source`` says which node and proxy scale the cache bar is about (GUI thread)."""

    def __init__(
        self,
        session: EditorSession,
        actions: dict[str, QAction],
        cache_source: Callable[[], tuple[str | None, float]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("Timeline")
        self.session = session
        self.cache_source = cache_source
        self.cached = CachedFrames()
        self.ruler = TimelineRuler(session, self.cached, self)
        self._cache_timer = QTimer(self)
        self._cache_timer.setObjectName("timeline cache bar refresh")
        self._cache_timer.setSingleShot(True)
        self._cache_timer.setInterval(CACHE_REFRESH_MS)
        self._cache_timer.timeout.connect(self.refresh_cache_bar)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.ruler)
        layout.addWidget(self._controls(actions))
        self.sync()

    def _controls(self, actions: dict[str, QAction]) -> QWidget:
        row = QWidget(self)
        row.setObjectName("TimelineControls")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(8, 3, 8, 4)
        layout.setSpacing(2)

        def button(name: str) -> QToolButton:
            tool = QToolButton(row)
            tool.setDefaultAction(actions[name])
            tool.setAutoRaise(True)
            tool.setIconSize(QSize(16, 16))
            layout.addWidget(tool)
            return tool

        for name in (
            "first_frame",
            "previous_key",
            "step_back",
            "play",
            "step_forward",
            "next_key",
            "last_frame",
        ):
            button(name)
        layout.addSpacing(6)
        self.loop_button = button("loop")
        if "render_to_cache" in actions:
            self.render_button = button("render_to_cache")
        layout.addSpacing(10)
        self.frame_box = QSpinBox(row)
        self.frame_box.setObjectName("FrameCounter")
        self.frame_box.setKeyboardTracking(False)
        self.frame_box.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.frame_box.setMinimumWidth(70)
        self.frame_box.setToolTip("Current frame (type a frame and press Enter)")
        self.frame_box.valueChanged.connect(self.session.set_frame)
        # Enter hands the keys back: Space and the arrows drive the playhead again, not the box.
        self.frame_box.lineEdit().returnPressed.connect(self.frame_box.clearFocus)
        layout.addWidget(self.frame_box)
        self.timecode_label = QLabel(row)
        self.timecode_label.setObjectName("Timecode")
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.timecode_label.setFont(mono)
        self.timecode_label.setContentsMargins(8, 0, 8, 0)
        layout.addWidget(self.timecode_label)
        layout.addStretch(1)
        button("set_in")
        self.in_out_label = QLabel(row)
        self.in_out_label.setStyleSheet("color: #9a9a9a")
        layout.addWidget(self.in_out_label)
        button("set_out")
        layout.addSpacing(12)
        self.playback_label = QLabel(row)  # what playback waits for, frames held or dropped, why it stopped
        self.playback_label.setObjectName("PlaybackStatus")
        self.playback_label.setStyleSheet("color: #e8912d")
        layout.addWidget(self.playback_label)
        self.fps_label = QLabel(row)
        self.fps_label.setStyleSheet("color: #9a9a9a")
        self.fps_label.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self.fps_label)
        return row

    # --- following the session -------------------------------------------------------------------

    def sync(self) -> None:
        """Range, frame counter, timecode, in/out and fps as the session has them now."""
        session = self.session
        first, last = last_frame_span(session)
        self.frame_box.blockSignals(True)
        self.frame_box.setRange(first, last)
        self.frame_box.setValue(session.current_frame)
        self.frame_box.blockSignals(False)
        fps = session.project.settings.fps
        self.timecode_label.setText(timecode(session.current_frame, fps))
        self.in_out_label.setText(f"In {session.in_point}   Out {session.out_point}")
        self.fps_label.setText(f"{format_fps(fps)} fps")
        self.ruler.update()

    def add_strip(self, strip: QWidget) -> None:
        """Show ``strip`` (a per-frame lane drawn on :attr:`ruler`'s frame positions) under the
        ruler, below the strips added before it."""
        layout = self.layout()
        layout.insertWidget(layout.indexOf(self.findChild(QWidget, "TimelineControls")), strip)

    def set_keys(self, frames: list[int]) -> None:
        self.ruler.keys = frames
        self.ruler.update()

    def set_playback_status(self, text: str) -> None:
        self.playback_label.setText(text)

    def schedule_cache_refresh(self) -> None:
        """Refresh the cache bar soon (at most every CACHE_REFRESH_MS, however often asked)."""
        if not self._cache_timer.isActive():
            self._cache_timer.start()

    def refresh_cache_bar(self) -> bool:
        """Recompute the cache bar now: a slice of key planning, the rest scheduled. Returns
        whether every frame's key is known (the bar is complete)."""
        self._cache_timer.stop()
        node, scale = self.cache_source()
        frames = list(self.session.frame_range)
        complete = self.cached.update(self.session.engine, node, frames, scale, self.session.current_frame)
        self.ruler.update()
        if not complete:
            self.schedule_cache_refresh()
        return complete

    def stop(self) -> None:
        self._cache_timer.stop()
