"""The Curve Editor: keyframes of the selected node's parameters as curves over frames."""

from filmstudio.ui.curves.channels import Channel, KeyRef
from filmstudio.ui.curves.panel import CurveEditor
from filmstudio.ui.curves.view import CurveView

__all__ = ["Channel", "CurveEditor", "CurveView", "KeyRef"]
