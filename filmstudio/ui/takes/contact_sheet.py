"""A contact sheet in the viewer: candidate seeds of a generator (a GAN's faces) in a grid over the
image, to pick a character from. It is a temporary overlay on the viewer's canvas, not a change
of the graph: clicking a picture asks for a name and makes that seed a new active take (one undo
step, :meth:`TakesHub.pick_seed`), then the sheet closes; Esc or its Close button closes it with nothing made.
GUI thread."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QInputDialog, QToolButton, QWidget

from filmstudio.core.graph import GraphEvent, GraphEventKind
from filmstudio.ui.takes.hub import ContactSheet, TakesHub

MARGIN = 16.0
TITLE_HEIGHT = 30.0
LABEL_HEIGHT = 18.0
GAP = 10.0


class ContactSheetOverlay(QWidget):
    """Covers ``canvas`` while a sheet shows. ``ask_name(seed)`` returns the new take's name
    ("" for none) or None to pick nothing (a dialog by default; tests replace it). Attributes
    tests use: ``sheet``, ``cell_rect(index)``, ``picked`` (the last take made)."""

    def __init__(self, hub: TakesHub, canvas: QWidget) -> None:
        super().__init__(canvas)
        self.setObjectName("ContactSheetOverlay")
        self.hub = hub
        self.sheet: ContactSheet | None = None
        self.images: list[QImage] = []
        self.hovered = -1
        self.picked: str | None = None
        self.ask_name: Callable[[int], str | None] = self._ask_name
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.close_button = QToolButton(self)
        self.close_button.setText("Close")
        self.close_button.setToolTip("Close the contact sheet (Esc)")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        canvas.installEventFilter(self)
        hub.session.projectReplaced.connect(self.dismiss)
        hub.session.graphChanged.connect(self._graph_changed)
        self.hide()

    def show_sheet(self, sheet: ContactSheet) -> None:
        """Show ``sheet`` over the whole canvas and take the keyboard (Esc)."""
        self.sheet = sheet
        self.images = [_image(pixels) for pixels in sheet.pictures]
        self.hovered = -1
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.setFocus()

    def dismiss(self) -> None:
        self.sheet, self.images = None, []
        self.hide()

    def _graph_changed(self, event: GraphEvent) -> None:
        if (
            self.sheet is not None
            and event.kind is GraphEventKind.NODE_REMOVED
            and event.node == self.sheet.node
        ):
            self.dismiss()  # its node is gone: nothing to pick for

    # --- layout ----------------------------------------------------------------------------------

    def grid(self) -> tuple[int, int]:
        """(columns, rows) that give the pictures the most room in the canvas's shape (16 faces in
        a wide, short viewer: 8 x 2, not 4 x 4)."""
        count = max(1, len(self.images))
        return max(
            ((columns, math.ceil(count / columns)) for columns in range(1, count + 1)),
            key=lambda grid: (self._side(*grid), -grid[1]),
        )

    def _side(self, columns: int, rows: int) -> int:
        width = self.width() - 2 * MARGIN - (columns - 1) * GAP
        height = self.height() - TITLE_HEIGHT - MARGIN - rows * LABEL_HEIGHT - (rows - 1) * GAP
        return math.floor(max(8.0, min(width / columns, height / rows)))

    def cell_rect(self, index: int) -> QRectF:
        """Where picture ``index`` is drawn: square, as big as the grid allows, centred."""
        columns, rows = self.grid()
        side = self._side(columns, rows)
        total_width = columns * side + (columns - 1) * GAP
        left = (self.width() - total_width) / 2
        row, column = divmod(index, columns)
        top = TITLE_HEIGHT + row * (side + LABEL_HEIGHT + GAP)
        return QRectF(left + column * (side + GAP), top, side, side)

    def index_at(self, point: QPointF) -> int:
        for index in range(len(self.images)):
            rect = self.cell_rect(index)
            if rect.adjusted(0, 0, 0, LABEL_HEIGHT).contains(point):
                return index
        return -1

    # --- events ----------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
        return False

    def resizeEvent(self, event: object) -> None:
        self.close_button.move(self.width() - self.close_button.sizeHint().width() - 6, 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.sheet is None:
            return
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#141414"))  # opaque: the frame's messages stay under it
        title = QFont(self.font())
        title.setBold(True)
        painter.setFont(title)
        painter.setPen(QColor("#e6e6e6"))
        painter.drawText(
            QRectF(MARGIN, 0, self.width() - 2 * MARGIN - 30, TITLE_HEIGHT),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            f"{self.sheet.node_name}: pick a character — click one to make it a take   (Esc closes)",
        )
        painter.setFont(self.font())
        metrics = painter.fontMetrics()
        for index, (image, seed) in enumerate(zip(self.images, self.sheet.seeds, strict=True)):
            rect = self.cell_rect(index)
            # whole multiples of a small picture stay sharp pixels; other sizes are smoothed
            sharp = rect.width() % image.width() == 0
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, not sharp)
            painter.drawImage(rect, image)
            hovered = index == self.hovered
            painter.setPen(QPen(QColor("#e8912d" if hovered else "#3a3a3a"), 3 if hovered else 1))
            painter.drawRect(rect.adjusted(-1, -1, 1, 1))
            painter.setPen(QColor("#e8912d" if hovered else "#a4a4a4"))
            label = QRectF(rect.left() - GAP / 2, rect.bottom() + 1, rect.width() + GAP, LABEL_HEIGHT)
            text = f"seed {seed}" if metrics.horizontalAdvance(f"seed {seed}") <= label.width() else str(seed)
            text = metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, int(label.width()))
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hovered = self.index_at(event.position())
        if hovered != self.hovered:
            self.hovered = hovered
            self.setCursor(Qt.CursorShape.PointingHandCursor if hovered >= 0 else Qt.CursorShape.ArrowCursor)
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and index >= 0:
            self.pick(index)
        event.accept()  # nothing reaches the canvas under the sheet

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.dismiss()
        else:
            event.accept()

    def pick(self, index: int) -> str | None:
        """Make cell ``index``'s seed a take (asking its name); the sheet closes when it is made."""
        if self.sheet is None:
            return None
        seed = self.sheet.seeds[index]
        name = self.ask_name(seed)
        if name is None:
            return None
        self.picked = self.hub.pick_seed(self.sheet, seed, name.strip() or None)
        if self.picked is not None:
            self.hub.session.report(f"{self.sheet.node_name}: seed {seed} is {self.picked}")
            self.dismiss()
        return self.picked

    def _ask_name(self, seed: int) -> str | None:
        name, ok = QInputDialog.getText(
            self, "New take", f"A name for seed {seed} (e.g. hero; empty: its id):"
        )
        return name if ok else None


def _image(pixels: object) -> QImage:
    """A uint8 ``[h, w, 3]`` array as a QImage that owns its pixels."""
    height, width = pixels.shape[:2]  # type: ignore[attr-defined]
    return QImage(pixels.tobytes(), width, height, 3 * width, QImage.Format.Format_RGB888).copy()  # type: ignore[attr-defined]
