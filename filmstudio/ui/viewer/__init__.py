"""The viewer and timeline: frame requests that never block the GUI thread, an image canvas with
zoom/pan, A/B wipe, channels and pixel readout, proxy scales, a timeline with cache bar, playback.

Public entry: :class:`ViewerPanel`.
"""

from filmstudio.ui.viewer.actions import ACTIONS
from filmstudio.ui.viewer.panel import ViewerPanel

__all__ = ["ACTIONS", "ViewerPanel"]
