"""Takes in the editor: the inspector's Takes section, take jobs (Generate, Stop, contact
sheets) shared by every panel of a session, diff and edit dialogs, the viewer's contact sheet."""

from filmstudio.ui.takes.hub import ContactSheet, TakesHub, hub_of
from filmstudio.ui.takes.section import TakesSection, takes_section_for

__all__ = ["ContactSheet", "TakesHub", "TakesSection", "hub_of", "takes_section_for"]
