"""The image canvas: paints the delivered display images with QPainter, zooms around the cursor,
pans, draws the A/B wipe and reads out the working-space pixel under the cursor. GUI thread.

Coordinates: *image* coordinates are full-resolution pixels of layer A (origin top-left), whatever
proxy scale the pixels were computed at; the view maps them to the widget with :attr:`zoom` (screen
pixels per image pixel) and :attr:`center` (the image point at the widget's centre).

While a frame computes, the canvas says so (:meth:`begin_request`, :attr:`status`): a banner over
the picture when it shows the same node, a "computing" panel when the selection changed (another
node's picture is never left under the new name), and a PREVIEW badge over a stand-in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from filmstudio.ui.viewer.canvas_status import paint_banner, paint_message
from filmstudio.ui.viewer.display import PixelValue, sample
from filmstudio.ui.viewer.frames import FrameResult, ViewRequest

if TYPE_CHECKING:
    from filmstudio.ui.viewer.overlays import OverlayController

BACKGROUND = QColor("#161616")
FORMAT_BOX = QColor("#4a4a4a")
WIPE_LINE = QColor("#e8912d")
ERROR_TEXT = QColor("#ff8a7a")
NOTICE_TEXT = QColor("#8a8a8a")
MIN_ZOOM, MAX_ZOOM = 1 / 64, 64.0
BUSY_DELAY_MS = 150
_FIT_MARGIN = 0.92
_WIPE_GRAB_PX = 7


class ImageCanvas(QWidget):
    """Shows a :class:`FrameResult`. Signals: ``imageShown(int)`` after each new result is set
    (frame number; the latency benchmark's hook), ``pixelHovered(object)`` with a
    :class:`PixelValue` or None, ``zoomChanged(float)``, ``wipeMoved(float)``."""

    imageShown = Signal(int)
    pixelHovered = Signal(object)
    zoomChanged = Signal(float)
    wipeMoved = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ViewerCanvas")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.result: FrameResult | None = None
        self.zoom = 1.0
        self.center = QPointF(0, 0)
        self.fitted = True
        self.wipe = 0.5  # where the wipe line is, as a fraction of A's width
        self.busy = False
        self.computing = False  # cleared for a new selection: nothing of it to show yet
        self.status = ""  # what is computing: node, frame, progress, elapsed (the viewer sets it)
        self.fraction: float | None = None  # the slow node's progress, 0..1, when it reports one
        # The "computing" mark appears only for frames slower than BUSY_DELAY_MS: no flicker on
        # fast frames, and no repaint competing with the frame being computed.
        self._busy_timer = QTimer(self)
        self._busy_timer.setObjectName("viewer busy mark delay")
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(self._show_busy)
        self._size = QSizeF(0, 0)  # full-resolution size of layer A
        self._drag: str | None = None
        self._drag_from = QPointF()
        self._hover: QPointF | None = None
        # The selected node's on-screen controls (set by the viewer panel; None: no overlays).
        self.overlays: OverlayController | None = None

    # --- content ---------------------------------------------------------------------------------

    def show_result(self, result: FrameResult) -> None:
        """Show a delivered frame (or its error text); keeps the view unless nothing was shown.
        A preview (a stand-in) keeps the computing status: the real frame is still on its way."""
        self.result = result
        self.computing = False
        if not result.preview:
            self._busy_timer.stop()
            self.busy = False
        if result.images:
            first = result.images[0]
            size = QSizeF(first.image.width() / first.scale, first.image.height() / first.scale)
            if size != self._size:
                self._size = size
                if self.fitted or self._size.isEmpty():
                    self.fit()
        self.update()
        self.imageShown.emit(result.frame)
        if self._hover is not None:
            self.pixelHovered.emit(self.pixel_at(self._hover))

    def image(self, index: int = 0) -> QImage | None:
        """The display image of layer ``index`` now shown (A = 0, B = 1), or None."""
        images = self.result.images if self.result is not None else ()
        return images[index].image if index < len(images) else None

    @property
    def error(self) -> str:
        return self.result.error if self.result is not None else ""

    @property
    def image_size(self) -> QSizeF:
        return QSizeF(self._size)

    def begin_request(self, request: ViewRequest) -> None:
        """A frame is being computed for ``request``: keep the picture if it shows the same
        layers (another frame of the same node, a new parameter value) under a banner; otherwise
        clear it to the computing state at once."""
        shown = self.result.request if self.result is not None else None
        if shown is None or _layers(shown) != _layers(request):
            self.result = None
            self.computing = True
            self.update()
        self.set_busy(True)

    def set_status(self, text: str, fraction: float | None = None) -> None:
        """What the computing banner, panel or preview badge says (empty: nothing computes)."""
        if (text, fraction) != (self.status, self.fraction):
            self.status, self.fraction = text, fraction
            self.update()

    def set_busy(self, busy: bool) -> None:
        """A frame is being computed (the mark shows if it takes over BUSY_DELAY_MS) or not."""
        if busy:
            if not self.busy and not self._busy_timer.isActive():
                self._busy_timer.start()
            return
        self._busy_timer.stop()
        if self.busy:
            self.busy = False
            self.update()

    def _show_busy(self) -> None:
        self.busy = True
        self.update()

    def stop(self) -> None:
        """Stop the canvas's timer (the panel's shutdown)."""
        self._busy_timer.stop()

    # --- view ------------------------------------------------------------------------------------

    def to_widget(self, point: QPointF) -> QPointF:
        middle = QPointF(self.width() / 2, self.height() / 2)
        return (point - self.center) * self.zoom + middle

    def to_image(self, point: QPointF) -> QPointF:
        middle = QPointF(self.width() / 2, self.height() / 2)
        return (point - middle) / self.zoom + self.center

    def fit(self) -> None:
        """Show the whole image, centred (Ctrl+0 / H)."""
        self.fitted = True
        if self._size.isEmpty():
            self.update()
            return
        zoom = min(self.width() / self._size.width(), self.height() / self._size.height()) * _FIT_MARGIN
        self._set_view(max(MIN_ZOOM, zoom), QPointF(self._size.width() / 2, self._size.height() / 2))

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom`` keeping the image point under ``anchor`` (widget coordinates; default:
        the centre) where it is."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        fixed = self.to_image(anchor)
        middle = QPointF(self.width() / 2, self.height() / 2)
        self.fitted = False
        self._set_view(zoom, fixed - (anchor - middle) / zoom)

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        self.set_zoom(self.zoom * factor, anchor)

    def _set_view(self, zoom: float, center: QPointF) -> None:
        changed = zoom != self.zoom
        self.zoom, self.center = zoom, center
        self.update()
        if changed:
            self.zoomChanged.emit(zoom)

    def set_wipe(self, position: float) -> None:
        self.wipe = min(1.0, max(0.0, position))
        self.update()
        self.wipeMoved.emit(self.wipe)

    @property
    def wiping(self) -> bool:
        return self.result is not None and len(self.result.images) > 1

    def _wipe_x(self) -> float:
        return self.to_widget(QPointF(self.wipe * self._size.width(), 0)).x()

    # --- pixel readout ---------------------------------------------------------------------------

    def pixel_at(self, widget_point: QPointF) -> PixelValue | None:
        """The working-space value under ``widget_point``, or None off the image."""
        result = self.result
        if result is None or not result.images:
            return None
        point = self.to_image(widget_point)
        x, y = int(point.x() // 1), int(point.y() // 1)
        index = 1 if self.wiping and widget_point.x() >= self._wipe_x() else 0
        image = result.images[index]
        working = result.working[index] if index < len(result.working) else None
        values = sample(working, x, y, image.scale)
        if values is None:
            return None
        label = result.request.layers[index].label if result.request is not None else ""
        return PixelValue(x, y, values, label)

    # --- events ----------------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.2**steps, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        button, position = event.button(), event.position()
        alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if (
            button == Qt.MouseButton.LeftButton
            and (ctrl or not alt)
            and self._overlay_press(position, ctrl and alt)
        ):
            self._drag = "overlay"
        elif button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and alt):
            self._drag, self._drag_from = "pan", position
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif button == Qt.MouseButton.LeftButton and self.wiping and abs(position.x() - self._wipe_x()) < 40:
            self._drag = "wipe"
            self.set_wipe(self.to_image(position).x() / max(1.0, self._size.width()))
        event.accept()

    def _overlay_press(self, position: QPointF, add: bool) -> bool:
        """A left press for the overlay: Ctrl+Alt (``add``, Nuke's gesture) adds at the point; else
        a handle is taken, or with the Add tool on, a press away from handles adds."""
        overlays = self.overlays
        if overlays is None or self.result is None or not self.result.images:
            return False
        if add:
            return overlays.add_at(self.to_image(position))
        if overlays.press(position, self.to_widget):
            return True
        return overlays.add_tool and overlays.add_at(self.to_image(position))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and self.overlays is not None
            and self.overlays.remove_selected()
        ):
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if self.overlays is None or self.result is None or not self.result.images:
            return
        position = QPointF(event.pos())
        menu = self.overlays.context_menu(position, self.to_image(position), self.to_widget, self)
        if menu is not None:
            menu.exec(event.globalPos())
            menu.deleteLater()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        if self._drag == "pan":
            self.fitted = False
            self._set_view(self.zoom, self.center - (position - self._drag_from) / self.zoom)
            self._drag_from = position
        elif self._drag == "wipe":
            self.set_wipe(self.to_image(position).x() / max(1.0, self._size.width()))
        elif self._drag == "overlay" and self.overlays is not None:
            self.overlays.move(self.to_image(position))
        elif self.wiping and abs(position.x() - self._wipe_x()) < _WIPE_GRAB_PX:
            self.setCursor(Qt.CursorShape.SplitHCursor)
        else:
            self.unsetCursor()
        self._hover = position
        self.pixelHovered.emit(self.pixel_at(position))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag == "overlay" and self.overlays is not None:
            self.overlays.release()
        self._drag = None
        self.unsetCursor()
        event.accept()

    def leaveEvent(self, event: object) -> None:
        self._hover = None
        self.pixelHovered.emit(None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self.fitted:
            self.fit()
        super().resizeEvent(event)

    # --- painting --------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        result = self.result
        if result is not None and result.images:
            self._paint_images(painter, result)
            if self.overlays is not None:
                self.overlays.paint(painter, self.to_widget)
        area = QRectF(self.rect())
        if result is not None and result.error:
            paint_message(painter, area, result.error, ERROR_TEXT)
        elif result is not None and result.notice:
            paint_message(painter, area, result.notice, NOTICE_TEXT)
        elif result is None and self.computing:
            if self.busy:  # after BUSY_DELAY_MS: a quick frame replaces the blank without a flash
                paint_message(painter, area, f"Computing {self.status}".rstrip(), NOTICE_TEXT, self.fraction)
        elif result is None:
            paint_message(painter, area, "No frame yet", NOTICE_TEXT)
        if result is not None and result.images and (result.preview or self.busy):
            paint_banner(painter, self.status, self.fraction, result.preview)
        painter.end()

    def _paint_images(self, painter: QPainter, result: FrameResult) -> None:
        # Nearest neighbour once image pixels are bigger than screen pixels, smooth below.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 1.0)
        top_left = self.to_widget(QPointF(0, 0))
        wipe_x = self._wipe_x()
        for index, shown in enumerate(result.images[:2]):
            image = shown.image
            target = QRectF(
                top_left, QSizeF(image.width() / shown.scale, image.height() / shown.scale) * self.zoom
            )
            painter.save()
            if len(result.images) > 1:
                left = index == 0
                clip = (
                    QRectF(0, 0, wipe_x, self.height())
                    if left
                    else QRectF(wipe_x, 0, self.width(), self.height())
                )
                painter.setClipRect(clip)
            painter.drawImage(target, image, QRectF(image.rect()))
            painter.restore()
        box = QRectF(top_left, self._size * self.zoom)
        painter.setPen(QPen(FORMAT_BOX, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(box.adjusted(-0.5, -0.5, 0.5, 0.5))
        self._paint_format(painter, box, result)
        if len(result.images) > 1:
            self._paint_wipe(painter, box, wipe_x, result)

    def _paint_format(self, painter: QPainter, box: QRectF, result: FrameResult) -> None:
        font = QFont(painter.font())
        font.setPointSizeF(8.5)
        painter.setFont(font)
        painter.setPen(QColor("#8c8c8c"))
        scale = result.images[0].scale
        text = f"{round(self._size.width())}x{round(self._size.height())}"
        if scale != 1.0:
            text += f"  proxy 1/{round(1 / scale)}"
        painter.drawText(
            QRectF(box.right() - 300, box.bottom() + 3, 300, 16), Qt.AlignmentFlag.AlignRight, text
        )

    def _paint_wipe(self, painter: QPainter, box: QRectF, x: float, result: FrameResult) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(WIPE_LINE, 1.5))
        painter.drawLine(QPointF(x, box.top()), QPointF(x, box.bottom()))
        painter.setBrush(WIPE_LINE)
        painter.drawEllipse(QPointF(x, box.center().y()), 5, 5)
        if result.request is not None:
            layers = result.request.layers
            painter.setPen(QColor("#e6e6e6"))
            margin = 6
            painter.drawText(QRectF(box.left() + margin, box.top() + margin, 300, 18), layers[0].label)
            painter.drawText(
                QRectF(box.right() - 300 - margin, box.top() + margin, 300, 18),
                Qt.AlignmentFlag.AlignRight,
                layers[1].label,
            )


def _layers(request: ViewRequest) -> tuple[tuple[str, str], ...]:
    """What a request shows, for "is this the same picture": each layer's node and output."""
    return tuple((layer.node, layer.output) for layer in request.layers)
