"""The Export dialog's summary line: what the chosen Write will encode, at what size and rate, for
how long — read from the writer's own encode settings, so a plugin writer is summarised the same
way. Plain Python (no widgets)."""

from __future__ import annotations

from filmstudio.core.errors import FilmStudioError
from filmstudio.core.graph import NodeInstance
from filmstudio.core.project import Project
from filmstudio.core.timebase import FrameRange, timecode
from filmstudio.media.settings import plan_encode
from filmstudio.render.settings import encode_settings

PRESET_NAMES = {
    "h264": "H.264",
    "h265": "H.265",
    "prores": "ProRes (fast)",
    "prores_ks": "ProRes",
    "dnxhr": "DNxHR",
    "png": "PNG sequence",
    "exr": "EXR sequence",
}


def export_summary(project: Project, write: NodeInstance, frames: FrameRange, scale: float) -> str:
    """Two lines, e.g. ``H.264 · libx264 yuv420p, crf 18, medium`` and
    ``1920x1080 · 24 fps · 100 frames (00:00:04:04)``; a setting the writer refuses is said
    instead (the render would refuse it too)."""
    try:
        settings = encode_settings(project, write, frames)
        plan = plan_encode(settings)
    except (FilmStudioError, NotImplementedError) as error:
        return f"cannot encode: {error}"
    codec = f"{plan.codec} {plan.pix_fmt}"
    options = dict(plan.options)
    if "crf" in options:
        codec += f", crf {options['crf']}, {options.get('preset', settings.speed)}"
    profile = options.get("profile") or plan.context_profile
    if profile:
        codec += f", {profile}"
    if plan.alpha:
        codec += ", alpha"
    width, height = project.settings.format.scaled(scale)
    count = len(frames)
    fps = settings.fps
    rate = f"{float(fps):.3f}".rstrip("0").rstrip(".")
    length = timecode(count, fps)
    encoding = f"{PRESET_NAMES.get(settings.preset, settings.preset)} · {codec}"
    picture = f"{width}x{height} · {rate} fps · {count} frame{'s' if count != 1 else ''} ({length})"
    return f"{encoding}\n{picture}"  # two short lines fit the dialog whatever the codec
