"""The node graph editor: :class:`GraphView` on an :class:`~filmstudio.ui.session.EditorSession`.

Modules: ``view`` (the widget, keys, mouse, commands), ``scene`` (items following the model's
events), ``node_items``/``backdrop``/``ports``/``links`` (items drawn by hand), ``link_drag``
(connecting ports), ``search`` (Tab search), ``clipboard`` (nodes as text), ``edits`` (placement
and insertion), ``style`` (colours and sizes).
"""

from filmstudio.ui.graph.view import GraphView

__all__ = ["GraphView"]
