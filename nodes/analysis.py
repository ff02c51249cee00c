"""Analysis nodes: a sequential pass stores per-frame results in the node's state; rendering then
reads them per frame. Deflicker is the simplest real one (the Tracker works the same way)."""

from __future__ import annotations

from typing import Any

from filmstudio.api import (
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    PortType,
    blend,
    torch_module,
)

_LUMA = (0.2126, 0.7152, 0.0722)  # Rec.709 / sRGB primaries


class Deflicker(Node):
    """Evens out frame-to-frame brightness flicker (timelapse, old film, LED lights).

    Analyse first: the pass measures each frame's mean luminance. Rendering then scales each frame
    towards the average of its neighbours within ``window`` frames. Frames not analysed pass
    through unchanged.
    """

    id = "Deflicker"
    category = "Color"
    inputs = (Input("source", PortType.IMAGE),)
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        IntParam("window", 5, animatable=False, minimum=1, maximum=100),
        FloatParam("strength", 1.0, minimum=0.0, maximum=1.0),
    )
    analysis_state = "luminance"

    def analyze(self, ctx: EvalContext, carry: Any) -> tuple[Any, Any]:
        source = ctx.input("source")
        if source is None:
            return None, carry
        return float(_mean_luminance(source)), carry

    def state_for_frame(self, ctx: EvalContext) -> Any:
        # Only the measurements inside this frame's window affect it.
        measured = ctx.state.get("luminance", {})
        window = ctx.params.window
        return [measured.get(str(f)) for f in range(ctx.frame - window, ctx.frame + window + 1)]

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        measured = ctx.state.get("luminance", {})
        own = measured.get(str(ctx.frame))
        if source is None or not own:
            return source
        window = ctx.params.window
        around = [v for f in range(ctx.frame - window, ctx.frame + window + 1) if (v := measured.get(str(f)))]
        gain = (sum(around) / len(around)) / own
        rgb = source[:3]
        corrected = blend(rgb, rgb * gain, ctx.params.strength)
        return torch_module().cat([corrected, source[3:]])


def _mean_luminance(image: Any) -> Any:
    t = torch_module()
    weights = t.tensor(_LUMA, dtype=image.dtype, device=image.device).view(3, 1, 1)
    return (image[:3] * weights).sum(0).mean().item()
