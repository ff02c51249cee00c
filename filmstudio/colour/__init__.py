"""Colour management on OpenColorIO: input spaces, the working space, display/view transforms.

The config is ``$OCIO`` when set, else OCIO's built-in ``ocio://default`` (ACES CG config). The
project working space is the config's ``scene_linear`` role (ACEScg by default): every image
between nodes is premultiplied RGBA in it. Read converts from a file's colour space (guessed from
its tags, overridable) with :func:`to_working`; Write converts with :func:`from_working` or through
a display/view with :func:`display_transform`.

One default serves the viewer and Write: :func:`default_view` (display, view). With the built-in
config it is Rec.1886 Rec.709 / Un-tone-mapped, the exact inverse of Read's "Rec.709" decode: an
ungraded Rec.709 clip shows its own code values in the viewer and exports unchanged. A user's
``$OCIO`` config without that display and view gets its own default display and view.

Conversions run with torch on the frame's own device when OCIO reduces them to matrices, curves,
logs, CDLs and LUTs (:mod:`.ops`), and through OCIO's CPU processor otherwise (ACES output
transforms, for instance). Every function is thread-safe; none writes into its input tensor.

The API the viewer calls (all headless)::

    from filmstudio import colour
    colour.displays()                      # ['sRGB - Display', 'Display P3 - Display', ...]
    colour.views("sRGB - Display")         # ['ACES 2.0 - SDR 100 nits (Rec.709)', 'Un-tone-mapped', ...]
    colour.default_view()                  # ('Rec.1886 Rec.709 - Display', 'Un-tone-mapped')
    colour.display_default_view(display)   # what an empty view means for that display
    shown = colour.display_transform(image, display, view, exposure=0.0, gamma=1.0)
    # -> premultiplied RGBA display values (0..1 for SDR displays) on the image's device, ready
    #    to quantise for the screen; pass inverse=True to go from display values back.
    colour.working_to_display(image, display, view)  # the viewer's: RGB over black, [3, H, W]
    colour.display_pipeline(display, view).cpu   # the OCIO CPU processor, e.g. for a pixel readout

Names: nodes offer FilmStudio's short names (:data:`COLOUR_SPACES`: "sRGB", "Rec.709", "ACEScct",
...) that mean the same in every config, plus "auto" (from the file) and "working"; any colour space
name, alias or role of the active config works too (:func:`colour_space_names` lists them). Unknown
names, and a missing or broken config, raise :class:`~filmstudio.core.errors.ColourError`
subclasses that say what to do.

Scripts can grade with :func:`grade_from_controls` (a :class:`Grade`: ASC CDL plus contrast, which
:meth:`Grade.export` writes as .cc/.cdl/.clf/.ctf) and measure colour with :func:`to_lab`.

The project's ``working_space`` setting names the role used as the working space; nodes do not see
project settings yet, so every project currently works in the ``scene_linear`` role. Changing
``$OCIO`` while running is picked up on the next conversion; :func:`reload_config` re-reads an
edited config file. PyOpenColorIO and torch are imported on first use, so importing this package
stays cheap.
"""

from __future__ import annotations

from filmstudio.core.lazy import lazy_exports

_EXPORTS = {
    "DEFAULT_CONFIG": "config",
    "WORKING_ROLE": "config",
    "active_config": "config",
    "config_source": "config",
    "reload_config": "config",
    "colour_space_names": "config",
    "working_space_name": "config",
    "displays": "config",
    "views": "config",
    "default_display": "config",
    "default_view": "config",
    "display_default_view": "config",
    "PREFERRED_VIEW": "config",
    "VIEWER": "config",
    "AUTO": "spaces",
    "WORKING": "spaces",
    "CUSTOM": "spaces",
    "COLOUR_SPACES": "spaces",
    "Space": "spaces",
    "resolve_space": "spaces",
    "working_space": "spaces",
    "conversion": "conversions",
    "convert": "conversions",
    "to_working": "conversions",
    "from_working": "conversions",
    "display_pipeline": "conversions",
    "display_transform": "conversions",
    "working_to_display": "conversions",
    "Pipeline": "pipeline",
    "cached_pipeline": "pipeline",
    "clear_cache": "pipeline",
    "CDL": "grade",
    "Grade": "grade",
    "grade_from_controls": "grade",
    "lift_gamma_gain": "grade",
    "to_lab": "lab",
    "from_lab": "lab",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(
    __name__, globals(), {name: f"{__name__}.{module}" for name, module in _EXPORTS.items()}
)
