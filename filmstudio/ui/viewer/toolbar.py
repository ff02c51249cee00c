"""The viewer's toolbar: viewed node, A/B inputs and wipe, channel, display transform, proxy, mask
overlay, fit/100% and the zoom readout. Layout only: the panel owns the actions and connects the
choosers. GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from filmstudio.ui.viewer.display import Channel

VIEWED = "(viewed node)"


class ViewerToolbar(QWidget):
    """Widgets: ``node_label``, ``a_combo``/``b_combo`` (node uuids as item data; None = the viewed
    node), ``output_combo`` (shown for nodes with several viewable outputs), ``channel_combo``,
    ``display_combo``, ``view_combo`` (shown once the colour package offers views),
    ``proxy_button`` (menu), ``zoom_label``."""

    def __init__(
        self, actions: dict[str, QAction], displays: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ViewerToolbar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.setSpacing(4)

        def button(name: str, text_beside: bool = False) -> QToolButton:
            tool = QToolButton(self)
            tool.setDefaultAction(actions[name])
            tool.setAutoRaise(True)
            tool.setIconSize(QSize(16, 16))
            if text_beside:
                tool.setToolButtonStyle(tool.toolButtonStyle().ToolButtonTextBesideIcon)
            layout.addWidget(tool)
            return tool

        def label(text: str) -> QLabel:
            widget = QLabel(text, self)
            widget.setStyleSheet("color: #8c8c8c")
            layout.addWidget(widget)
            return widget

        self.node_label = QLabel(self)
        bold = QFont(self.font())
        bold.setBold(True)
        self.node_label.setFont(bold)
        self.node_label.setMinimumWidth(90)
        layout.addWidget(self.node_label)
        self.output_combo = QComboBox(self)
        self.output_combo.setToolTip("Which output of the node to view")
        layout.addWidget(self.output_combo)
        layout.addSpacing(10)

        label("A")
        self.a_combo = QComboBox(self)
        self.a_combo.setToolTip("Viewer input A (key 1 assigns the viewed node)")
        layout.addWidget(self.a_combo)
        label("B")
        self.b_combo = QComboBox(self)
        self.b_combo.setToolTip("Viewer input B (key 2 assigns the viewed node)")
        layout.addWidget(self.b_combo)
        self.wipe_button = button("wipe")
        layout.addSpacing(10)

        self.channel_combo = QComboBox(self)
        self.channel_combo.setToolTip("Channels (R, G, B, A keys in the viewer)")
        for channel in Channel:
            self.channel_combo.addItem(channel.value, channel)
        layout.addWidget(self.channel_combo)
        self.mask_button = button("mask_overlay")
        layout.addSpacing(10)

        label("Display")
        self.display_combo = QComboBox(self)
        self.display_combo.setToolTip("Display transform from the working space")
        self.display_combo.addItems(list(displays))
        layout.addWidget(self.display_combo)
        self.view_combo = QComboBox(self)
        self.view_combo.setToolTip("View transform")
        self.view_combo.hide()
        layout.addWidget(self.view_combo)
        layout.addSpacing(6)

        self.proxy_button = QToolButton(self)
        self.proxy_button.setToolTip("Proxy scale; automatic proxy drops to 1/4 while scrubbing")
        self.proxy_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.proxy_button)
        for name in ("proxy_1", "proxy_2", "proxy_4"):
            menu.addAction(actions[name])
        menu.addSeparator()
        menu.addAction(actions["auto_proxy"])
        menu.addAction(actions["exact_display"])
        self.proxy_button.setMenu(menu)
        layout.addWidget(self.proxy_button)

        layout.addStretch(1)
        self.zoom_label = QLabel(self)
        self.zoom_label.setStyleSheet("color: #8c8c8c")
        self.zoom_label.setMinimumWidth(44)
        layout.addWidget(self.zoom_label)
        button("fit", text_beside=True)
        button("zoom_100")

    def set_proxy_text(self, scale: float, auto: bool) -> None:
        text = "Proxy 1" if scale == 1.0 else f"Proxy 1/{round(1 / scale)}"
        self.proxy_button.setText(text + (" · auto" if auto else ""))

    def set_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f}%")
