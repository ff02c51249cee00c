"""Color Corrector: the primary grade — exposure, lift/gamma/gain/offset, contrast, saturation.

The controls reduce exactly to an ASC CDL plus contrast (:mod:`filmstudio.colour.grade`), so the
grade can be exported for other applications and is tested against OCIO's own CDLTransform. Works
on un-premultiplied colour in the working space, on the device the frame lives on.
"""

from __future__ import annotations

from typing import Any

from filmstudio.api import (
    BoolParam,
    EvalContext,
    FloatParam,
    Input,
    Node,
    Output,
    PortType,
    VectorParam,
    blend,
    premultiplied,
    premultiplied_with_alpha,
    unpremultiplied,
    with_alpha,
)

_WHEEL = {"soft_min": -0.5, "soft_max": 0.5}


class ColorCorrector(Node):
    """A primary grade on the working-space image.

    Per channel, black goes to ``lift + offset`` and white to ``gain + offset`` (after exposure,
    in stops), then ``gamma`` bends the mid-tones: the ASC CDL with slope ``2**exposure * (gain -
    lift)``, offset ``lift + offset`` and power ``1 / gamma``. Each control has a master value and
    an RGB value: gains and gammas multiply, lifts and offsets add. ``contrast`` scales around
    ``pivot`` (a scene-linear grey, 0.18 by default) and ``saturation`` uses Rec.709 luma weights,
    as the CDL does. With ``clamp`` every stage stays within 0..1 (the ASC style); without it
    values above 1 and below 0 survive, as scene-linear work needs. ``mask`` and ``mix`` limit it.
    """

    id = "ColorCorrector"
    category = "Color"
    label = "Color Corrector"
    per_pixel = True
    description = "Exposure, lift/gamma/gain/offset, contrast and saturation, stored as an ASC CDL."
    inputs = (Input("source", PortType.IMAGE), Input("mask", PortType.MASK, optional=True))
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        FloatParam("exposure", 0.0, soft_min=-6.0, soft_max=6.0, tooltip="in stops: +1 doubles the light"),
        FloatParam("lift", 0.0, **_WHEEL, tooltip="raises (or lowers) the blacks, keeping white"),
        VectorParam(
            "lift_rgb",
            (0.0, 0.0, 0.0),
            **_WHEEL,
            grade_of="lift",
            wheel=0.25,
            tooltip="lift per channel, added to the master",
        ),
        FloatParam("gamma", 1.0, minimum=0.01, soft_max=4.0, tooltip="above 1 brightens the mid-tones"),
        VectorParam(
            "gamma_rgb",
            (1.0, 1.0, 1.0),
            minimum=0.01,
            soft_max=4.0,
            grade_of="gamma",
            wheel=0.5,
            tooltip="multiplies the master",
        ),
        FloatParam("gain", 1.0, soft_min=0.0, soft_max=4.0, tooltip="scales the whites, keeping black"),
        VectorParam(
            "gain_rgb",
            (1.0, 1.0, 1.0),
            soft_min=0.0,
            soft_max=4.0,
            grade_of="gain",
            wheel=0.5,
            tooltip="multiplies the master",
        ),
        FloatParam("offset", 0.0, **_WHEEL, tooltip="adds to every value"),
        VectorParam(
            "offset_rgb",
            (0.0, 0.0, 0.0),
            **_WHEEL,
            grade_of="offset",
            wheel=0.25,
            tooltip="offset per channel, added to the master",
        ),
        FloatParam("contrast", 1.0, minimum=0.0, soft_max=3.0),
        FloatParam("pivot", 0.18, minimum=1e-4, soft_max=1.0, tooltip="the value contrast leaves unchanged"),
        FloatParam("saturation", 1.0, minimum=0.0, soft_max=3.0),
        BoolParam("clamp", False, tooltip="ASC CDL clamping: keep every stage within 0..1"),
        FloatParam("mix", 1.0, minimum=0.0, maximum=1.0),
    )

    @staticmethod
    def grade(values: Any) -> Any:
        """The :class:`~filmstudio.colour.grade.Grade` these parameter values describe."""
        from filmstudio.api import grade_from_controls

        p = values
        return grade_from_controls(
            lift=tuple(p.lift + c for c in p.lift_rgb),
            gamma=tuple(p.gamma * c for c in p.gamma_rgb),
            gain=tuple(p.gain * c for c in p.gain_rgb),
            offset=tuple(p.offset + c for c in p.offset_rgb),
            exposure=p.exposure,
            contrast=p.contrast,
            pivot=p.pivot,
            saturation=p.saturation,
            clamp=p.clamp,
        )

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        grade = self.grade(ctx.params)
        if source is None or grade.is_identity or ctx.params.mix <= 0.0:
            return source
        rgb, divisor = unpremultiplied(source)
        mask = ctx.input("mask")
        if mask is None and ctx.params.mix >= 1.0:
            return premultiplied_with_alpha(grade.apply(rgb), divisor, source)
        graded = blend(source[:3].float(), premultiplied(grade.apply(rgb), divisor), ctx.params.mix, mask)
        return with_alpha(graded, source)

    def colour_function(self, ctx: EvalContext) -> Any:
        from filmstudio.api import ColourFunction, grade_function

        if ctx.is_connected("mask"):
            return None
        return ColourFunction.mixed(grade_function(self.grade(ctx.params)), ctx.params.mix)
