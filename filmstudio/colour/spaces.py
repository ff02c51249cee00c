"""Colour space names: FilmStudio's short, config-independent names and how they map to OCIO.

Nodes offer short names ("sRGB", "Rec.709", "ACEScct", ...) that mean the same in every config:
each maps to the first of several colour space names or aliases that the active config knows (the
built-in ACES configs, the studio configs and older configs spell them differently). Where a config
lacks an encoded space but has its linear counterpart, FilmStudio adds the standard transfer curve
itself (:attr:`Space.curve`). Any other string is looked up in the config as a colour space name,
alias or role, so artists with their own ``$OCIO`` config can use its names directly.

Pure Python and thread-safe; PyOpenColorIO is only touched through :func:`active_config`.
"""

from __future__ import annotations

from dataclasses import dataclass

from filmstudio.colour.config import active_config, colour_space_names, config_source
from filmstudio.core.errors import UnknownColourSpaceError

AUTO, WORKING, CUSTOM = "auto", "working", "custom"

# FilmStudio name -> OCIO names or aliases to try, in order.
_CANDIDATES: dict[str, tuple[str, ...]] = {
    "sRGB": ("sRGB Encoded Rec.709 (sRGB)", "srgb_tx", "sRGB - Texture", "Utility - sRGB - Texture", "sRGB"),
    "Rec.709": (
        "Gamma 2.4 Encoded Rec.709",
        "g24_rec709",
        "rec709_display",
        "Utility - Rec.709 - Display",
        "Gamma 2.4 Rec.709 - Texture",
    ),
    "Rec.2020": ("Gamma 2.4 Encoded Rec.2020", "g24_rec2020", "Gamma 2.4 Rec.2020 - Texture"),
    "Display P3": ("sRGB Encoded P3-D65", "srgb_encoded_p3d65", "srgb_displayp3"),
    "linear": ("Linear Rec.709 (sRGB)", "lin_rec709", "Utility - Linear - sRGB", "linear"),
    "Linear Rec.2020": ("Linear Rec.2020", "lin_rec2020", "Utility - Linear - Rec.2020"),
    "Linear P3-D65": ("Linear P3-D65", "lin_p3d65", "Utility - Linear - P3-D65"),
    "ACEScg": ("ACEScg", "lin_ap1", "ACES - ACEScg"),
    "ACES2065-1": ("ACES2065-1", "aces2065_1", "lin_ap0", "ACES - ACES2065-1"),
    "ACEScct": ("ACEScct", "acescct_ap1", "ACES - ACEScct"),
    "raw": ("Raw", "raw", "Utility - Raw", "data"),
    "Rec.2100 PQ": ("Rec.2100-PQ - Display", "rec2100_pq_display", "pq_rec2020_display"),
    "Rec.2100 HLG": ("Rec.2100-HLG - Display", "rec2100_hlg_display", "hlg_rec2020_display"),
}

# An encoded space a config may lack, made from its linear space and a standard curve.
_RECIPES: dict[str, tuple[str, str]] = {
    "sRGB": ("srgb", "linear"),
    "Rec.709": ("gamma2.4", "linear"),
    "Rec.2020": ("gamma2.4", "Linear Rec.2020"),
    "Display P3": ("srgb", "Linear P3-D65"),
}

# What the media probe guesses (filmstudio.media.info.guess_colour_space) -> FilmStudio names.
_GUESSES = {
    "Rec.601": "Rec.709",  # Rec.601 primaries are close to Rec.709's; the transfer curve is the same
    "Linear Rec.709": "linear",
}

# The names nodes offer, besides "auto" and "working".
COLOUR_SPACES: tuple[str, ...] = tuple(name for name in _CANDIDATES if not name.startswith("Rec.2100"))


@dataclass(frozen=True)
class Space:
    """A colour space of the active config, resolved. ``name`` is its canonical OCIO name; when
    ``curve`` is set ("srgb" or "gamma2.4"), pixels are encoded with that curve on top of ``name``
    (a linear space). ``label`` is what to show the user."""

    name: str
    curve: str = ""
    label: str = ""

    def __str__(self) -> str:
        return self.label or self.name


def working_space() -> Space:
    """The project working space: the config's ``scene_linear`` role."""
    name = active_config().working_space
    return Space(name, label=f"working ({name})")


def resolve_space(name: str, guess: str | None = None, default: str = "sRGB", what: str = "") -> Space:
    """The colour space a node setting means.

    ``auto`` takes ``guess`` (the media probe's guess from the file's tags), else ``default``;
    ``working`` (or ``scene_linear``) is the working space; FilmStudio's short names map to the
    config's spaces; anything else is looked up as an OCIO colour space name, alias or role.
    ``what`` names the setting in errors ("the Read's colour space"). Raises
    :class:`UnknownColourSpaceError` naming the config and what to choose instead.
    """
    if name == AUTO:
        if guess and guess != "unknown":
            name = _GUESSES.get(guess, guess)
            what = what or "the file's colour space"
            try:
                return _resolve(name, what)
            except UnknownColourSpaceError:
                raise UnknownColourSpaceError(
                    f"the file looks like {guess}, which the OCIO config ({config_source()}) does not "
                    f"define: choose {what or 'the colour space'} by hand, or set $OCIO to a config "
                    "that defines it"
                ) from None
        name = default
    return _resolve(_GUESSES.get(name, name), what)


def _resolve(name: str, what: str) -> Space:
    if name in (WORKING, "scene_linear"):
        return working_space()
    config = active_config().config
    for candidate in _CANDIDATES.get(name, ()):
        found = config.getCanonicalName(candidate)
        if found:
            return Space(found, label=name)
    recipe = _RECIPES.get(name)
    if recipe is not None:
        curve, linear = recipe
        for candidate in _CANDIDATES[linear]:
            found = config.getCanonicalName(candidate)
            if found:
                return Space(found, curve, label=name)
    found = config.getCanonicalName(name) if name else ""
    if found:
        return Space(found, label=name)
    offered = ", ".join((AUTO, WORKING, *COLOUR_SPACES))
    config_names = colour_space_names()
    shown = ", ".join(repr(n) for n in config_names[:8])
    more = f" and {len(config_names) - 8} more" if len(config_names) > 8 else ""
    raise UnknownColourSpaceError(
        f"unknown colour space {name!r}{' for ' + what if what else ''}: choose one of {offered}, "
        f"or a colour space of the OCIO config ({config_source()}): {shown}{more}"
    )


def chosen_space(
    choice: str, custom: str = "", guess: str | None = None, default: str = "sRGB", what: str = ""
) -> Space:
    """The space a node's colour space setting picks: ``custom`` takes the OCIO name typed in the
    node's custom field; every other choice goes through :func:`resolve_space`."""
    if choice == CUSTOM:
        name = custom.strip()
        if not name:
            raise UnknownColourSpaceError(
                f"{what or 'the colour space'} is custom but no OCIO colour space is named: type one "
                f"of the config's colour spaces (e.g. {colour_space_names()[0]!r}) in the custom field"
            )
        return resolve_space(name, what=what)
    return resolve_space(choice, guess, default, what)
