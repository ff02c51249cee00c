"""LUT: a look or conversion from a LUT file, through OpenColorIO (.cube, .3dl, .clf, ...).

Runs on the device the frame lives on (OCIO's CPU processor for CPU frames, torch on GPUs); works
on un-premultiplied colour in the working space unless the LUT is said to expect another space.
"""

from __future__ import annotations

from typing import Any

from filmstudio.api import (
    COLOUR_SPACES,
    INTERPOLATIONS,
    LUT_FILE_FILTER,
    WORKING,
    BoolParam,
    ChoiceParam,
    EvalContext,
    FloatParam,
    Input,
    Node,
    Output,
    PathParam,
    PortType,
    blend,
    config_source,
)

SPACE_CHOICES = (WORKING, *COLOUR_SPACES)


class LUT(Node):
    """Applies a 1D or 3D LUT file (anything OCIO reads: .cube, .3dl, .clf/.ctf, .csp, .spi3d...).

    ``input_space`` is the colour space the LUT expects (a log-to-video LUT wants ACEScct, say) and
    ``output_space`` the one it produces; the node converts from and back to the working space
    around it. ``interpolation`` best means tetrahedral for 3D LUTs and linear for 1D ones.
    ``inverse`` runs the LUT backwards (OCIO inverts it). ``mask`` and ``mix`` limit the effect.
    """

    id = "LUT"
    category = "Color"
    description = "A look or conversion from a .cube, .3dl or .clf LUT file, through OpenColorIO."
    per_pixel = True
    inputs = (Input("source", PortType.IMAGE), Input("mask", PortType.MASK, optional=True))
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        PathParam("file", file_filter=LUT_FILE_FILTER, on_node=True),
        ChoiceParam("interpolation", INTERPOLATIONS),
        BoolParam("inverse", False, tooltip="apply the LUT backwards"),
        ChoiceParam("input_space", SPACE_CHOICES, tooltip="the colour space the LUT expects"),
        ChoiceParam("output_space", SPACE_CHOICES, tooltip="the colour space the LUT produces"),
        FloatParam("mix", 1.0, minimum=0.0, maximum=1.0),
    )

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # The result depends on the LUT file's contents and on the OCIO config.
        from filmstudio.api import file_identity

        identity = file_identity(ctx.resolve_path(ctx.params.file)) if ctx.params.file else None
        return [identity, config_source()]

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        if source is None or ctx.params.mix <= 0.0:
            return source
        result = _pipeline(ctx).apply(source)
        p = ctx.params
        if p.mix >= 1.0 and not ctx.is_connected("mask"):
            return result
        import torch

        mixed = blend(source[:3], result[:3], p.mix, ctx.input("mask"))
        return torch.cat([mixed, source[3:]])

    def colour_function(self, ctx: EvalContext) -> Any:
        from filmstudio.api import ColourFunction

        if ctx.is_connected("mask"):
            return None
        if ctx.params.mix <= 0.0:
            return ColourFunction()
        return ColourFunction.mixed(ColourFunction.of_pipeline(_pipeline(ctx)), ctx.params.mix)


def _pipeline(ctx: EvalContext) -> Any:
    """The LUT's colour pipeline for the node's parameters (cached by the colour package)."""
    from filmstudio.api import LUTError, lut_pipeline, resolve_space

    p = ctx.params
    if not p.file:
        raise LUTError("(no file)", "the LUT node has no file: choose a .cube, .3dl or .clf file")
    return lut_pipeline(
        ctx.resolve_path(p.file),
        p.interpolation,
        p.inverse,
        resolve_space(p.input_space, what="the LUT's input_space"),
        resolve_space(p.output_space, what="the LUT's output_space"),
    )
