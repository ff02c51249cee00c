"""The inspector: Nuke's Properties panel, generated from a node type's parameter declarations.

``Inspector(session)`` shows the last selected node; one module per parameter family
(:mod:`numeric`, :mod:`color`, :mod:`basic`), grading blocks of a master and its ``_rgb`` channels
(:mod:`grading`, colour wheels in :mod:`wheel`), OCIO name combos (:mod:`colourspace`), the keyframe
button (:mod:`keyframe`), the header (:mod:`header`) and how edits reach the graph (:mod:`binding`).
"""

from filmstudio.ui.inspector.binding import KeyState, ParamBinding
from filmstudio.ui.inspector.panel import Inspector

__all__ = ["Inspector", "KeyState", "ParamBinding"]
