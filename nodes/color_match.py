"""Color Match: make a shot look like a reference (another shot, or a reference image file).

Both images go to CIE L*a*b*, where the statistics are perceptual, and the source is matched per
channel: ``statistics`` moves each channel's mean and standard deviation to the reference's
(Reinhard et al. 2001, in Lab), ``histogram`` maps each channel's distribution onto the
reference's (quantile matching). The result goes back to the working space. Runs on the device the
frame lives on; statistics are weighted by alpha, so transparent pixels do not count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from filmstudio.api import (
    BoolParam,
    ChoiceParam,
    EvalContext,
    FloatParam,
    Input,
    IntParam,
    Node,
    Output,
    PathParam,
    PortType,
    blend,
    config_source,
    premultiplied,
    torch_module,
    unpremultiplied,
    with_alpha,
)

METHODS = ("statistics", "histogram")
_HISTOGRAM_SAMPLES = 1 << 20  # the reference's distribution is read from at most this many pixels
_IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.tif *.tiff *.exr *.dpx *.mp4 *.mov)"


class ColorMatch(Node):
    """Matches ``source`` to ``reference`` (or, when nothing is connected there, to the image in
    ``reference_file``; for a movie file, its first frame).

    With ``hold_reference`` the reference is taken at ``reference_frame`` for every frame, which is
    how a whole shot is matched to one frame of another. ``amount`` blends the match in; ``mask``
    limits where it applies (statistics are measured over the whole frame either way).
    """

    id = "ColorMatch"
    category = "Color"
    label = "Color Match"
    description = "Match a shot's colour to a reference: Reinhard statistics in Lab, or histograms."
    inputs = (
        Input("source", PortType.IMAGE),
        Input("reference", PortType.IMAGE, optional=True),
        Input("mask", PortType.MASK, optional=True),
    )
    outputs = (Output("image", PortType.IMAGE),)
    params = (
        ChoiceParam(
            "method", METHODS, tooltip="statistics: mean and spread (Reinhard); histogram: whole curve"
        ),
        PathParam("reference_file", file_filter=_IMAGE_FILTER, tooltip="used when no reference is connected"),
        BoolParam("hold_reference", False, tooltip="take the reference input at reference_frame always"),
        IntParam("reference_frame", 1, animatable=False),
        FloatParam("amount", 1.0, minimum=0.0, maximum=1.0),
    )

    def requests(self, ctx: EvalContext) -> Mapping[str, Sequence[int]]:
        wanted = dict(super().requests(ctx))
        if "reference" in wanted and ctx.params.hold_reference:
            wanted["reference"] = (ctx.params.reference_frame,)
        return wanted

    def state_for_frame(self, ctx: EvalContext) -> Any:
        from filmstudio.api import file_identity

        if ctx.is_connected("reference") or not ctx.params.reference_file:
            return None
        return [file_identity(ctx.resolve_path(ctx.params.reference_file)), config_source()]

    def evaluate(self, ctx: EvalContext) -> Any:
        source = ctx.input("source")
        p = ctx.params
        if source is None or p.amount <= 0.0:
            return source
        reference = self._reference(ctx)
        if reference is None:
            return source
        from filmstudio.api import from_lab, to_lab

        rgb, divisor = unpremultiplied(source)
        lab = to_lab(rgb).reshape(3, -1)
        weights = _weights(source)
        ref_rgb, _ = unpremultiplied(reference.to(source.device))
        ref_lab = to_lab(ref_rgb).reshape(3, -1)
        ref_weights = _weights(reference.to(source.device))
        if p.method == "statistics":
            matched = match_statistics(lab, weights, ref_lab, ref_weights)
        else:
            matched = match_histograms(lab, ref_lab, ref_weights)
        out = premultiplied(from_lab(matched.view_as(rgb)), divisor)
        out = blend(source[:3].float(), out, p.amount, ctx.input("mask"))
        return with_alpha(out, source)

    def _reference(self, ctx: Any) -> Any:
        p = ctx.params
        if ctx.is_connected("reference"):
            frame = p.reference_frame if p.hold_reference else ctx.frame
            return ctx.input("reference", frame)
        if not p.reference_file:
            return None
        from filmstudio.api import resolve_space, shared_pool, to_working

        clip = shared_pool.open(ctx.resolve_path(p.reference_file))
        space = resolve_space("auto", clip.info.colour_space, what="the reference file's colour space")
        return to_working(clip.read_tensor(clip.first), space)


def _weights(image: Any) -> Any:
    """Per-pixel weights ``[P]`` for statistics: alpha, or ones for an opaque/alpha-less image."""
    t = torch_module()
    if image.shape[0] < 4:
        return t.ones(image.shape[-2] * image.shape[-1], device=image.device)
    return image[3].float().reshape(-1).clamp(0.0, 1.0)


def weighted_moments(values: Any, weights: Any) -> tuple[Any, Any]:
    """Per-channel weighted mean and standard deviation of ``values`` ``[3, P]``: ``[3, 1]`` each."""
    total = weights.sum().clamp_min(1e-12)
    mean = (values * weights).sum(1, keepdim=True) / total
    variance = ((values - mean).square() * weights).sum(1, keepdim=True) / total
    return mean, variance.sqrt()


def match_statistics(lab: Any, weights: Any, ref_lab: Any, ref_weights: Any) -> Any:
    """Reinhard transfer: each channel shifted and scaled to the reference's mean and std."""
    mean, std = weighted_moments(lab, weights)
    ref_mean, ref_std = weighted_moments(ref_lab, ref_weights)
    scale = torch_module().where(std > 1e-6, ref_std / std.clamp_min(1e-6), torch_module().ones_like(std))
    return (lab - mean) * scale + ref_mean


def match_histograms(lab: Any, ref_lab: Any, ref_weights: Any) -> Any:
    """Quantile matching per channel: a value at quantile q of the source becomes the reference's
    value at q. Equal source values stay equal (they share their mid-rank quantile)."""
    t = torch_module()
    keep = ref_weights > 0.5
    reference = ref_lab[:, keep] if bool(keep.any()) else ref_lab
    if reference.shape[1] > _HISTOGRAM_SAMPLES:  # an evenly strided sample keeps the distribution
        step = -(-reference.shape[1] // _HISTOGRAM_SAMPLES)
        reference = reference[:, ::step]
    ref_sorted = reference.sort(dim=1).values.contiguous()
    src_sorted = lab.sort(dim=1).values.contiguous()
    count, ref_count = lab.shape[1], ref_sorted.shape[1]
    values = lab.contiguous()
    below = t.searchsorted(src_sorted, values, right=False)
    upto = t.searchsorted(src_sorted, values, right=True)
    quantile = (below + upto).to(lab.dtype) / (2.0 * count)
    position = (quantile * ref_count - 0.5).clamp(0.0, ref_count - 1.0)
    low = position.floor().long().clamp(max=max(ref_count - 2, 0))
    high = (low + 1).clamp(max=ref_count - 1)
    fraction = position - low
    return t.lerp(t.gather(ref_sorted, 1, low), t.gather(ref_sorted, 1, high), fraction)
