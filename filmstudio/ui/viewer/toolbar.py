"""The viewer's toolbar: viewed node, A/B inputs and wipe, channel, display transform, proxy, mask
overlay, fit/100% and the zoom readout. Layout only: the panel owns the actions and connects the
choosers. GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QToolButton, QWidget

from filmstudio.ui.viewer.display import Channel

VIEWED = "viewed"


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

        def chooser(tooltip: str, characters: int) -> QComboBox:
            combo = QComboBox(self)
            combo.setToolTip(tooltip)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(characters)
            layout.addWidget(combo)
            return combo

        def label(text: str) -> QLabel:
            widget = QLabel(text, self)
            widget.setStyleSheet("color: #8c8c8c")
            layout.addWidget(widget)
            return widget

        self.node_label = QLabel(self)
        bold = QFont(self.font())
        bold.setBold(True)
        self.node_label.setFont(bold)
        self.node_label.setMinimumWidth(70)
        layout.addWidget(self.node_label)
        self.output_combo = chooser("Which output of the node to view", 6)
        layout.addSpacing(6)

        label("A")
        self.a_combo = chooser("Viewer input A (key 1 assigns the viewed node)", 6)
        label("B")
        self.b_combo = chooser("Viewer input B (key 2 assigns the viewed node)", 6)
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
        self.display_combo = chooser("OCIO display (the monitor)", 8)
        self.display_combo.addItems(list(displays))
        self.view_combo = chooser("OCIO view (how the scene is rendered for the display)", 12)
        self.view_combo.hide()
        layout.addSpacing(6)

        self.proxy_button = QToolButton(self)
        self.proxy_button.setStyleSheet("QToolButton { padding-right: 14px; }")
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
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.zoom_label.setStyleSheet("color: #8c8c8c")
        self.zoom_label.setMinimumWidth(44)
        layout.addWidget(self.zoom_label)
        button("fit", text_beside=True)
        button("zoom_100")

    def set_proxy_text(self, scale: float, auto: bool) -> None:
        text = "Full res" if scale == 1.0 else f"Proxy 1/{round(1 / scale)}"
        self.proxy_button.setText(text + (" · auto" if auto else ""))

    def set_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f}%")
