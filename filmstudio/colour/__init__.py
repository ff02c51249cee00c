"""Colour spaces at the edges of the graph: decoded pixels -> working space -> encoded pixels.

Until OpenColorIO is wired in (the colour-management issue), FilmStudio knows the transfer curves
that cover everyday footage; primaries are assumed to be Rec.709/sRGB throughout.
"""

from filmstudio.colour.transfer import COLOUR_SPACES, from_working, resolve_space, to_working

__all__ = ["COLOUR_SPACES", "from_working", "resolve_space", "to_working"]
